"""An enrollment: one learner's access to one course (and, for cohort courses, one cohort)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import uuid

from core.shared.errors import Conflict, InvalidInput
from core.shared.events import AggregateRoot, DomainEvent
from core.shared.ids import new_id

# The access terms a course sells (the 3 months, 6 months, lifetime; custom in days).
ACCESS_TERMS = {"3m": 91, "6m": 182, "12m": 365}


class EnrollmentStatus(enum.StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class EnrollmentSource(enum.StrEnum):
    FREE = "free"
    PAID = "paid"
    ADMIN = "admin"


@dataclasses.dataclass(frozen=True)
class EnrollmentStarted(DomainEvent):
    event_type = "enrollment.started"
    enrollment_id: uuid.UUID
    user_id: uuid.UUID
    course_id: uuid.UUID
    cohort_id: uuid.UUID | None
    revision: int


@dataclasses.dataclass(frozen=True)
class EnrollmentCancelled(DomainEvent):
    event_type = "enrollment.cancelled"
    enrollment_id: uuid.UUID
    user_id: uuid.UUID
    course_id: uuid.UUID
    cohort_id: uuid.UUID | None
    reason: str


def access_until(start: dt.datetime, term: str | None) -> dt.datetime | None:
    """The end of access for a term: "3m", "6m", "12m", "<n>d", or None for lifetime."""
    if term is None or term == "lifetime":
        return None
    if term in ACCESS_TERMS:
        return start + dt.timedelta(days=ACCESS_TERMS[term])
    if term.endswith("d") and term[:-1].isdigit() and 1 <= int(term[:-1]) <= 3650:
        return start + dt.timedelta(days=int(term[:-1]))
    raise InvalidInput("enrollment.term", "access terms are 3m, 6m, 12m, lifetime or 1d-3650d", {"term": term})


@dataclasses.dataclass(eq=False)
class Enrollment(AggregateRoot):
    """Learners keep the course revision they enrolled in (``revision``) until they move."""

    id: uuid.UUID
    user_id: uuid.UUID
    course_id: uuid.UUID
    revision: int
    cohort_id: uuid.UUID | None
    status: str
    source: str
    enrolled_at: dt.datetime
    access_until: dt.datetime | None
    updated_at: dt.datetime
    completed_at: dt.datetime | None = None
    cancelled_at: dt.datetime | None = None
    cancel_reason: str = ""
    version: int = 1

    @classmethod
    def start(
        cls,
        *,
        user_id: uuid.UUID,
        course_id: uuid.UUID,
        revision: int,
        cohort_id: uuid.UUID | None,
        source: EnrollmentSource,
        now: dt.datetime,
        term: str | None = None,
    ) -> Enrollment:
        enrollment = cls(
            id=new_id(),
            user_id=user_id,
            course_id=course_id,
            revision=revision,
            cohort_id=cohort_id,
            status=EnrollmentStatus.ACTIVE,
            source=source,
            enrolled_at=now,
            access_until=access_until(now, term),
            updated_at=now,
        )
        enrollment.record(EnrollmentStarted(enrollment.id, user_id, course_id, cohort_id, revision))
        return enrollment

    def has_access(self, now: dt.datetime) -> bool:
        return self.status == EnrollmentStatus.ACTIVE and (self.access_until is None or now < self.access_until)

    def cancel(self, reason: str, now: dt.datetime) -> None:
        if self.status != EnrollmentStatus.ACTIVE:
            raise Conflict("enrollment.not_active", "this enrollment has already ended")
        self.status = EnrollmentStatus.CANCELLED
        self.cancelled_at = self.updated_at = now
        self.cancel_reason = reason.strip()[:300]
        self.record(EnrollmentCancelled(self.id, self.user_id, self.course_id, self.cohort_id, self.cancel_reason))

    def reactivate(
        self,
        *,
        revision: int,
        cohort_id: uuid.UUID | None,
        source: EnrollmentSource,
        now: dt.datetime,
        term: str | None = None,
    ) -> None:
        """Enrol again after a cancellation: the same record, a fresh start on today's revision."""
        if self.status == EnrollmentStatus.ACTIVE:
            raise Conflict("enrollment.exists", "already enrolled in this course")
        self.status, self.source, self.revision, self.cohort_id = EnrollmentStatus.ACTIVE, source, revision, cohort_id
        self.enrolled_at = self.updated_at = now
        self.access_until = access_until(now, term)
        self.cancelled_at, self.cancel_reason = None, ""
        self.record(EnrollmentStarted(self.id, self.user_id, self.course_id, cohort_id, revision))
