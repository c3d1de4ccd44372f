"""Reading enrollments: a learner's own, one by id, and the access check other contexts ask."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from core.enrollment.domain.enrollments import Enrollment
from core.identity.application.context import Principal
from core.identity.domain.roles import Permission
from core.shared.errors import NotFound
from ports.enrollment.repositories import EnrollmentPage, EnrollmentReader, EnrollmentUnitOfWork
from ports.shared.clock import Clock

UowFactory = Callable[[], EnrollmentUnitOfWork]
MAX_PAGE = 100


class ListMyEnrollments:
    def __init__(self, reader: EnrollmentReader) -> None:
        self._reader = reader

    async def __call__(self, principal: Principal, *, after: uuid.UUID | None, limit: int) -> EnrollmentPage:
        return await self._reader.for_user(principal.user_id, after=after, limit=max(1, min(limit, MAX_PAGE)))


class GetEnrollment:
    """Another learner's enrollment does not exist, as far as the caller can tell."""

    def __init__(self, uow: UowFactory) -> None:
        self._uow = uow

    async def __call__(self, principal: Principal, enrollment_id: uuid.UUID) -> Enrollment:
        async with self._uow() as uow:
            enrollment = await uow.enrollments.get(enrollment_id)
        if enrollment is None or (
            enrollment.user_id != principal.user_id and not principal.can(Permission.ENROLLMENTS_MANAGE)
        ):
            raise NotFound("enrollment.not_found", "no such enrollment")
        return enrollment


class CheckAccess:
    """May this learner open this course's content now? (Active, not past its access term.)"""

    def __init__(self, uow: UowFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, user_id: uuid.UUID, course_id: uuid.UUID) -> bool:
        async with self._uow() as uow:
            enrollment = await uow.enrollments.find(user_id, course_id)
        return enrollment is not None and enrollment.has_access(self._clock.now())
