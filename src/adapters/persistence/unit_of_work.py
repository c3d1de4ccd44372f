"""The SQLAlchemy unit of work: one session, one transaction, events to the outbox.

``read_only=True`` gives a unit of work for lookups only: its session's connection runs in
autocommit mode, so each SELECT is a statement of its own, with no BEGIN and no ROLLBACK round
trips around it (with asyncpg that is three round trips down to one). Two SELECTs in one such
unit of work may therefore see different snapshots. It refuses to commit, to publish events and
to flush ORM changes: a use case that must write takes a normal one.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from adapters.persistence import tables
from adapters.persistence.repositories.categories import SqlCategoryRepository
from adapters.persistence.repositories.courses import SqlCourseRepository
from adapters.persistence.repositories.enrollment import (
    SqlCohortRepository,
    SqlEnrollmentRepository,
    SqlWaitlistRepository,
)
from adapters.persistence.repositories.invoice_numbers import SqlInvoiceNumbers
from adapters.persistence.repositories.ip_rules import SqlIpRuleRepository
from adapters.persistence.repositories.ledger import SqlLedgerRepository
from adapters.persistence.repositories.oauth_links import SqlOAuthLinkRepository
from adapters.persistence.repositories.order_access import SqlOrderAccess
from adapters.persistence.repositories.orders import SqlOrderRepository
from adapters.persistence.repositories.promotions import SqlCouponRepository, SqlSaleRepository
from adapters.persistence.repositories.users import SqlUserRepository
from adapters.persistence.repositories.webhooks import SqlWebhookInbox
from core.shared.errors import Conflict
from core.shared.events import AggregateRoot, DomainEvent
from core.shared.ids import new_id
from ports.shared.clock import Clock


class SqlAlchemyUnitOfWork:
    categories: SqlCategoryRepository
    cohorts: SqlCohortRepository
    coupons: SqlCouponRepository
    courses: SqlCourseRepository
    enrollments: SqlEnrollmentRepository
    invoice_numbers: SqlInvoiceNumbers
    ledger: SqlLedgerRepository
    ip_rules: SqlIpRuleRepository
    oauth_links: SqlOAuthLinkRepository
    order_access: SqlOrderAccess
    orders: SqlOrderRepository
    sales: SqlSaleRepository
    users: SqlUserRepository
    waitlist: SqlWaitlistRepository
    webhooks: SqlWebhookInbox

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        clock: Clock,
        on_events_committed: Callable[[], None] | None = None,
        *,
        read_only: bool = False,
    ) -> None:
        self.read_only = read_only
        self._session_factory = read_only_sessions(session_factory) if read_only else session_factory
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
        self.enrollments = SqlEnrollmentRepository(self._session, self._seen)
        self.cohorts = SqlCohortRepository(self._session)
        self.waitlist = SqlWaitlistRepository(self._session)
        self.invoice_numbers = SqlInvoiceNumbers(self._session)
        self.coupons = SqlCouponRepository(self._session)
        self.sales = SqlSaleRepository(self._session)
        self.orders = SqlOrderRepository(self._session, self._seen)
        self.webhooks = SqlWebhookInbox(self._session)
        self.ledger = SqlLedgerRepository(self._session)
        self.order_access = SqlOrderAccess(self._session)
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
        if self.read_only:
            raise ReadOnlyError("a read-only unit of work cannot publish events")
        self._loose_events.append(event)

    async def commit(self) -> None:
        if self.read_only:
            raise ReadOnlyError("a read-only unit of work cannot commit; use a normal one to write")
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


class ReadOnlyError(RuntimeError):
    """A write through a read-only unit of work: a programming error, never a user's."""


class _ReadOnlySession(Session):
    """Autoflush is off in read-only sessions; an explicit flush with changes is refused (on an
    autocommit connection it would write each statement for good, with nothing to roll back)."""

    def flush(self, objects: Sequence[Any] | None = None) -> None:
        if self.new or self.deleted or self.dirty:
            raise ReadOnlyError("a read-only unit of work cannot write")
        super().flush(objects)


# One read-only session factory per normal one, made on first use (the unit of work itself is
# made per use case call); weak keys, so a disposed container's factories are not kept alive.
_READ_ONLY_SESSIONS: weakref.WeakKeyDictionary[async_sessionmaker[AsyncSession], async_sessionmaker[AsyncSession]] = (
    weakref.WeakKeyDictionary()
)


def read_only_sessions(session_factory: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:
    """Sessions like ``session_factory``'s, on autocommit connections of the same pool."""
    cached = _READ_ONLY_SESSIONS.get(session_factory)
    if cached is not None:
        return cached
    bind = session_factory.kw.get("bind")
    if not isinstance(bind, AsyncEngine):
        raise TypeError("a read-only unit of work needs a session factory bound to an AsyncEngine")
    # Same pool; the isolation level applies to each checkout and is reset on return (as the
    # audit log's). Neither setting nor resetting it costs a round trip with asyncpg.
    kw = {
        **session_factory.kw,
        "bind": bind.execution_options(isolation_level="AUTOCOMMIT"),
        "autoflush": False,
        "sync_session_class": _ReadOnlySession,
    }
    made: async_sessionmaker[AsyncSession] = async_sessionmaker(class_=session_factory.class_, **kw)
    _READ_ONLY_SESSIONS[session_factory] = made
    return made


def _conflict(exc: IntegrityError | StaleDataError) -> Conflict:
    if isinstance(exc, StaleDataError):
        return Conflict("concurrency.conflict", "the resource was changed by someone else; retry")
    return Conflict("persistence.constraint", "the change conflicts with existing data")
