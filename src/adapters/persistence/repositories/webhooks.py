"""The payment webhook inbox: one row per (provider, event id)."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence import tables
from ports.billing.payments import PaymentEvent

_w = tables.webhook_events.c


class SqlWebhookInbox:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, event: PaymentEvent, *, received_at: dt.datetime) -> bool:
        row = {
            "provider": event.provider,
            "event_id": event.event_id,
            "event_type": event.event_type,
            "payload": {
                "order_id": str(event.order_id) if event.order_id else None,
                "payment_id": event.payment_id,
                "amount_minor": event.amount_minor,
                "currency": event.currency,
                "raw": dict(event.raw),
            },
            "received_at": received_at,
        }
        try:
            async with self._session.begin_nested():  # a duplicate must not spoil the transaction
                await self._session.execute(sa.insert(tables.webhook_events), row)
        except IntegrityError:
            return False
        return True

    async def get(self, provider: str, event_id: str) -> PaymentEvent | None:
        stmt = sa.select(tables.webhook_events).where(_w.provider == provider, _w.event_id == event_id)
        row = (await self._session.execute(stmt)).first()
        if row is None:
            return None
        payload = row.payload
        return PaymentEvent(
            provider=row.provider,
            event_id=row.event_id,
            event_type=row.event_type,
            order_id=uuid.UUID(payload["order_id"]) if payload.get("order_id") else None,
            payment_id=payload["payment_id"],
            amount_minor=int(payload["amount_minor"]),
            currency=payload["currency"],
            raw=payload.get("raw", {}),
        )

    async def received(
        self, *, provider: str | None, since: dt.datetime | None, after: tuple[str, str] | None, limit: int
    ) -> list[tuple[str, str]]:
        stmt = sa.select(_w.provider, _w.event_id)
        if provider is not None:
            stmt = stmt.where(_w.provider == provider)
        if since is not None:
            stmt = stmt.where(_w.received_at >= since)
        if after is not None:
            stmt = stmt.where(sa.tuple_(_w.provider, _w.event_id) > sa.tuple_(*after))
        stmt = stmt.order_by(_w.provider, _w.event_id).limit(limit)
        return [(row.provider, row.event_id) for row in (await self._session.execute(stmt)).all()]
