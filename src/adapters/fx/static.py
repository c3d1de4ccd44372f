"""A fixed table of rates against EUR, for embedded mode (no network, same answer every time).

``rate(base, quote)`` is ``quote_per_eur / base_per_eur`` computed in ``RATE_CONTEXT`` (28
significant digits, half-even), never under the caller's decimal context: an order stores the
rate and must be able to recompute it byte for byte. ``cross_rate`` is shared with the ECB
adapter so both quote a pair from the same table identically.

``DEFAULT_RATES`` are demo values in the right order of magnitude, frozen on
``DEFAULT_RATES_DATE``. They are not market data: do not take real money with them.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

from core.shared.errors import NotFound
from ports.billing.fx import ExchangeRate

SOURCE = "static"
RATE_CONTEXT = decimal.Context(prec=28, rounding=decimal.ROUND_HALF_EVEN)

DEFAULT_RATES_DATE = dt.date(2024, 3, 1)
DEFAULT_RATES: Mapping[str, Decimal] = MappingProxyType(
    {
        "EUR": Decimal(1),
        "USD": Decimal("1.0876"),
        "ILS": Decimal("3.9215"),
        "RUB": Decimal("99.1450"),
    }
)


def cross_rate(per_eur: Mapping[str, Decimal], base: str, quote: str) -> Decimal | None:
    """Units of ``quote`` per unit of ``base`` from a per-EUR table (EUR implied 1); ``None``
    when either currency is missing."""
    base_per_eur = Decimal(1) if base == "EUR" else per_eur.get(base)
    quote_per_eur = Decimal(1) if quote == "EUR" else per_eur.get(quote)
    if base_per_eur is None or quote_per_eur is None:
        return None
    return RATE_CONTEXT.divide(quote_per_eur, base_per_eur)


def check_per_eur(currency: str, rate: object) -> Decimal:
    """A per-EUR rate must be an exact, positive, finite Decimal (a float would smuggle in
    binary rounding that no stored order could reproduce)."""
    if not isinstance(rate, Decimal):
        raise TypeError(f"the {currency} rate must be a Decimal, not {type(rate).__name__}")
    if not rate.is_finite() or rate <= 0:
        raise ValueError(f"the {currency} rate must be a positive number, not {rate}")
    return rate


class StaticFxRates:
    name = "fx"
    kind = "static"

    def __init__(self, rates: Mapping[str, Decimal] = DEFAULT_RATES, on: dt.date = DEFAULT_RATES_DATE) -> None:
        table = {currency: check_per_eur(currency, rate) for currency, rate in rates.items()}
        if table.setdefault("EUR", Decimal(1)) != 1:
            raise ValueError("rates are against EUR: the EUR rate is 1 or absent")
        self._rates: Mapping[str, Decimal] = MappingProxyType(table)
        self._on = on

    def __repr__(self) -> str:
        return f"StaticFxRates({', '.join(sorted(self._rates))} on {self._on})"

    @property
    def currencies(self) -> frozenset[str]:
        return frozenset(self._rates)

    async def rate(self, base: str, quote: str, *, on: dt.date) -> ExchangeRate:
        """The table's rate whatever ``on`` is; ``ExchangeRate.on`` is the table's date."""
        if base == quote:
            return ExchangeRate(base, quote, Decimal(1), self._on, SOURCE)
        value = cross_rate(self._rates, base, quote)
        if value is None:
            raise NotFound(
                "fx.rate_unknown",
                f"no {SOURCE} rate for {base}/{quote}",
                {"base": base, "quote": quote, "on": on.isoformat(), "source": SOURCE},
            )
        return ExchangeRate(base, quote, value, self._on, SOURCE)
