"""``lyceum.enrollment.v1.EnrollmentService``: joining free courses (or a full cohort's waitlist),
the caller's enrollments and their access check for mobile clients; the gRPC twin of
/api/v1/enrollments.

Every method reads ``authorization: Bearer <access token>`` from the call metadata
(:class:`entrypoints.grpc.auth.BearerAuth`). Errors are not handled here: DomainErrorInterceptor
maps them.
"""

from __future__ import annotations

import datetime as dt
from typing import TypeAlias

import grpc

from core.enrollment.application.enrolling import EnrollCommand, EnrollInCourse
from core.enrollment.application.queries import MAX_PAGE, CheckAccess, ListMyEnrollments
from core.enrollment.domain.cohorts import WaitlistEntry
from core.enrollment.domain.enrollments import Enrollment
from core.identity.domain.roles import Permission
from core.shared.errors import InvalidInput
from core.shared.ids import parse_id
from entrypoints.grpc.auth import BearerAuth, request_context
from entrypoints.grpc.generated.lyceum.enrollment.v1 import enrollment_pb2, enrollment_pb2_grpc

SERVICE_NAME: str = enrollment_pb2.DESCRIPTOR.services_by_name["EnrollmentService"].full_name

Context: TypeAlias = grpc.aio.ServicerContext

DEFAULT_PAGE = 20  # the HTTP route's default


def _timestamp(moment: dt.datetime) -> str:
    """RFC 3339 in UTC (storage hands back aware UTC datetimes; this keeps it so)."""
    return moment.astimezone(dt.UTC).isoformat()


def enrollment_message(enrollment: Enrollment) -> enrollment_pb2.Enrollment:
    message = enrollment_pb2.Enrollment(
        id=str(enrollment.id),
        course_id=str(enrollment.course_id),
        revision=enrollment.revision,
        status=str(enrollment.status),
        source=str(enrollment.source),
        enrolled_at=_timestamp(enrollment.enrolled_at),
    )
    # Optional fields stay unset rather than "" (check with HasField / hasCohortId).
    if enrollment.cohort_id is not None:
        message.cohort_id = str(enrollment.cohort_id)
    if enrollment.access_until is not None:
        message.access_until = _timestamp(enrollment.access_until)
    if enrollment.completed_at is not None:
        message.completed_at = _timestamp(enrollment.completed_at)
    return message


def waitlist_message(entry: WaitlistEntry) -> enrollment_pb2.WaitlistEntry:
    message = enrollment_pb2.WaitlistEntry(
        id=str(entry.id),
        course_id=str(entry.course_id),
        cohort_id=str(entry.cohort_id),
        position=entry.position or 0,
        status=str(entry.status),
        joined_at=_timestamp(entry.joined_at),
    )
    if entry.offer_expires_at is not None:
        message.offer_expires_at = _timestamp(entry.offer_expires_at)
    return message


def page_limit(limit: int) -> int:
    """0 is the default; otherwise 1..100, validated like the HTTP route's ``limit`` query."""
    if limit == 0:
        return DEFAULT_PAGE
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput("request.validation", f"limit must be between 1 and {MAX_PAGE}", {"field": "limit"})
    return limit


class EnrollmentServicer(enrollment_pb2_grpc.EnrollmentServiceServicer):
    def __init__(
        self,
        auth: BearerAuth,
        *,
        enroll: EnrollInCourse,
        my_enrollments: ListMyEnrollments,
        check_access: CheckAccess,
    ) -> None:
        self._auth = auth
        self._enroll, self._my_enrollments, self._check_access = enroll, my_enrollments, check_access

    async def ListMyEnrollments(
        self, request: enrollment_pb2.ListMyEnrollmentsRequest, context: Context
    ) -> enrollment_pb2.ListMyEnrollmentsResponse:
        principal = await self._auth.require(context, Permission.ENROLL)
        after = parse_id(request.cursor, what="cursor") if request.HasField("cursor") else None
        page = await self._my_enrollments(principal, after=after, limit=page_limit(request.limit))
        response = enrollment_pb2.ListMyEnrollmentsResponse(items=[enrollment_message(e) for e in page.items])
        if page.next_cursor is not None:
            response.next_cursor = str(page.next_cursor)
        return response

    async def Enroll(self, request: enrollment_pb2.EnrollRequest, context: Context) -> enrollment_pb2.EnrollResponse:
        principal = await self._auth.require(context, Permission.ENROLL)
        command = EnrollCommand(
            course_id=parse_id(request.course_id, what="course_id"),
            cohort_id=parse_id(request.cohort_id, what="cohort_id") if request.HasField("cohort_id") else None,
        )
        outcome = await self._enroll(principal, command, request_context(context))
        if outcome.enrollment is not None:
            return enrollment_pb2.EnrollResponse(enrollment=enrollment_message(outcome.enrollment))
        assert outcome.waitlisted is not None
        return enrollment_pb2.EnrollResponse(waitlist_entry=waitlist_message(outcome.waitlisted))

    async def CheckAccess(
        self, request: enrollment_pb2.CheckAccessRequest, context: Context
    ) -> enrollment_pb2.CheckAccessResponse:
        principal = await self._auth.require(context, Permission.ENROLL)
        course_id = parse_id(request.course_id, what="course_id")
        return enrollment_pb2.CheckAccessResponse(has_access=await self._check_access(principal.user_id, course_id))
