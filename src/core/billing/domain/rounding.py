"""Exact arithmetic on money: fractions of a minor unit exist only between two roundings.

Every amount is computed exactly (``Fraction``) and rounded once, half up, to whole minor
units where it becomes a line of a quote; so each line is off by at most half a minor unit,
and the lines of a quote add up exactly to its totals.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from core.shared.errors import InvalidInput

HUNDRED = Fraction(100)


def round_half_up(value: Fraction) -> int:
    """Nearest integer, halves away from zero (commercial rounding)."""
    magnitude = abs(value)
    rounded = int(magnitude + Fraction(1, 2))  # int() truncates toward zero on a non-negative value
    return rounded if value >= 0 else -rounded


def percent(value: Decimal | str | int) -> Fraction:
    """A percentage as an exact fraction (``"12.5"`` -> 1/8), checked to lie in [0, 100]."""
    try:
        exact = Fraction(Decimal(value)) / HUNDRED
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise InvalidInput("pricing.percent", f"not a percentage: {value!r}") from exc
    if not 0 <= exact <= 1:
        raise InvalidInput("pricing.percent", f"a percentage lies between 0 and 100, not {value}")
    return exact
