"""The outbox relay: hands committed events to the task queue, at least once."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.persistence import tables
from ports.shared.clock import Clock

log = logging.getLogger("lyceum.outbox")


@dataclasses.dataclass(frozen=True)
class OutboxMessage:
    message_id: str
    event_type: str
    payload: dict[str, Any]


Dispatch = Callable[[OutboxMessage], Awaitable[None]]


class OutboxRelay:
    """Claims pending rows, dispatches them, marks them dispatched — in one transaction.

    Several relays (API and worker processes) may run at once: on PostgreSQL rows are
    claimed with ``FOR UPDATE SKIP LOCKED``. A crash between dispatch and commit means
    the message goes out again; consumers de-duplicate by message id.
    """

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        dispatch: Dispatch,
        clock: Clock,
        *,
        batch_size: int = 100,
        poll_interval: float = 0.5,
    ) -> None:
        self._session_factory = session_factory
        self._dispatch = dispatch
        self._clock = clock
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Called after a local commit wrote events, so they leave without waiting for a poll."""
        self._wake.set()

    async def relay_once(self) -> int:
        async with self._session_factory() as session, session.begin():
            stmt = (
                sa.select(tables.outbox.c.id, tables.outbox.c.event_type, tables.outbox.c.payload)
                .where(tables.outbox.c.dispatched_at.is_(None))
                .order_by(tables.outbox.c.id)
                .limit(self._batch_size)
            )
            if session.bind.dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            rows = (await session.execute(stmt)).all()
            for row in rows:
                await self._dispatch(OutboxMessage(str(row.id), row.event_type, dict(row.payload)))
            if rows:
                await session.execute(
                    sa.update(tables.outbox)
                    .where(tables.outbox.c.id.in_([r.id for r in rows]))
                    .values(dispatched_at=self._clock.now())
                )
        return len(rows)

    async def run(self, stop: asyncio.Event) -> None:
        backoff = self._poll_interval
        while not stop.is_set():
            try:
                sent = await self.relay_once()
                backoff = self._poll_interval
                if sent == self._batch_size:
                    continue
            except Exception:
                log.exception("outbox relay failed; retrying in %.1fs", backoff)
                backoff = min(backoff * 2, 30.0)
            self._wake.clear()
            waiters = {asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())}
            await asyncio.wait(waiters, timeout=backoff, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()

    async def purge_dispatched(self, older_than_seconds: float) -> int:
        """Delete dispatched rows older than the cut-off (housekeeping, scheduled)."""
        cutoff_dt = self._clock.now() - dt.timedelta(seconds=older_than_seconds)
        async with self._session_factory() as session, session.begin():
            result = await session.execute(
                sa.delete(tables.outbox).where(
                    tables.outbox.c.dispatched_at.is_not(None), tables.outbox.c.dispatched_at < cutoff_dt
                )
            )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


class CommitSignal:
    """Tells local relays that a commit wrote events (so they go out without a poll delay)."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def __call__(self) -> None:
        for listener in self._listeners:
            listener()
