"""Coupons: percent or fixed, per course or site-wide, with a validity window, usage limits
and stacking rules. Redemption counts are given by the caller (they live in storage)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction

from core.billing.domain.rounding import percent
from core.shared.errors import Conflict, InvalidInput
from core.shared.money import MINOR_UNITS

MAX_COUPONS_PER_ORDER = 5
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{2,39}$")


class CouponKind(enum.StrEnum):
    PERCENT = "percent"
    FIXED = "fixed"


def normalize_code(code: str) -> str:
    """Codes are case-insensitive: ``summer-24`` and ``SUMMER-24`` are one coupon."""
    return code.strip().upper()


@dataclasses.dataclass(frozen=True)
class Coupon:
    """``percent_off`` for a percent coupon; ``amounts_off`` (minor units per currency) for a
    fixed one, which takes that amount off the order once, shared across the lines it applies
    to. No ``course_ids`` means every course."""

    code: str
    kind: CouponKind
    percent_off: Decimal | None = None
    amounts_off: Mapping[str, int] = dataclasses.field(default_factory=dict)
    course_ids: frozenset[uuid.UUID] = frozenset()
    starts_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    max_redemptions: int | None = None
    max_per_user: int | None = None
    stackable: bool = False
    active: bool = True  # an admin can switch a coupon off without losing its history

    def __post_init__(self) -> None:
        if not _CODE.match(self.code):
            raise InvalidInput(
                "coupon.code", "a coupon code is 3-40 capital letters, digits, '-' or '_'", {"code": self.code}
            )
        if self.kind is CouponKind.PERCENT:
            if self.percent_off is None or self.amounts_off:
                raise InvalidInput("coupon.kind", "a percent coupon has percent_off and no amounts")
            if percent(self.percent_off) == 0:
                raise InvalidInput("coupon.percent", "a percent coupon takes more than 0% off")
        else:
            if self.percent_off is not None or not self.amounts_off:
                raise InvalidInput("coupon.kind", "a fixed coupon has amounts per currency and no percent")
            for currency, amount in self.amounts_off.items():
                if currency not in MINOR_UNITS or not isinstance(amount, int) or amount <= 0:
                    raise InvalidInput(
                        "coupon.amount", "fixed amounts are positive minor units in a currency we sell in"
                    )
        if self.starts_at and self.expires_at and self.expires_at <= self.starts_at:
            raise InvalidInput("coupon.window", "a coupon expires after it starts")
        for limit in (self.max_redemptions, self.max_per_user):
            if limit is not None and limit < 1:
                raise InvalidInput("coupon.limit", "usage limits are at least 1 (or none)")

    @property
    def fraction_off(self) -> Fraction:
        return percent(self.percent_off) if self.percent_off is not None else Fraction(0)

    def applies_to(self, course_id: uuid.UUID) -> bool:
        return not self.course_ids or course_id in self.course_ids

    def check(self, *, now: dt.datetime, currency: str, redeemed: int, redeemed_by_buyer: int) -> None:
        """Usable now, in this currency, within its limits; otherwise a clear refusal."""
        if not self.active:
            raise InvalidInput("coupon.inactive", f"coupon {self.code} is no longer valid", {"code": self.code})
        if self.starts_at is not None and now < self.starts_at:
            raise InvalidInput("coupon.not_started", f"coupon {self.code} is not valid yet", {"code": self.code})
        if self.expires_at is not None and now >= self.expires_at:
            raise InvalidInput("coupon.expired", f"coupon {self.code} has expired", {"code": self.code})
        if self.max_redemptions is not None and redeemed >= self.max_redemptions:
            raise Conflict("coupon.exhausted", f"coupon {self.code} has been used up", {"code": self.code})
        if self.max_per_user is not None and redeemed_by_buyer >= self.max_per_user:
            raise Conflict("coupon.used_by_you", f"you have already used coupon {self.code}", {"code": self.code})
        if self.kind is CouponKind.FIXED and currency not in self.amounts_off:
            raise InvalidInput(
                "coupon.currency", f"coupon {self.code} cannot be used in {currency}", {"code": self.code}
            )


def check_stacking(coupons: Sequence[Coupon]) -> None:
    """One coupon, or several that all say they stack; never the same one twice."""
    codes = [c.code for c in coupons]
    if len(set(codes)) != len(codes):
        raise InvalidInput("coupon.duplicate", "each coupon can be applied once")
    if len(coupons) > MAX_COUPONS_PER_ORDER:
        raise InvalidInput("coupon.too_many", f"at most {MAX_COUPONS_PER_ORDER} coupons per order")
    if len(coupons) > 1 and not all(c.stackable for c in coupons):
        lone = next(c.code for c in coupons if not c.stackable)
        raise InvalidInput(
            "coupon.not_stackable", f"coupon {lone} cannot be combined with other coupons", {"code": lone}
        )


def in_application_order(coupons: Sequence[Coupon]) -> list[Coupon]:
    """Percent coupons first, then fixed ones, each group in the order given: a fixed amount
    is then worth what it says, whatever percentages come with it."""
    return [c for c in coupons if c.kind is CouponKind.PERCENT] + [c for c in coupons if c.kind is CouponKind.FIXED]
