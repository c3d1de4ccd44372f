"""Exchange rates: the FX-rate port and the rate it hands out."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Protocol


@dataclasses.dataclass(frozen=True)
class ExchangeRate:
    """``rate`` units of ``quote`` buy one unit of ``base`` (EUR->USD 1.0876: 1 EUR = 1.0876 USD),
    as published for the reference date ``on`` by ``source``. Exact decimals, never floats: an
    order stores this record and must reproduce its conversion byte for byte later."""

    base: str
    quote: str
    rate: Decimal
    on: dt.date
    source: str

    def __post_init__(self) -> None:
        if not self.rate.is_finite() or self.rate <= 0:
            raise ValueError(f"an exchange rate is a positive number, not {self.rate}")

    def inverse(self) -> ExchangeRate:
        """The same rate read the other way; kept as the exact quotient to 28 digits."""
        return ExchangeRate(self.quote, self.base, Decimal(1) / self.rate, self.on, self.source)


class FxRates(Protocol):
    async def rate(self, base: str, quote: str, *, on: dt.date) -> ExchangeRate:
        """The rate for ``on``, or the latest published before it (rates are not published on
        weekends and holidays). Raises ``core.shared.errors.NotFound`` ("fx.rate_unknown") when
        there is none for that pair on or before that day, and ``Unavailable`` when the source
        cannot be read. ``base == quote`` gives rate 1."""
        ...
