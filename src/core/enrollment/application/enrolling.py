"""Joining a course (or its waitlist), leaving it, and the waitlist's offers of freed seats."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable

from core.enrollment.domain.cohorts import Cohort, WaitlistEntry, WaitStatus
from core.enrollment.domain.enrollments import Enrollment, EnrollmentSource, EnrollmentStatus
from core.identity.application.auditing import Auditor
from core.identity.application.context import Principal, RequestContext
from core.identity.domain.roles import Permission
from core.shared.errors import Conflict, InvalidInput, NotFound
from core.shared.events import DomainEvent
from ports.enrollment.catalog import CourseDirectory, EnrollableCourse
from ports.enrollment.repositories import EnrollmentUnitOfWork
from ports.shared.clock import Clock

UowFactory = Callable[[], EnrollmentUnitOfWork]
EXPIRE_BATCH = 100


@dataclasses.dataclass(frozen=True)
class EnrollCommand:
    course_id: uuid.UUID
    cohort_id: uuid.UUID | None = None


@dataclasses.dataclass(frozen=True)
class EnrollmentOutcome:
    """Either an enrollment, or (the cohort was full) a place on its waitlist."""

    enrollment: Enrollment | None = None
    waitlisted: WaitlistEntry | None = None


@dataclasses.dataclass(frozen=True)
class SeatOffered(DomainEvent):
    """A freed seat is offered to the next learner in the queue (who is told by email)."""

    event_type = "enrollment.seat_offered"
    entry_id: uuid.UUID
    user_id: uuid.UUID
    course_id: uuid.UUID
    cohort_id: uuid.UUID
    expires_at: dt.datetime


async def published_course(courses: CourseDirectory, course_id: uuid.UUID) -> EnrollableCourse:
    course = await courses.published(course_id)
    if course is None:
        raise NotFound("course.not_found", "no published course with this id")
    return course


async def cohort_of(uow: EnrollmentUnitOfWork, course_id: uuid.UUID, cohort_id: uuid.UUID) -> Cohort:
    cohort = await uow.cohorts.get(cohort_id)
    if cohort is None or cohort.course_id != course_id:
        raise NotFound("cohort.not_found", "this course has no such cohort")
    return cohort


async def pass_seat_on(uow: EnrollmentUnitOfWork, cohort_id: uuid.UUID, now: dt.datetime) -> WaitlistEntry | None:
    """A held seat goes to the next learner waiting (as an offer), or back to the cohort."""
    entry = await uow.waitlist.next_waiting(cohort_id)
    if entry is None:
        await uow.cohorts.release_seat(cohort_id)
        return None
    entry.offer(now)
    assert entry.offer_expires_at is not None
    uow.publish(SeatOffered(entry.id, entry.user_id, entry.course_id, cohort_id, entry.offer_expires_at))
    return entry


class EnrollInCourse:
    """Free courses only: a paid course is bought at checkout, whose confirmed payment enrolls.
    Enrolling twice returns the enrollment there is; a full cohort puts the learner on its
    waitlist, in arrival order."""

    def __init__(self, uow: UowFactory, courses: CourseDirectory, clock: Clock, auditor: Auditor) -> None:
        self._uow, self._courses, self._clock, self._auditor = uow, courses, clock, auditor

    async def __call__(self, principal: Principal, command: EnrollCommand, ctx: RequestContext) -> EnrollmentOutcome:
        principal.require(Permission.ENROLL)
        course = await published_course(self._courses, command.course_id)
        if not course.free:
            raise Conflict(
                "enrollment.payment_required",
                "this course is paid: buy it at checkout to enroll",
                {"course_id": str(course.course_id)},
            )
        try:
            outcome = await self._enroll(principal.user_id, course, command.cohort_id)
        except Conflict as exc:
            if exc.code != "persistence.constraint":
                raise
            # The same learner enrolling twice at once: the other request won; answer with it.
            outcome = await self._enroll(principal.user_id, course, command.cohort_id)
        if outcome.enrollment is not None:
            await self._auditor.record(
                "enrollment.started",
                ctx,
                actor_id=principal.user_id,
                subject_id=outcome.enrollment.id,
                course_id=str(course.course_id),
            )
        elif outcome.waitlisted is not None:
            await self._auditor.record(
                "enrollment.waitlisted",
                ctx,
                actor_id=principal.user_id,
                subject_id=outcome.waitlisted.id,
                course_id=str(course.course_id),
                position=outcome.waitlisted.position,
            )
        return outcome

    async def _enroll(
        self, user_id: uuid.UUID, course: EnrollableCourse, cohort_id: uuid.UUID | None
    ) -> EnrollmentOutcome:
        now = self._clock.now()
        async with self._uow() as uow:
            existing = await uow.enrollments.find(user_id, course.course_id)
            if existing is not None and existing.status == EnrollmentStatus.ACTIVE:
                return EnrollmentOutcome(enrollment=existing)
            if course.prerequisite_ids:
                done = await uow.enrollments.completed_courses(user_id, course.prerequisite_ids)
                missing = [str(c) for c in course.prerequisite_ids if c not in done]
                if missing:
                    raise Conflict(
                        "enrollment.prerequisites_missing",
                        "complete the prerequisite courses first",
                        {"missing": missing},
                    )
            cohort: Cohort | None = None
            if cohort_id is None:
                if await uow.cohorts.for_course(course.course_id):
                    raise InvalidInput("enrollment.cohort_required", "this course runs in cohorts: choose one")
            else:
                cohort = await cohort_of(uow, course.course_id, cohort_id)
                waiting = await uow.waitlist.find_open(cohort.id, user_id)
                if waiting is not None:
                    return EnrollmentOutcome(waitlisted=waiting)
            enrollment = await open_enrollment(
                uow, existing, user_id=user_id, course=course, cohort_id=cohort_id,
                source=EnrollmentSource.FREE, now=now,
            )  # fmt: skip
            # The seat last: every other write is already made, so the cohort's row stays locked
            # only from this statement to the commit right after it.
            if cohort is None or await uow.cohorts.take_seat(cohort.id):
                await uow.commit()
                return EnrollmentOutcome(enrollment=enrollment)
            full = cohort.id
            await uow.rollback()
        # Full: no enrollment after all; queue in a transaction of its own.
        async with self._uow() as uow:
            entry = WaitlistEntry.join(cohort_id=full, course_id=course.course_id, user_id=user_id, now=now)
            await uow.waitlist.add(entry)
            await uow.commit()
            return EnrollmentOutcome(waitlisted=entry)


async def open_enrollment(
    uow: EnrollmentUnitOfWork,
    existing: Enrollment | None,
    *,
    user_id: uuid.UUID,
    course: EnrollableCourse,
    cohort_id: uuid.UUID | None,
    source: EnrollmentSource,
    now: dt.datetime,
    term: str | None = None,
) -> Enrollment:
    """The learner's one record for the course, active on its live revision: the old one
    reactivated, or a new one added to the unit of work."""
    if existing is not None:
        existing.reactivate(revision=course.revision, cohort_id=cohort_id, source=source, now=now, term=term)
        return existing
    enrollment = Enrollment.start(
        user_id=user_id,
        course_id=course.course_id,
        revision=course.revision,
        cohort_id=cohort_id,
        source=source,
        now=now,
        term=term,
    )
    await uow.enrollments.add(enrollment)
    return enrollment


@dataclasses.dataclass(frozen=True)
class GrantEnrollmentCommand:
    user_id: uuid.UUID
    course_id: uuid.UUID
    cohort_id: uuid.UUID | None = None
    term: str | None = None  # "3m", "6m", "12m", "<n>d"; None: lifetime


class GrantEnrollment:
    """An admin enrolls someone: any course, free or paid, with an access term; prerequisites
    and payment are the admin's call. A full cohort refuses (a seat is a seat)."""

    def __init__(self, uow: UowFactory, courses: CourseDirectory, clock: Clock, auditor: Auditor) -> None:
        self._uow, self._courses, self._clock, self._auditor = uow, courses, clock, auditor

    async def __call__(self, principal: Principal, command: GrantEnrollmentCommand, ctx: RequestContext) -> Enrollment:
        principal.require(Permission.ENROLLMENTS_MANAGE)
        course = await published_course(self._courses, command.course_id)
        now = self._clock.now()
        async with self._uow() as uow:
            existing = await uow.enrollments.find(command.user_id, course.course_id)
            if existing is not None and existing.status == EnrollmentStatus.ACTIVE:
                raise Conflict("enrollment.exists", "already enrolled in this course")
            if command.cohort_id is not None:
                cohort = await cohort_of(uow, course.course_id, command.cohort_id)
                if not await uow.cohorts.take_seat(cohort.id):
                    raise Conflict("cohort.full", "this cohort has no seat left")
            enrollment = await open_enrollment(
                uow, existing, user_id=command.user_id, course=course, cohort_id=command.cohort_id,
                source=EnrollmentSource.ADMIN, now=now, term=command.term,
            )  # fmt: skip
            await uow.commit()
        await self._auditor.record(
            "enrollment.granted",
            ctx,
            actor_id=principal.user_id,
            subject_id=enrollment.id,
            user_id=str(command.user_id),
            course_id=str(course.course_id),
            term=command.term or "lifetime",
        )
        return enrollment


class SyncOrderAccess:
    """Runs on ``billing.order_paid`` and ``billing.order_refunded``, in any order, any number of
    times: reads the order as it is now (locked, so handlers for one order take turns) and makes
    the buyer's paid enrollments match it. Paid: each course open, once. Fully refunded: the paid
    enrollments end (free or granted ones are left alone). The last handler always sees the
    final state, so a payment and a refund processed out of order still converge."""

    def __init__(self, uow: UowFactory, courses: CourseDirectory, clock: Clock) -> None:
        self._uow, self._courses, self._clock = uow, courses, clock

    async def __call__(self, order_id: uuid.UUID) -> int:
        changed = 0
        async with self._uow() as uow:
            access = await uow.order_access.lock(order_id)
            if access is None:
                return 0
            now = self._clock.now()
            for course_id in access.course_ids:
                existing = await uow.enrollments.find(access.buyer_id, course_id)
                active = existing is not None and existing.status == EnrollmentStatus.ACTIVE
                if access.entitled and not active:
                    course = await self._courses.published(course_id)
                    if course is None:
                        continue  # archived since it was bought: nothing to open (a refund case)
                    await open_enrollment(
                        uow, existing, user_id=access.buyer_id, course=course, cohort_id=None,
                        source=EnrollmentSource.PAID, now=now,
                    )  # fmt: skip
                    changed += 1
                elif (
                    not access.entitled and active and existing is not None and existing.source == EnrollmentSource.PAID
                ):
                    existing.cancel("refunded", now)
                    if existing.cohort_id is not None:
                        await pass_seat_on(uow, existing.cohort_id, now)
                    changed += 1
            await uow.commit()
        return changed


class CancelEnrollment:
    """The learner leaves (or an admin removes them); a cohort seat goes to the next in line."""

    def __init__(self, uow: UowFactory, clock: Clock, auditor: Auditor) -> None:
        self._uow, self._clock, self._auditor = uow, clock, auditor

    async def __call__(
        self, principal: Principal, enrollment_id: uuid.UUID, reason: str, ctx: RequestContext
    ) -> Enrollment:
        now = self._clock.now()
        async with self._uow() as uow:
            enrollment = await uow.enrollments.get(enrollment_id)
            if enrollment is None or not _may_manage(principal, enrollment.user_id):
                raise NotFound("enrollment.not_found", "no such enrollment")
            enrollment.cancel(reason or "cancelled by the learner", now)
            if enrollment.cohort_id is not None:
                await pass_seat_on(uow, enrollment.cohort_id, now)
            await uow.commit()
        await self._auditor.record(
            "enrollment.cancelled", ctx, actor_id=principal.user_id, subject_id=enrollment.id, reason=reason[:200]
        )
        return enrollment


class AcceptSeatOffer:
    """The learner takes the seat held for them; the enrollment uses that held seat."""

    def __init__(self, uow: UowFactory, courses: CourseDirectory, clock: Clock, auditor: Auditor) -> None:
        self._uow, self._courses, self._clock, self._auditor = uow, courses, clock, auditor

    async def __call__(self, principal: Principal, entry_id: uuid.UUID, ctx: RequestContext) -> Enrollment:
        now = self._clock.now()
        async with self._uow() as uow:
            entry = await uow.waitlist.get(entry_id)
            if entry is None or entry.user_id != principal.user_id:
                raise NotFound("waitlist.not_found", "no such waitlist place")
            course = await published_course(self._courses, entry.course_id)
            entry.accept(now)
            existing = await uow.enrollments.find(principal.user_id, entry.course_id)
            if existing is not None and existing.status == EnrollmentStatus.ACTIVE:
                raise Conflict("enrollment.exists", "already enrolled in this course")
            enrollment = await open_enrollment(
                uow, existing, user_id=principal.user_id, course=course, cohort_id=entry.cohort_id,
                source=EnrollmentSource.FREE, now=now,
            )  # fmt: skip
            await uow.commit()
        await self._auditor.record("enrollment.started", ctx, actor_id=principal.user_id, subject_id=enrollment.id)
        return enrollment


class WithdrawFromWaitlist:
    def __init__(self, uow: UowFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, principal: Principal, entry_id: uuid.UUID) -> WaitlistEntry:
        async with self._uow() as uow:
            entry = await uow.waitlist.get(entry_id)
            if entry is None or not _may_manage(principal, entry.user_id):
                raise NotFound("waitlist.not_found", "no such waitlist place")
            was_offered = entry.status == WaitStatus.OFFERED
            entry.withdraw()
            if was_offered:  # the seat held for them goes on down the queue
                await pass_seat_on(uow, entry.cohort_id, self._clock.now())
            await uow.commit()
        return entry


class ExpireSeatOffers:
    """Scheduled: offers not taken in time pass to the next learner waiting."""

    def __init__(self, uow: UowFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self) -> int:
        now = self._clock.now()
        async with self._uow() as uow:
            expired = await uow.waitlist.expired_offers(now, limit=EXPIRE_BATCH)
            for entry in expired:
                entry.expire()
                await pass_seat_on(uow, entry.cohort_id, now)
            await uow.commit()
        return len(expired)


def _may_manage(principal: Principal, owner_id: uuid.UUID) -> bool:
    return principal.user_id == owner_id or principal.can(Permission.ENROLLMENTS_MANAGE)
