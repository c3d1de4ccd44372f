"""The SQLAlchemy unit of work: one session, one transaction, events to the outbox."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from adapters.persistence import tables
from adapters.persistence.repositories.categories import SqlCategoryRepository
from adapters.persistence.repositories.courses import SqlCourseRepository
from adapters.persistence.repositories.ip_rules import SqlIpRuleRepository
from adapters.persistence.repositories.oauth_links import SqlOAuthLinkRepository
from adapters.persistence.repositories.users import SqlUserRepository
from core.shared.errors import Conflict
from core.shared.events import AggregateRoot, DomainEvent
from core.shared.ids import new_id
from ports.shared.clock import Clock


class SqlAlchemyUnitOfWork:
    categories: SqlCategoryRepository
    courses: SqlCourseRepository
    ip_rules: SqlIpRuleRepository
    oauth_links: SqlOAuthLinkRepository
    users: SqlUserRepository

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        clock: Clock,
        on_events_committed: Callable[[], None] | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._clock = clock
        self._on_events_committed = on_events_committed
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        self._session = self._session_factory()
        self._seen: set[AggregateRoot] = set()
        self._loose_events: list[DomainEvent] = []
        self.categories = SqlCategoryRepository(self._session, self._seen)
        self.courses = SqlCourseRepository(self._session, self._seen)
        self.ip_rules = SqlIpRuleRepository(self._session, self._seen)
        self.users = SqlUserRepository(self._session, self._seen)
        self.oauth_links = SqlOAuthLinkRepository(self._session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._session is not None:
            # close() rolls back whatever was not committed.
            await self._session.close()
            self._session = None
        # Constraint violations can surface at any autoflush inside the block, not only at
        # commit: translate them here, once, so no raw driver error reaches an entrypoint.
        if isinstance(exc, (IntegrityError, StaleDataError)):
            raise _conflict(exc) from exc

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._session

    def publish(self, event: DomainEvent) -> None:
        self._loose_events.append(event)

    async def commit(self) -> None:
        session = self.session
        events = [event for aggregate in self._seen for event in aggregate.pull_events()]
        events += self._loose_events
        self._loose_events = []
        try:
            # Courses are written by their own mapper, not the ORM's flush: a changed course
            # must be written even when it raised no event.
            await self.courses.flush()
            if events:
                now = self._clock.now()
                await session.flush()
                await session.execute(
                    sa.insert(tables.outbox),
                    [
                        {
                            "id": new_id(),
                            "event_type": e.event_type,
                            "payload": e.payload(),
                            "occurred_at": now,
                        }
                        for e in events
                    ],
                )
            await session.commit()
        except (IntegrityError, StaleDataError) as exc:
            await session.rollback()
            raise _conflict(exc) from exc
        except Conflict:
            # A course's lost race (its version guard matched no row): undo what was written.
            await session.rollback()
            raise
        if events and self._on_events_committed is not None:
            self._on_events_committed()

    async def rollback(self) -> None:
        await self.session.rollback()


def _conflict(exc: IntegrityError | StaleDataError) -> Conflict:
    if isinstance(exc, StaleDataError):
        return Conflict("concurrency.conflict", "the resource was changed by someone else; retry")
    return Conflict("persistence.constraint", "the change conflicts with existing data")
