"""A course's published history: list revisions, compare them, roll the draft back to one."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable

from core.catalog.application.authoring import ensure_can_see, is_admin, load_course
from core.catalog.domain.course import Course
from core.catalog.domain.revisions import Change, diff
from core.identity.application.auditing import Auditor
from core.identity.application.context import Principal, RequestContext
from core.identity.domain.roles import Permission
from core.shared.errors import NotFound
from ports.catalog.courses import CourseRepository, CourseRevision, RevisionSummary
from ports.catalog.repositories import CatalogUnitOfWork
from ports.shared.clock import Clock

UowFactory = Callable[[], CatalogUnitOfWork]
NO_CONTEXT = RequestContext()


@dataclasses.dataclass(frozen=True)
class DiffRevisionsCommand:
    """Compare revision ``old`` with revision ``new``, or with the current draft when ``new``
    is None ("what will the next approval change?")."""

    course_id: uuid.UUID
    old: int
    new: int | None = None


@dataclasses.dataclass(frozen=True)
class RollBackCourseCommand:
    course_id: uuid.UUID
    revision: int


async def _revision(repo: CourseRepository, course_id: uuid.UUID, number: int) -> CourseRevision:
    revision = await repo.get_revision(course_id, number)
    if revision is None:
        raise NotFound(
            "course.revision_not_found", "no such revision", {"course_id": str(course_id), "revision": number}
        )
    return revision


class ListRevisions:
    """Newest first; for the course's instructors and admins."""

    def __init__(self, uow: UowFactory) -> None:
        self._uow = uow

    async def __call__(self, principal: Principal, course_id: uuid.UUID) -> list[RevisionSummary]:
        async with self._uow() as uow:
            ensure_can_see(await load_course(uow.courses, course_id), principal)
            return await uow.courses.list_revisions(course_id)


class DiffRevisions:
    def __init__(self, uow: UowFactory) -> None:
        self._uow = uow

    async def __call__(self, principal: Principal, command: DiffRevisionsCommand) -> list[Change]:
        async with self._uow() as uow:
            course = await load_course(uow.courses, command.course_id)
            ensure_can_see(course, principal)
            old = await _revision(uow.courses, course.id, command.old)
            if command.new is None:
                return diff(old.snapshot, course.snapshot())
            new = await _revision(uow.courses, course.id, command.new)
        return diff(old.snapshot, new.snapshot)


class RollBackCourse:
    """The draft becomes exactly an old revision's content; it goes live only after review,
    so the published revision and the catalog entry stay as they are until then."""

    def __init__(self, uow: UowFactory, clock: Clock, auditor: Auditor) -> None:
        self._uow, self._clock, self._auditor = uow, clock, auditor

    async def __call__(
        self, principal: Principal, command: RollBackCourseCommand, ctx: RequestContext = NO_CONTEXT
    ) -> Course:
        principal.require(Permission.COURSES_AUTHOR)
        async with self._uow() as uow:
            course = await load_course(uow.courses, command.course_id)
            course.ensure_editable_by(principal.user_id, is_admin=is_admin(principal))
            revision = await _revision(uow.courses, course.id, command.revision)
            course.restore(revision.snapshot, revision=revision.number, now=self._clock.now())
            await uow.commit()
        await self._auditor.record(
            "course.rolled_back", ctx, actor_id=principal.user_id, subject_id=course.id, revision=revision.number
        )
        return course
