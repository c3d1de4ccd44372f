"""In-memory fakes of the enrollment ports, for unit tests of the enrollment use cases only.

A unit of work works on deep copies of the store and writes them back on commit, so an
uncommitted change vanishes as after a rollback."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import uuid
from types import TracebackType
from typing import Self

from core.enrollment.domain.cohorts import Cohort, WaitlistEntry, WaitStatus
from core.enrollment.domain.enrollments import Enrollment
from core.identity.application.auditing import Auditor
from core.shared.events import DomainEvent
from ports.enrollment.catalog import EnrollableCourse
from ports.enrollment.repositories import EnrollmentPage
from tests.fakes.catalog import FakeClock
from tests.fakes.identity_oauth import FakeAuditLog


@dataclasses.dataclass
class EnrollmentStore:
    enrollments: dict[uuid.UUID, Enrollment] = dataclasses.field(default_factory=dict)
    cohorts: dict[uuid.UUID, Cohort] = dataclasses.field(default_factory=dict)
    waitlist: dict[uuid.UUID, WaitlistEntry] = dataclasses.field(default_factory=dict)
    next_position: int = 1
    events: list[DomainEvent] = dataclasses.field(default_factory=list)


class _Enrollments:
    def __init__(self, store: EnrollmentStore, seen: list[Enrollment]) -> None:
        self._store, self._seen = store, seen

    def _track(self, e: Enrollment | None) -> Enrollment | None:
        if e is not None:
            self._seen.append(e)
        return e

    async def add(self, enrollment: Enrollment) -> None:
        self._store.enrollments[enrollment.id] = enrollment
        self._seen.append(enrollment)

    async def get(self, enrollment_id: uuid.UUID) -> Enrollment | None:
        return self._track(self._store.enrollments.get(enrollment_id))

    async def find(self, user_id: uuid.UUID, course_id: uuid.UUID) -> Enrollment | None:
        found = [e for e in self._store.enrollments.values() if (e.user_id, e.course_id) == (user_id, course_id)]
        return self._track(found[0] if found else None)

    async def for_user(self, user_id: uuid.UUID, *, after: uuid.UUID | None, limit: int) -> EnrollmentPage:
        rows = sorted(
            (e for e in self._store.enrollments.values() if e.user_id == user_id), key=lambda e: e.id, reverse=True
        )
        if after is not None:
            rows = [e for e in rows if e.id < after]
        return EnrollmentPage(rows[:limit], rows[limit - 1].id if len(rows) > limit else None)

    async def completed_courses(self, user_id: uuid.UUID, course_ids: tuple[uuid.UUID, ...]) -> set[uuid.UUID]:
        return {
            e.course_id
            for e in self._store.enrollments.values()
            if e.user_id == user_id and e.course_id in course_ids and e.completed_at is not None
        }


class _Cohorts:
    def __init__(self, store: EnrollmentStore) -> None:
        self._store = store

    async def add(self, cohort: Cohort) -> None:
        self._store.cohorts[cohort.id] = cohort

    async def get(self, cohort_id: uuid.UUID) -> Cohort | None:
        return self._store.cohorts.get(cohort_id)

    async def for_course(self, course_id: uuid.UUID) -> list[Cohort]:
        return sorted((c for c in self._store.cohorts.values() if c.course_id == course_id), key=lambda c: c.starts_on)

    async def take_seat(self, cohort_id: uuid.UUID) -> bool:
        cohort = self._store.cohorts[cohort_id]
        if cohort.capacity is not None and cohort.seats_taken >= cohort.capacity:
            return False
        cohort.seats_taken += 1
        return True

    async def release_seat(self, cohort_id: uuid.UUID) -> None:
        cohort = self._store.cohorts[cohort_id]
        cohort.seats_taken = max(0, cohort.seats_taken - 1)


class _Waitlist:
    def __init__(self, store: EnrollmentStore) -> None:
        self._store = store

    async def add(self, entry: WaitlistEntry) -> None:
        entry.position = self._store.next_position
        self._store.next_position += 1
        self._store.waitlist[entry.id] = entry

    async def get(self, entry_id: uuid.UUID) -> WaitlistEntry | None:
        return self._store.waitlist.get(entry_id)

    def _open(self, cohort_id: uuid.UUID) -> list[WaitlistEntry]:
        return sorted(
            (
                w
                for w in self._store.waitlist.values()
                if w.cohort_id == cohort_id and w.status in (WaitStatus.WAITING, WaitStatus.OFFERED)
            ),
            key=lambda w: w.position or 0,
        )

    async def find_open(self, cohort_id: uuid.UUID, user_id: uuid.UUID) -> WaitlistEntry | None:
        return next((w for w in self._open(cohort_id) if w.user_id == user_id), None)

    async def next_waiting(self, cohort_id: uuid.UUID) -> WaitlistEntry | None:
        return next((w for w in self._open(cohort_id) if w.status == WaitStatus.WAITING), None)

    async def for_cohort(self, cohort_id: uuid.UUID, *, limit: int) -> list[WaitlistEntry]:
        return self._open(cohort_id)[:limit]

    async def expired_offers(self, now: dt.datetime, *, limit: int) -> list[WaitlistEntry]:
        return [
            w
            for w in self._store.waitlist.values()
            if w.status == WaitStatus.OFFERED and w.offer_expires_at is not None and w.offer_expires_at <= now
        ][:limit]


class FakeEnrollmentUnitOfWork:
    def __init__(self, world: EnrollmentWorld) -> None:
        self._world = world

    async def __aenter__(self) -> Self:
        self._work = copy.deepcopy(self._world.store)
        self._seen: list[Enrollment] = []
        self._loose: list[DomainEvent] = []
        self.enrollments = _Enrollments(self._work, self._seen)
        self.cohorts = _Cohorts(self._work)
        self.waitlist = _Waitlist(self._work)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def publish(self, event: DomainEvent) -> None:
        self._loose.append(event)

    async def commit(self) -> None:
        for enrollment in self._seen:
            self._work.events.extend(enrollment.pull_events())
        self._work.events.extend(self._loose)
        self._world.store = self._work
        self._world.commits += 1

    async def rollback(self) -> None:
        return None


class FakeCourseDirectory:
    def __init__(self) -> None:
        self.courses: dict[uuid.UUID, EnrollableCourse] = {}

    def publish(
        self,
        *,
        free: bool = True,
        owner_id: uuid.UUID | None = None,
        prerequisites: tuple[uuid.UUID, ...] = (),
    ) -> EnrollableCourse:
        course = EnrollableCourse(uuid.uuid4(), "Course", 1, free, owner_id or uuid.uuid4(), (), prerequisites)
        self.courses[course.course_id] = course
        return course

    async def published(self, course_id: uuid.UUID) -> EnrollableCourse | None:
        return self.courses.get(course_id)


class EnrollmentWorld:
    def __init__(self) -> None:
        self.store = EnrollmentStore()
        self.commits = 0
        self.clock = FakeClock(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC))
        self.courses = FakeCourseDirectory()
        self.audit = FakeAuditLog()
        self.auditor = Auditor(self.audit, self.clock)

    def uow(self) -> FakeEnrollmentUnitOfWork:
        return FakeEnrollmentUnitOfWork(self)
