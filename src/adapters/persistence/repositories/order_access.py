"""ports.enrollment.orders.OrderAccessReader: an order's access, read with a row lock."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence import tables
from core.billing.domain.orders import OrderStatus
from ports.enrollment.orders import OrderAccess

_o = tables.orders.c
_ENTITLED = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED)


class SqlOrderAccess:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock(self, order_id: uuid.UUID) -> OrderAccess | None:
        stmt = sa.select(_o.buyer_id, _o.status, _o.lines).where(_o.id == order_id).with_for_update()
        row = (await self._session.execute(stmt)).first()
        if row is None:
            return None
        return OrderAccess(row.buyer_id, tuple(line.course_id for line in row.lines), row.status in _ENTITLED)
