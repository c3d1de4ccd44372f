"""Orders through the ORM (lines and rates are JSON columns that map to immutable tuples)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence import tables
from core.billing.domain.orders import Order
from core.shared.events import AggregateRoot
from ports.billing.orders import OrderPage

_o = tables.orders.c


class SqlOrderRepository:
    def __init__(self, session: AsyncSession, seen: set[AggregateRoot]) -> None:
        self._session, self._seen = session, seen

    async def add(self, order: Order) -> None:
        self._session.add(order)
        self._seen.add(order)

    async def get(self, order_id: uuid.UUID) -> Order | None:
        return self._track(await self._session.get(Order, order_id))

    async def by_idempotency_key(self, buyer_id: uuid.UUID, key: str) -> Order | None:
        stmt = sa.select(Order).where(_o.buyer_id == buyer_id, _o.idempotency_key == key)
        return self._track((await self._session.execute(stmt)).scalar_one_or_none())

    async def for_buyer(self, buyer_id: uuid.UUID, *, after: uuid.UUID | None, limit: int) -> OrderPage:
        stmt = sa.select(Order).where(_o.buyer_id == buyer_id)
        if after is not None:
            stmt = stmt.where(_o.id < after)
        rows = list((await self._session.execute(stmt.order_by(_o.id.desc()).limit(limit + 1))).scalars())
        return OrderPage(rows[:limit], rows[limit - 1].id if len(rows) > limit else None)

    def _track(self, order: Order | None) -> Order | None:
        if order is not None:
            self._seen.add(order)
        return order
