"""Enrollment over HTTP: joining free courses (or a full cohort's waitlist), my enrollments,
leaving, cohorts and their queues. Object-level rules are the use cases': another learner's
enrollment or queue place is a 404."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED

from core.enrollment.application.cohorts import CreateCohortCommand
from core.enrollment.application.enrolling import EnrollCommand
from core.enrollment.domain.cohorts import Cohort, WaitlistEntry
from core.enrollment.domain.enrollments import Enrollment
from core.identity.domain.roles import Permission
from entrypoints.http.auth import current_principal, request_context, requires
from entrypoints.http.dependencies import container_of

ENROLL = requires(Permission.ENROLL)


class EnrollmentDto(msgspec.Struct):
    id: uuid.UUID
    course_id: uuid.UUID
    cohort_id: uuid.UUID | None
    revision: int
    status: str
    source: str
    enrolled_at: dt.datetime
    access_until: dt.datetime | None
    completed_at: dt.datetime | None
    cancelled_at: dt.datetime | None


class WaitlistEntryDto(msgspec.Struct):
    id: uuid.UUID
    course_id: uuid.UUID
    cohort_id: uuid.UUID
    user_id: uuid.UUID
    position: int | None
    status: str
    joined_at: dt.datetime
    offer_expires_at: dt.datetime | None


class EnrollOutcomeDto(msgspec.Struct):
    """``status`` is "enrolled" (with ``enrollment``) or "waitlisted" (with ``waitlist_entry``)."""

    status: str
    enrollment: EnrollmentDto | None = None
    waitlist_entry: WaitlistEntryDto | None = None


class EnrollmentPageDto(msgspec.Struct):
    items: list[EnrollmentDto]
    next_cursor: uuid.UUID | None


class CohortDto(msgspec.Struct):
    id: uuid.UUID
    course_id: uuid.UUID
    name: str
    starts_on: dt.date
    ends_on: dt.date | None
    capacity: int | None
    seats_left: int | None


class EnrollRequest(msgspec.Struct, forbid_unknown_fields=True):
    course_id: uuid.UUID
    cohort_id: uuid.UUID | None = None


class CohortCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
    starts_on: dt.date
    ends_on: dt.date | None = None
    capacity: Annotated[int, msgspec.Meta(ge=1, le=100_000)] | None = None


def enrollment_dto(e: Enrollment) -> EnrollmentDto:
    return EnrollmentDto(
        e.id,
        e.course_id,
        e.cohort_id,
        e.revision,
        str(e.status),
        str(e.source),
        e.enrolled_at,
        e.access_until,
        e.completed_at,
        e.cancelled_at,
    )


def waitlist_dto(w: WaitlistEntry) -> WaitlistEntryDto:
    return WaitlistEntryDto(
        w.id, w.course_id, w.cohort_id, w.user_id, w.position, str(w.status), w.joined_at, w.offer_expires_at
    )


def cohort_dto(c: Cohort) -> CohortDto:
    return CohortDto(c.id, c.course_id, c.name, c.starts_on, c.ends_on, c.capacity, c.seats_left)


class EnrollmentController(Controller):
    path = "/api/v1/enrollments"
    tags = ["enrollments"]

    @post(
        "/",
        summary="Enroll in a free course (or join a full cohort's waitlist)",
        description=(
            "201 with the enrollment, or 202 with a waitlist place when the chosen cohort is full "
            "(places are kept in arrival order). Enrolling again answers with the existing "
            "enrollment. A paid course answers 409 `enrollment.payment_required`."
        ),
        guards=[ENROLL],
    )
    async def enroll(
        self, request: Request[Any, Any, Any], data: JSONBody[EnrollRequest]
    ) -> Response[EnrollOutcomeDto]:
        outcome = await container_of(request).enrollment.enroll()(
            current_principal(request), EnrollCommand(data.course_id, data.cohort_id), request_context(request)
        )
        if outcome.enrollment is not None:
            body = EnrollOutcomeDto("enrolled", enrollment=enrollment_dto(outcome.enrollment))
            return Response(body, status_code=HTTP_201_CREATED)
        assert outcome.waitlisted is not None
        return Response(
            EnrollOutcomeDto("waitlisted", waitlist_entry=waitlist_dto(outcome.waitlisted)),
            status_code=HTTP_202_ACCEPTED,
        )

    @get("/", summary="My enrollments, newest first", guards=[ENROLL])
    async def mine(
        self,
        request: Request[Any, Any, Any],
        cursor: FromQuery[uuid.UUID | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> EnrollmentPageDto:
        page = await container_of(request).enrollment.my_enrollments()(
            current_principal(request), after=cursor, limit=limit
        )
        return EnrollmentPageDto([enrollment_dto(e) for e in page.items], page.next_cursor)

    @get("/{enrollment_id:uuid}", summary="One of my enrollments (any, for admins)", guards=[ENROLL])
    async def get_one(self, request: Request[Any, Any, Any], enrollment_id: FromPath[uuid.UUID]) -> EnrollmentDto:
        enrollment = await container_of(request).enrollment.get_enrollment()(current_principal(request), enrollment_id)
        return enrollment_dto(enrollment)

    @delete(
        "/{enrollment_id:uuid}",
        summary="Leave a course; a cohort seat is offered to the next learner waiting",
        guards=[ENROLL],
        status_code=HTTP_200_OK,
    )
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        enrollment_id: FromPath[uuid.UUID],
        reason: Annotated[str, QueryParameter(max_length=300)] = "",
    ) -> EnrollmentDto:
        enrollment = await container_of(request).enrollment.cancel()(
            current_principal(request), enrollment_id, reason, request_context(request)
        )
        return enrollment_dto(enrollment)


class CohortController(Controller):
    path = "/api/v1/courses/{course_id:uuid}/cohorts"
    tags = ["enrollments"]

    @get("/", summary="A published course's cohorts, with seats left")
    async def list_cohorts(self, request: Request[Any, Any, Any], course_id: FromPath[uuid.UUID]) -> list[CohortDto]:
        return [cohort_dto(c) for c in await container_of(request).enrollment.list_cohorts()(course_id)]

    @post(
        "/",
        summary="Open a cohort (the course's instructors and admins)",
        guards=[ENROLL],
        status_code=HTTP_201_CREATED,
    )
    async def create_cohort(
        self, request: Request[Any, Any, Any], course_id: FromPath[uuid.UUID], data: JSONBody[CohortCreate]
    ) -> CohortDto:
        command = CreateCohortCommand(course_id, data.name, data.starts_on, data.ends_on, data.capacity)
        cohort = await container_of(request).enrollment.create_cohort()(
            current_principal(request), command, request_context(request)
        )
        return cohort_dto(cohort)

    @get("/{cohort_id:uuid}/waitlist", summary="A cohort's queue (its instructors and admins)", guards=[ENROLL])
    async def waitlist(
        self, request: Request[Any, Any, Any], course_id: FromPath[uuid.UUID], cohort_id: FromPath[uuid.UUID]
    ) -> list[WaitlistEntryDto]:
        entries = await container_of(request).enrollment.list_waitlist()(
            current_principal(request), course_id, cohort_id
        )
        return [waitlist_dto(e) for e in entries]


class WaitlistController(Controller):
    path = "/api/v1/waitlist"
    tags = ["enrollments"]

    @post(
        "/{entry_id:uuid}/accept",
        summary="Take the seat offered to me",
        guards=[ENROLL],
        status_code=HTTP_201_CREATED,
    )
    async def accept(self, request: Request[Any, Any, Any], entry_id: FromPath[uuid.UUID]) -> EnrollmentDto:
        enrollment = await container_of(request).enrollment.accept_offer()(
            current_principal(request), entry_id, request_context(request)
        )
        return enrollment_dto(enrollment)

    @delete("/{entry_id:uuid}", summary="Leave the queue", guards=[ENROLL], status_code=HTTP_200_OK)
    async def withdraw(self, request: Request[Any, Any, Any], entry_id: FromPath[uuid.UUID]) -> WaitlistEntryDto:
        entry = await container_of(request).enrollment.withdraw()(current_principal(request), entry_id)
        return waitlist_dto(entry)
