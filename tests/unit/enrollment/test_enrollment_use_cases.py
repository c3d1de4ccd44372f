"""The enrollment use cases against in-memory ports."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from core.enrollment.application.cohorts import CreateCohort, CreateCohortCommand
from core.enrollment.application.enrolling import (
    AcceptSeatOffer,
    CancelEnrollment,
    EnrollCommand,
    EnrollInCourse,
    ExpireSeatOffers,
    SeatOffered,
)
from core.enrollment.domain.enrollments import access_until
from core.identity.application.context import Principal, RequestContext
from core.identity.domain.roles import Role
from core.shared.errors import Conflict, InvalidInput, NotFound
from tests.fakes.enrollment import EnrollmentWorld

CTX = RequestContext(ip="192.0.2.1", user_agent="test")


def learner() -> Principal:
    return Principal(uuid.uuid4(), Role.STUDENT, "s")


@pytest.fixture
def world() -> EnrollmentWorld:
    return EnrollmentWorld()


def enroll(world: EnrollmentWorld) -> EnrollInCourse:
    return EnrollInCourse(world.uow, world.courses, world.clock, world.auditor)


async def test_enrolling_twice_keeps_one_enrollment_on_the_live_revision(world: EnrollmentWorld) -> None:
    course = world.courses.publish()
    ann = learner()
    first = await enroll(world)(ann, EnrollCommand(course.course_id), CTX)
    second = await enroll(world)(ann, EnrollCommand(course.course_id), CTX)
    assert first.enrollment is not None and second.enrollment is not None
    assert first.enrollment.id == second.enrollment.id and len(world.store.enrollments) == 1
    assert [e.event_type for e in world.store.events] == ["enrollment.started"]
    assert world.audit.outcomes("enrollment.started")


async def test_missing_prerequisites_are_named(world: EnrollmentWorld) -> None:
    basics = world.courses.publish()
    advanced = world.courses.publish(prerequisites=(basics.course_id,))
    ann = learner()
    with pytest.raises(Conflict) as refused:
        await enroll(world)(ann, EnrollCommand(advanced.course_id), CTX)
    assert refused.value.code == "enrollment.prerequisites_missing"
    assert refused.value.details["missing"] == [str(basics.course_id)]

    done = await enroll(world)(ann, EnrollCommand(basics.course_id), CTX)
    assert done.enrollment is not None
    world.store.enrollments[done.enrollment.id].completed_at = world.clock.now()  # the learning side's doing
    assert (await enroll(world)(ann, EnrollCommand(advanced.course_id), CTX)).enrollment is not None


async def test_paid_and_unknown_courses_are_refused(world: EnrollmentWorld) -> None:
    with pytest.raises(Conflict, match="checkout"):
        await enroll(world)(learner(), EnrollCommand(world.courses.publish(free=False).course_id), CTX)
    with pytest.raises(NotFound):
        await enroll(world)(learner(), EnrollCommand(uuid.uuid4()), CTX)


async def test_a_freed_seat_is_held_for_the_next_in_line_and_passes_on_when_the_offer_lapses(
    world: EnrollmentWorld,
) -> None:
    owner = Principal(uuid.uuid4(), Role.INSTRUCTOR, "t")
    course = world.courses.publish(owner_id=owner.user_id)
    cohort = await CreateCohort(world.uow, world.courses, world.clock, world.auditor)(
        owner, CreateCohortCommand(course.course_id, "Winter", dt.date(2027, 1, 10), capacity=1), CTX
    )
    ann, bob, cat = learner(), learner(), learner()
    join = EnrollCommand(course.course_id, cohort.id)
    seated = (await enroll(world)(ann, join, CTX)).enrollment
    bob_place = (await enroll(world)(bob, join, CTX)).waitlisted
    cat_place = (await enroll(world)(cat, join, CTX)).waitlisted
    assert seated is not None and bob_place is not None and cat_place is not None
    assert (bob_place.position, cat_place.position) == (1, 2)

    await CancelEnrollment(world.uow, world.clock, world.auditor)(ann, seated.id, "", CTX)
    offers = [e for e in world.store.events if isinstance(e, SeatOffered)]
    assert [o.user_id for o in offers] == [bob.user_id]
    assert world.store.cohorts[cohort.id].seats_taken == 1  # held for Bob

    world.clock.current += dt.timedelta(hours=48)
    assert await ExpireSeatOffers(world.uow, world.clock)() == 1
    accept = AcceptSeatOffer(world.uow, world.courses, world.clock, world.auditor)
    with pytest.raises(Conflict):
        await accept(bob, bob_place.id, CTX)
    enrolled = await accept(cat, cat_place.id, CTX)
    assert enrolled.cohort_id == cohort.id and world.store.cohorts[cohort.id].seats_taken == 1


async def test_only_the_courses_instructors_open_cohorts_and_a_cohort_course_needs_one(world: EnrollmentWorld) -> None:
    course = world.courses.publish()
    create = CreateCohort(world.uow, world.courses, world.clock, world.auditor)
    with pytest.raises(NotFound):
        await create(
            Principal(uuid.uuid4(), Role.INSTRUCTOR, "x"),
            CreateCohortCommand(course.course_id, "A", dt.date(2027, 1, 1)),
            CTX,
        )
    admin = Principal(uuid.uuid4(), Role.ADMIN, "a")
    await create(admin, CreateCohortCommand(course.course_id, "A", dt.date(2027, 1, 1)), CTX)
    with pytest.raises(InvalidInput) as refused:
        await enroll(world)(learner(), EnrollCommand(course.course_id), CTX)
    assert refused.value.code == "enrollment.cohort_required"


def test_access_terms() -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert access_until(start, None) is None and access_until(start, "lifetime") is None
    assert access_until(start, "3m") == start + dt.timedelta(days=91)
    assert access_until(start, "45d") == start + dt.timedelta(days=45)
    with pytest.raises(InvalidInput):
        access_until(start, "forever and a day")
