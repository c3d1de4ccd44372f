"""Currency conversion at a recorded rate, reproducible from the rate alone."""

from __future__ import annotations

from fractions import Fraction

from core.billing.domain.rounding import round_half_up
from core.shared.errors import InvalidInput
from core.shared.money import MINOR_UNITS, Money
from ports.billing.fx import ExchangeRate


def convert(amount: Money, rate: ExchangeRate) -> Money:
    """``amount`` in ``rate.quote``, rounded half up to the quote currency's minor unit.

    Exact up to that one rounding: the same amount and rate always give the same result, so an
    order that stores its rate can be re-priced to the minor unit later."""
    if amount.currency == rate.quote and rate.base == rate.quote:
        return amount
    if amount.currency != rate.base:
        raise InvalidInput(
            "fx.pair", f"a {rate.base}->{rate.quote} rate cannot convert {amount.currency}", {"rate": rate.base}
        )
    scale = Fraction(10) ** (MINOR_UNITS[rate.quote] - MINOR_UNITS[rate.base])
    return Money(round_half_up(amount.amount_minor * Fraction(rate.rate) * scale), rate.quote)
