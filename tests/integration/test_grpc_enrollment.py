"""lyceum.enrollment.v1.EnrollmentService end to end: a real container on SQLite, a real server,
a real channel, courses and cohorts made through the use cases."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import grpc
import pytest
import pytest_asyncio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from core.enrollment.application.cohorts import CreateCohortCommand
from core.identity.application.context import Principal, RequestContext
from core.identity.domain.roles import Role
from core.identity.domain.user import User
from core.shared.money import Money
from entrypoints.bootstrap.containers import ApplicationContainer
from entrypoints.grpc.generated.lyceum.enrollment.v1 import enrollment_pb2, enrollment_pb2_grpc
from entrypoints.grpc.generated.lyceum.identity.v1 import auth_pb2_grpc
from tests.integration.courses.seed import published_course
from tests.integration.test_grpc_auth import (
    Metadata,
    ShiftedClock,
    _bearer,
    _login,
    _refuses,
    app,
    channel,
    clock,
    user,
)

# The fixtures imported above are used by name; __all__ keeps them from looking unused.
__all__ = ["app", "channel", "clock", "user"]

pytestmark = pytest.mark.timeout(10)

ENROLLMENT = "lyceum.enrollment.v1.EnrollmentService"


@dataclasses.dataclass(frozen=True)
class Courses:
    owner: Principal
    free: str
    paid: str


@pytest.fixture
def stub(channel: grpc.aio.Channel) -> enrollment_pb2_grpc.EnrollmentServiceStub:
    return enrollment_pb2_grpc.EnrollmentServiceStub(channel)


@pytest_asyncio.fixture
async def courses(app: ApplicationContainer) -> Courses:
    owner = Principal(uuid.uuid4(), Role.INSTRUCTOR, "seed")
    free = await published_course(app, "Free Course", owner=owner)
    paid = await published_course(app, "Paid Course", owner=owner, price=Money(4_900, "USD"))
    return Courses(owner, str(free.id), str(paid.id))


def _learner(app: ApplicationContainer, clock: ShiftedClock, role: Role = Role.STUDENT) -> Metadata:
    """A signed-in learner without the cost of a password: the access token is what the service checks."""
    token = app.identity.access_tokens().issue(user_id=uuid.uuid4(), role=role, session_id="test", now=clock.now())
    return _bearer(token)


def _utc(timestamp: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(timestamp)
    assert moment.utcoffset() == dt.timedelta(), timestamp
    return moment


async def _cohort(app: ApplicationContainer, courses: Courses, capacity: int) -> str:
    command = CreateCohortCommand(uuid.UUID(courses.free), "Spring", dt.date(2027, 3, 1), capacity=capacity)
    cohort = await app.enrollment.create_cohort()(courses.owner, command, RequestContext())
    return str(cohort.id)


# -- enrolling -----------------------------------------------------------------------------------


async def test_enroll_then_list_then_check_access(
    app: ApplicationContainer,
    channel: grpc.aio.Channel,
    stub: enrollment_pb2_grpc.EnrollmentServiceStub,
    courses: Courses,
    user: User,
    clock: ShiftedClock,
) -> None:
    # The token comes from AuthService.Login, as a mobile app gets it.
    tokens = await _login(auth_pb2_grpc.AuthServiceStub(channel))
    ada = _bearer(tokens.access_token)

    reply = await stub.Enroll(enrollment_pb2.EnrollRequest(course_id=courses.free), metadata=ada)

    assert reply.WhichOneof("outcome") == "enrollment"
    enrollment = reply.enrollment
    assert (enrollment.course_id, enrollment.status, enrollment.source, enrollment.revision) == (
        courses.free,
        "active",
        "free",
        1,
    )
    assert uuid.UUID(enrollment.id)
    assert abs(_utc(enrollment.enrolled_at) - clock.now()) < dt.timedelta(minutes=1)
    for unset in ("cohort_id", "access_until", "completed_at"):
        assert not enrollment.HasField(unset), unset

    mine = await stub.ListMyEnrollments(enrollment_pb2.ListMyEnrollmentsRequest(), metadata=ada)
    assert list(mine.items) == [enrollment]
    assert not mine.HasField("next_cursor")

    access = await stub.CheckAccess(enrollment_pb2.CheckAccessRequest(course_id=courses.free), metadata=ada)
    assert access.has_access is True
    paid = await stub.CheckAccess(enrollment_pb2.CheckAccessRequest(course_id=courses.paid), metadata=ada)
    assert paid.has_access is False
    # Someone else sees none of it.
    bob = _learner(app, clock)
    assert list((await stub.ListMyEnrollments(enrollment_pb2.ListMyEnrollmentsRequest(), metadata=bob)).items) == []
    assert not (
        await stub.CheckAccess(enrollment_pb2.CheckAccessRequest(course_id=courses.free), metadata=bob)
    ).has_access


async def test_enrolling_twice_answers_with_the_same_enrollment(
    app: ApplicationContainer, stub: enrollment_pb2_grpc.EnrollmentServiceStub, courses: Courses, clock: ShiftedClock
) -> None:
    ann = _learner(app, clock)
    request = enrollment_pb2.EnrollRequest(course_id=courses.free)

    first = await stub.Enroll(request, metadata=ann)
    again = await stub.Enroll(request, metadata=ann)

    assert again.enrollment.id == first.enrollment.id
    mine = await stub.ListMyEnrollments(enrollment_pb2.ListMyEnrollmentsRequest(limit=100), metadata=ann)
    assert [e.id for e in mine.items] == [first.enrollment.id]


async def test_a_paid_course_needs_checkout(
    app: ApplicationContainer, stub: enrollment_pb2_grpc.EnrollmentServiceStub, courses: Courses, clock: ShiftedClock
) -> None:
    ann = _learner(app, clock)

    await _refuses(
        stub.Enroll(enrollment_pb2.EnrollRequest(course_id=courses.paid), metadata=ann),
        grpc.StatusCode.FAILED_PRECONDITION,
        "enrollment.payment_required",
    )
    access = await stub.CheckAccess(enrollment_pb2.CheckAccessRequest(course_id=courses.paid), metadata=ann)
    assert access.has_access is False


async def test_an_unknown_course_is_not_found(
    app: ApplicationContainer, stub: enrollment_pb2_grpc.EnrollmentServiceStub, courses: Courses, clock: ShiftedClock
) -> None:
    await _refuses(
        stub.Enroll(enrollment_pb2.EnrollRequest(course_id=str(uuid.uuid4())), metadata=_learner(app, clock)),
        grpc.StatusCode.NOT_FOUND,
        "course.not_found",
    )


# -- pages ---------------------------------------------------------------------------------------


async def test_my_enrollments_page_newest_first(
    app: ApplicationContainer, stub: enrollment_pb2_grpc.EnrollmentServiceStub, courses: Courses, clock: ShiftedClock
) -> None:
    ann, bob = _learner(app, clock), _learner(app, clock)
    other = await published_course(app, "Another Free Course", owner=courses.owner)
    older = await stub.Enroll(enrollment_pb2.EnrollRequest(course_id=courses.free), metadata=ann)
    newer = await stub.Enroll(enrollment_pb2.EnrollRequest(course_id=str(other.id)), metadata=ann)

    first = await stub.ListMyEnrollments(enrollment_pb2.ListMyEnrollmentsRequest(limit=1), metadata=ann)
    assert [e.id for e in first.items] == [newer.enrollment.id]
    assert first.HasField("next_cursor")
    second = await stub.ListMyEnrollments(
        enrollment_pb2.ListMyEnrollmentsRequest(cursor=first.next_cursor, limit=1), metadata=ann
    )
    assert [e.id for e in second.items] == [older.enrollment.id]

    theirs = await stub.ListMyEnrollments(enrollment_pb2.ListMyEnrollmentsRequest(), metadata=bob)
    assert list(theirs.items) == []
    assert not theirs.HasField("next_cursor")


@pytest.mark.parametrize("limit", [-1, 101])
async def test_limit_outside_1_to_100_is_invalid_argument(
    app: ApplicationContainer, stub: enrollment_pb2_grpc.EnrollmentServiceStub, clock: ShiftedClock, limit: int
) -> None:
    await _refuses(
        stub.ListMyEnrollments(enrollment_pb2.ListMyEnrollmentsRequest(limit=limit), metadata=_learner(app, clock)),
        grpc.StatusCode.INVALID_ARGUMENT,
        "request.validation",
    )


# -- cohorts and their waitlist ------------------------------------------------------------------


async def test_a_full_cohort_puts_the_next_learner_on_its_waitlist(
    app: ApplicationContainer, stub: enrollment_pb2_grpc.EnrollmentServiceStub, courses: Courses, clock: ShiftedClock
) -> None:
    cohort = await _cohort(app, courses, capacity=1)
    ann, bob, cat = _learner(app, clock), _learner(app, clock), _learner(app, clock)
    join = enrollment_pb2.EnrollRequest(course_id=courses.free, cohort_id=cohort)

    # The course now runs in cohorts: one must be chosen.
    await _refuses(
        stub.Enroll(enrollment_pb2.EnrollRequest(course_id=courses.free), metadata=ann),
        grpc.StatusCode.INVALID_ARGUMENT,
        "enrollment.cohort_required",
    )
    seated = await stub.Enroll(join, metadata=ann)
    assert seated.WhichOneof("outcome") == "enrollment"
    assert seated.enrollment.cohort_id == cohort

    waiting = await stub.Enroll(join, metadata=bob)

    assert waiting.WhichOneof("outcome") == "waitlist_entry"
    entry = waiting.waitlist_entry
    assert (entry.course_id, entry.cohort_id, entry.status) == (courses.free, cohort, "waiting")
    assert entry.position > 0
    assert uuid.UUID(entry.id)
    _utc(entry.joined_at)
    assert not entry.HasField("offer_expires_at")
    # Asking again keeps the place; the next learner queues behind.
    assert (await stub.Enroll(join, metadata=bob)).waitlist_entry == entry
    behind = await stub.Enroll(join, metadata=cat)
    assert behind.waitlist_entry.position > entry.position
    access = await stub.CheckAccess(enrollment_pb2.CheckAccessRequest(course_id=courses.free), metadata=bob)
    assert access.has_access is False


async def test_an_unknown_cohort_is_not_found(
    app: ApplicationContainer, stub: enrollment_pb2_grpc.EnrollmentServiceStub, courses: Courses, clock: ShiftedClock
) -> None:
    await _cohort(app, courses, capacity=1)
    await _refuses(
        stub.Enroll(
            enrollment_pb2.EnrollRequest(course_id=courses.free, cohort_id=str(uuid.uuid4())),
            metadata=_learner(app, clock),
        ),
        grpc.StatusCode.NOT_FOUND,
        "cohort.not_found",
    )


# -- the access token and malformed ids ----------------------------------------------------------


@pytest.mark.parametrize(
    ("metadata", "error_code"),
    [
        ((), "auth.unauthenticated"),
        ((("authorization", "Basic YWRhOnB3"),), "auth.unauthenticated"),
        ((("authorization", "Bearer not.a.jwt"),), "auth.invalid_token"),
    ],
)
async def test_every_method_needs_a_valid_access_token(
    stub: enrollment_pb2_grpc.EnrollmentServiceStub, courses: Courses, metadata: Metadata, error_code: str
) -> None:
    calls = [
        stub.ListMyEnrollments(enrollment_pb2.ListMyEnrollmentsRequest(), metadata=metadata),
        stub.Enroll(enrollment_pb2.EnrollRequest(course_id=courses.free), metadata=metadata),
        stub.CheckAccess(enrollment_pb2.CheckAccessRequest(course_id=courses.free), metadata=metadata),
    ]
    for call in calls:
        await _refuses(call, grpc.StatusCode.UNAUTHENTICATED, error_code)


async def test_an_expired_access_token_is_unauthenticated(
    app: ApplicationContainer, stub: enrollment_pb2_grpc.EnrollmentServiceStub, courses: Courses, clock: ShiftedClock
) -> None:
    ann = _learner(app, clock)
    clock.offset = dt.timedelta(days=1)

    await _refuses(
        stub.Enroll(enrollment_pb2.EnrollRequest(course_id=courses.free), metadata=ann),
        grpc.StatusCode.UNAUTHENTICATED,
        "auth.token_expired",
    )


async def test_malformed_ids_are_invalid_argument(
    app: ApplicationContainer, stub: enrollment_pb2_grpc.EnrollmentServiceStub, courses: Courses, clock: ShiftedClock
) -> None:
    ann = _learner(app, clock)
    calls = [
        stub.Enroll(enrollment_pb2.EnrollRequest(course_id="nope"), metadata=ann),
        stub.Enroll(enrollment_pb2.EnrollRequest(course_id=courses.free, cohort_id="nope"), metadata=ann),
        stub.Enroll(enrollment_pb2.EnrollRequest(), metadata=ann),  # course_id left empty
        stub.CheckAccess(enrollment_pb2.CheckAccessRequest(course_id="nope"), metadata=ann),
        stub.ListMyEnrollments(enrollment_pb2.ListMyEnrollmentsRequest(cursor="nope"), metadata=ann),
    ]
    for call in calls:
        await _refuses(call, grpc.StatusCode.INVALID_ARGUMENT, "request.invalid_id")


# -- discovery -----------------------------------------------------------------------------------


async def test_health_reports_the_enrollment_service_serving(channel: grpc.aio.Channel) -> None:
    response = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=ENROLLMENT))

    assert response.status == health_pb2.HealthCheckResponse.SERVING


async def test_reflection_lists_the_enrollment_service(channel: grpc.aio.Channel) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    call = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
    names = [s.name async for response in call for s in response.list_services_response.service]

    assert ENROLLMENT in names
