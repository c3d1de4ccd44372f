"""Storage of enrollments, cohorts and waitlists."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Protocol

from core.enrollment.domain.cohorts import Cohort, WaitlistEntry
from core.enrollment.domain.enrollments import Enrollment
from ports.enrollment.orders import OrderAccessReader
from ports.shared.unit_of_work import UnitOfWork


@dataclasses.dataclass(frozen=True)
class EnrollmentPage:
    items: list[Enrollment]
    next_cursor: uuid.UUID | None


class EnrollmentRepository(Protocol):
    async def add(self, enrollment: Enrollment) -> None: ...

    async def get(self, enrollment_id: uuid.UUID) -> Enrollment | None: ...

    async def find(self, user_id: uuid.UUID, course_id: uuid.UUID) -> Enrollment | None:
        """The one record of this learner in this course, whatever its status."""
        ...

    async def for_user(self, user_id: uuid.UUID, *, after: uuid.UUID | None, limit: int) -> EnrollmentPage:
        """Newest first (ids are time-ordered); ``after`` is the previous page's cursor."""
        ...

    async def completed_courses(self, user_id: uuid.UUID, course_ids: tuple[uuid.UUID, ...]) -> set[uuid.UUID]:
        """Which of ``course_ids`` this learner has completed."""
        ...


class CohortRepository(Protocol):
    async def add(self, cohort: Cohort) -> None: ...

    async def get(self, cohort_id: uuid.UUID) -> Cohort | None: ...

    async def for_course(self, course_id: uuid.UUID) -> list[Cohort]:
        """By start date."""
        ...

    async def take_seat(self, cohort_id: uuid.UUID) -> bool:
        """Atomically count one more seat if the cohort has room; False when it is full. Safe
        under any number of concurrent callers (a conditional update, not read-then-write)."""
        ...

    async def release_seat(self, cohort_id: uuid.UUID) -> None: ...


class WaitlistRepository(Protocol):
    async def add(self, entry: WaitlistEntry) -> None:
        """Stores the entry and sets its ``position`` (arrival order within the cohort)."""
        ...

    async def get(self, entry_id: uuid.UUID) -> WaitlistEntry | None: ...

    async def find_open(self, cohort_id: uuid.UUID, user_id: uuid.UUID) -> WaitlistEntry | None:
        """This learner's waiting or offered entry in the cohort, if any."""
        ...

    async def next_waiting(self, cohort_id: uuid.UUID) -> WaitlistEntry | None:
        """The earliest waiting entry, locked against a concurrent offer where storage can."""
        ...

    async def for_cohort(self, cohort_id: uuid.UUID, *, limit: int) -> list[WaitlistEntry]:
        """Open entries (waiting or offered) in queue order."""
        ...

    async def expired_offers(self, now: dt.datetime, *, limit: int) -> list[WaitlistEntry]: ...


class EnrollmentReader(Protocol):
    """Reads outside a unit of work, for pages that only show enrollments."""

    async def for_user(self, user_id: uuid.UUID, *, after: uuid.UUID | None, limit: int) -> EnrollmentPage:
        """As ``EnrollmentRepository.for_user``; the enrollments are detached (read only)."""
        ...


class EnrollmentUnitOfWork(UnitOfWork, Protocol):
    enrollments: EnrollmentRepository
    cohorts: CohortRepository
    waitlist: WaitlistRepository
    order_access: OrderAccessReader
