"""What enrollment needs to know about an order, read inside enrollment's own transaction."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Protocol


@dataclasses.dataclass(frozen=True)
class OrderAccess:
    buyer_id: uuid.UUID
    course_ids: tuple[uuid.UUID, ...]
    entitled: bool  # paid (or partly refunded): the courses are open; refunded or unpaid: not


class OrderAccessReader(Protocol):
    async def lock(self, order_id: uuid.UUID) -> OrderAccess | None:
        """The order's access as of now, locked until the transaction ends, so two handlers
        for one order take turns and the last one sees the final state."""
        ...
