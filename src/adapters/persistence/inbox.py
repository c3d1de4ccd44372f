"""Task receipts and dead letters: what makes at-least-once delivery run handlers once."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.persistence import tables
from core.shared.ids import new_id
from ports.shared.clock import Clock


class SqlTaskInbox:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._session_factory = session_factory
        self._clock = clock

    async def has_completed(self, handler: str, message_id: str) -> bool:
        async with self._session_factory() as session:
            stmt = sa.select(sa.literal(1)).where(
                tables.task_receipts.c.handler == handler, tables.task_receipts.c.message_id == message_id
            )
            return (await session.execute(stmt)).first() is not None

    async def mark_completed(self, handler: str, message_id: str) -> bool:
        try:
            async with self._session_factory() as session, session.begin():
                await session.execute(
                    sa.insert(tables.task_receipts).values(
                        handler=handler, message_id=message_id, completed_at=self._clock.now()
                    )
                )
        except IntegrityError:
            return False
        return True

    async def record_dead_letter(
        self, handler: str, message_id: str, event_type: str, payload: dict[str, object], error: str, attempts: int
    ) -> None:
        async with self._session_factory() as session, session.begin():
            await session.execute(
                sa.insert(tables.dead_letters).values(
                    id=new_id(),
                    handler=handler,
                    message_id=message_id,
                    event_type=event_type,
                    payload=payload,
                    error=error[:4000],
                    attempts=attempts,
                    created_at=self._clock.now(),
                )
            )

    async def list_dead_letters(self, limit: int = 50) -> list[dict[str, object]]:
        async with self._session_factory() as session:
            stmt = (
                sa.select(tables.dead_letters)
                .where(tables.dead_letters.c.resolved_at.is_(None))
                .order_by(tables.dead_letters.c.created_at.desc())
                .limit(limit)
            )
            return [dict(r._mapping) for r in (await session.execute(stmt)).all()]
