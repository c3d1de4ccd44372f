"""Scheduled sale prices: a course costs less between two instants."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from decimal import Decimal

from core.billing.domain.rounding import percent
from core.shared.errors import InvalidInput
from core.shared.ids import new_id
from core.shared.money import Money


@dataclasses.dataclass(frozen=True)
class ScheduledSale:
    """Either a sale ``price`` (in any currency we sell in; converted like the list price) or a
    ``percent_off`` the list price, from ``starts_at`` (inclusive) to ``ends_at`` (exclusive)."""

    course_id: uuid.UUID
    starts_at: dt.datetime
    ends_at: dt.datetime
    price: Money | None = None
    percent_off: Decimal | None = None
    id: uuid.UUID = dataclasses.field(default_factory=new_id)

    def __post_init__(self) -> None:
        if (self.price is None) == (self.percent_off is None):
            raise InvalidInput("sale.kind", "a sale has either a price or a percent off")
        if self.percent_off is not None:
            percent(self.percent_off)  # validates the range
        if self.ends_at <= self.starts_at:
            raise InvalidInput("sale.window", "a sale ends after it starts")

    def active(self, now: dt.datetime) -> bool:
        return self.starts_at <= now < self.ends_at
