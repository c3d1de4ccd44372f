"""What pricing needs from the catalog: published courses with their prices."""

from __future__ import annotations

import uuid
from typing import Protocol

from core.billing.domain.quotes import PricedCourse


class PriceList(Protocol):
    async def priced(self, course_ids: tuple[uuid.UUID, ...]) -> list[PricedCourse]:
        """The published ones among ``course_ids``, in that order, with their prices (and
        scheduled sales, when there are any); drafts, archived and unknown ids are left out."""
        ...
