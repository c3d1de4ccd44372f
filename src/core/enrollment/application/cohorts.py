"""Cohorts of a course, and the queue of a full one."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable

from core.enrollment.application.enrolling import cohort_of, published_course
from core.enrollment.domain.cohorts import Cohort, WaitlistEntry
from core.identity.application.auditing import Auditor
from core.identity.application.context import Principal, RequestContext
from core.identity.domain.roles import Permission
from core.shared.errors import NotFound
from ports.enrollment.catalog import CourseDirectory, EnrollableCourse
from ports.enrollment.repositories import EnrollmentUnitOfWork
from ports.shared.clock import Clock

UowFactory = Callable[[], EnrollmentUnitOfWork]
MAX_WAITLIST_PAGE = 500


@dataclasses.dataclass(frozen=True)
class CreateCohortCommand:
    course_id: uuid.UUID
    name: str
    starts_on: dt.date
    ends_on: dt.date | None = None
    capacity: int | None = None


def ensure_teaches(principal: Principal, course: EnrollableCourse) -> None:
    """Its instructors and admins manage a course's cohorts; to anyone else the course's
    cohort admin does not exist."""
    if principal.can(Permission.ENROLLMENTS_MANAGE):
        return
    if principal.user_id not in (course.owner_id, *course.instructor_ids):
        raise NotFound("cohort.not_found", "this course has no such cohort")


class CreateCohort:
    def __init__(self, uow: UowFactory, courses: CourseDirectory, clock: Clock, auditor: Auditor) -> None:
        self._uow, self._courses, self._clock, self._auditor = uow, courses, clock, auditor

    async def __call__(self, principal: Principal, command: CreateCohortCommand, ctx: RequestContext) -> Cohort:
        course = await published_course(self._courses, command.course_id)
        ensure_teaches(principal, course)
        cohort = Cohort.create(
            course_id=course.course_id,
            name=command.name,
            starts_on=command.starts_on,
            ends_on=command.ends_on,
            capacity=command.capacity,
            now=self._clock.now(),
        )
        async with self._uow() as uow:
            await uow.cohorts.add(cohort)
            await uow.commit()
        await self._auditor.record(
            "cohort.created", ctx, actor_id=principal.user_id, subject_id=cohort.id, capacity=cohort.capacity
        )
        return cohort


class ListCohorts:
    """Public: a course's cohorts with the seats left, so a learner can choose."""

    def __init__(self, uow: UowFactory, courses: CourseDirectory) -> None:
        self._uow, self._courses = uow, courses

    async def __call__(self, course_id: uuid.UUID) -> list[Cohort]:
        await published_course(self._courses, course_id)
        async with self._uow() as uow:
            return await uow.cohorts.for_course(course_id)


class ListWaitlist:
    def __init__(self, uow: UowFactory, courses: CourseDirectory) -> None:
        self._uow, self._courses = uow, courses

    async def __call__(self, principal: Principal, course_id: uuid.UUID, cohort_id: uuid.UUID) -> list[WaitlistEntry]:
        course = await self._courses.published(course_id)
        if course is None:
            raise NotFound("cohort.not_found", "this course has no such cohort")
        ensure_teaches(principal, course)
        async with self._uow() as uow:
            cohort = await cohort_of(uow, course_id, cohort_id)
            return await uow.waitlist.for_cohort(cohort.id, limit=MAX_WAITLIST_PAGE)
