"""Cohorts: learners of one course grouped by start date, with their own capacity."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import uuid

from core.shared.errors import Conflict, InvalidInput
from core.shared.ids import new_id

# How long a learner offered a freed seat has to take it before it passes to the next.
OFFER_HOURS = 48
MAX_CAPACITY = 100_000


@dataclasses.dataclass(eq=False)
class Cohort:
    """``seats_taken`` counts active enrollments plus seats held for open waitlist offers. It is
    only ever changed by a conditional update in storage (``CohortRepository.take_seat``), so
    concurrent enrollments can never overfill a cohort."""

    id: uuid.UUID
    course_id: uuid.UUID
    name: str
    starts_on: dt.date
    ends_on: dt.date | None
    capacity: int | None
    seats_taken: int
    created_at: dt.datetime

    @classmethod
    def create(
        cls,
        *,
        course_id: uuid.UUID,
        name: str,
        starts_on: dt.date,
        ends_on: dt.date | None,
        capacity: int | None,
        now: dt.datetime,
    ) -> Cohort:
        name = " ".join(name.split())
        if not 1 <= len(name) <= 120:
            raise InvalidInput("cohort.name", "a cohort name is 1-120 characters")
        if ends_on is not None and ends_on < starts_on:
            raise InvalidInput("cohort.dates", "a cohort ends on or after its start")
        if capacity is not None and not 1 <= capacity <= MAX_CAPACITY:
            raise InvalidInput("cohort.capacity", f"capacity is 1-{MAX_CAPACITY} seats, or none for unlimited")
        return cls(new_id(), course_id, name, starts_on, ends_on, capacity, 0, now)

    @property
    def seats_left(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - self.seats_taken)


class WaitStatus(enum.StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"
    ENROLLED = "enrolled"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


@dataclasses.dataclass(eq=False)
class WaitlistEntry:
    """A place in a full cohort's queue. ``position`` is given by storage when the entry is
    added, in the order requests reach it (first come, first served)."""

    id: uuid.UUID
    cohort_id: uuid.UUID
    course_id: uuid.UUID
    user_id: uuid.UUID
    status: str
    joined_at: dt.datetime
    position: int | None = None
    offered_at: dt.datetime | None = None
    offer_expires_at: dt.datetime | None = None

    @classmethod
    def join(cls, *, cohort_id: uuid.UUID, course_id: uuid.UUID, user_id: uuid.UUID, now: dt.datetime) -> WaitlistEntry:
        return cls(new_id(), cohort_id, course_id, user_id, WaitStatus.WAITING, now)

    def offer(self, now: dt.datetime) -> None:
        self.status = WaitStatus.OFFERED
        self.offered_at = now
        self.offer_expires_at = now + dt.timedelta(hours=OFFER_HOURS)

    def accept(self, now: dt.datetime) -> None:
        if self.status != WaitStatus.OFFERED:
            raise Conflict("waitlist.no_offer", "there is no open offer for this place")
        if self.offer_expires_at is not None and now >= self.offer_expires_at:
            raise Conflict("waitlist.offer_expired", "the offer has expired")
        self.status = WaitStatus.ENROLLED

    def expire(self) -> None:
        self.status = WaitStatus.EXPIRED

    def withdraw(self) -> None:
        if self.status not in (WaitStatus.WAITING, WaitStatus.OFFERED):
            raise Conflict("waitlist.closed", "this place is no longer in the queue")
        self.status = WaitStatus.WITHDRAWN
