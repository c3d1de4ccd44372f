"""Storage of orders."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Protocol

from core.billing.domain.orders import Order
from ports.shared.unit_of_work import UnitOfWork


@dataclasses.dataclass(frozen=True)
class OrderPage:
    items: list[Order]
    next_cursor: uuid.UUID | None


class OrderRepository(Protocol):
    async def add(self, order: Order) -> None: ...

    async def get(self, order_id: uuid.UUID) -> Order | None: ...

    async def by_idempotency_key(self, buyer_id: uuid.UUID, key: str) -> Order | None: ...

    async def for_buyer(self, buyer_id: uuid.UUID, *, after: uuid.UUID | None, limit: int) -> OrderPage:
        """Newest first; ``after`` is the previous page's cursor."""
        ...


class OrdersUnitOfWork(UnitOfWork, Protocol):
    orders: OrderRepository
