"""Enrollments, cohorts and waitlists in SQL. Seats are counted by conditional updates, and
the next learner in a queue is picked with a row lock that concurrent pickers skip."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence import tables
from core.enrollment.domain.cohorts import Cohort, WaitlistEntry, WaitStatus
from core.enrollment.domain.enrollments import Enrollment
from core.shared.events import AggregateRoot
from ports.enrollment.repositories import EnrollmentPage

_e = tables.enrollments.c
_c = tables.cohorts.c
_w = tables.waitlist_entries.c


class SqlEnrollmentRepository:
    def __init__(self, session: AsyncSession, seen: set[AggregateRoot]) -> None:
        self._session, self._seen = session, seen

    async def add(self, enrollment: Enrollment) -> None:
        self._session.add(enrollment)
        self._seen.add(enrollment)

    async def get(self, enrollment_id: uuid.UUID) -> Enrollment | None:
        return self._track(await self._session.get(Enrollment, enrollment_id))

    async def find(self, user_id: uuid.UUID, course_id: uuid.UUID) -> Enrollment | None:
        stmt = sa.select(Enrollment).where(_e.user_id == user_id, _e.course_id == course_id)
        return self._track((await self._session.execute(stmt)).scalar_one_or_none())

    async def for_user(self, user_id: uuid.UUID, *, after: uuid.UUID | None, limit: int) -> EnrollmentPage:
        stmt = sa.select(Enrollment).where(_e.user_id == user_id)
        if after is not None:
            stmt = stmt.where(_e.id < after)
        rows = list((await self._session.execute(stmt.order_by(_e.id.desc()).limit(limit + 1))).scalars())
        items = rows[:limit]
        self._seen.update(items)
        return EnrollmentPage(items, items[-1].id if len(rows) > limit else None)

    async def completed_courses(self, user_id: uuid.UUID, course_ids: tuple[uuid.UUID, ...]) -> set[uuid.UUID]:
        stmt = sa.select(_e.course_id).where(
            _e.user_id == user_id, _e.course_id.in_(course_ids), _e.completed_at.is_not(None)
        )
        return set((await self._session.execute(stmt)).scalars())

    def _track(self, enrollment: Enrollment | None) -> Enrollment | None:
        if enrollment is not None:
            self._seen.add(enrollment)
        return enrollment


class SqlCohortRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, cohort: Cohort) -> None:
        self._session.add(cohort)

    async def get(self, cohort_id: uuid.UUID) -> Cohort | None:
        return await self._session.get(Cohort, cohort_id)

    async def for_course(self, course_id: uuid.UUID) -> list[Cohort]:
        stmt = sa.select(Cohort).where(_c.course_id == course_id).order_by(_c.starts_on, _c.id)
        return list((await self._session.execute(stmt)).scalars())

    async def take_seat(self, cohort_id: uuid.UUID) -> bool:
        # Pending writes go first: from this UPDATE on the cohort's row is locked until the
        # commit, so nothing else should be left to do in between.
        await self._session.flush()
        # One statement: the row lock serialises concurrent callers and PostgreSQL re-checks
        # the condition on the latest row version, so the last seat is taken exactly once.
        stmt = (
            sa.update(tables.cohorts)
            .where(_c.id == cohort_id, sa.or_(_c.capacity.is_(None), _c.seats_taken < _c.capacity))
            .values(seats_taken=_c.seats_taken + 1)
            .execution_options(synchronize_session=False)
        )
        result = await self._session.execute(stmt)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def release_seat(self, cohort_id: uuid.UUID) -> None:
        stmt = (
            sa.update(tables.cohorts)
            .where(_c.id == cohort_id, _c.seats_taken > 0)
            .values(seats_taken=_c.seats_taken - 1)
            .execution_options(synchronize_session=False)
        )
        await self._session.execute(stmt)


class SqlWaitlistRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, entry: WaitlistEntry) -> None:
        self._session.add(entry)
        await self._session.flush()  # the database hands out the position now

    async def get(self, entry_id: uuid.UUID) -> WaitlistEntry | None:
        stmt = sa.select(WaitlistEntry).where(_w.id == entry_id).with_for_update()
        return (await self._session.execute(stmt)).scalar_one_or_none()

    async def find_open(self, cohort_id: uuid.UUID, user_id: uuid.UUID) -> WaitlistEntry | None:
        stmt = sa.select(WaitlistEntry).where(
            _w.cohort_id == cohort_id,
            _w.user_id == user_id,
            _w.status.in_((WaitStatus.WAITING, WaitStatus.OFFERED)),
        )
        return (await self._session.execute(stmt.limit(1))).scalar_one_or_none()

    async def next_waiting(self, cohort_id: uuid.UUID) -> WaitlistEntry | None:
        stmt = (
            sa.select(WaitlistEntry)
            .where(_w.cohort_id == cohort_id, _w.status == WaitStatus.WAITING)
            .order_by(_w.position)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        return (await self._session.execute(stmt)).scalar_one_or_none()

    async def for_cohort(self, cohort_id: uuid.UUID, *, limit: int) -> list[WaitlistEntry]:
        stmt = (
            sa.select(WaitlistEntry)
            .where(_w.cohort_id == cohort_id, _w.status.in_((WaitStatus.WAITING, WaitStatus.OFFERED)))
            .order_by(_w.position)
            .limit(limit)
        )
        return list((await self._session.execute(stmt)).scalars())

    async def expired_offers(self, now: dt.datetime, *, limit: int) -> list[WaitlistEntry]:
        stmt = (
            sa.select(WaitlistEntry)
            .where(_w.status == WaitStatus.OFFERED, _w.offer_expires_at <= now)
            .order_by(_w.offer_expires_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self._session.execute(stmt)).scalars())
