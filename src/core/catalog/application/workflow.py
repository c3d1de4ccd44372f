"""The publishing workflow: submit, approve, reject, archive, unarchive.

Approval stores the immutable revision and replaces the catalog entry in the same transaction,
so the public catalog never shows a revision that was not stored. Each transition is audited
after its commit (only what happened is recorded) and then retires the cached catalog pages.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from core.catalog.application.authoring import ensure_can_see, ensure_owner_or_admin, load_course
from core.catalog.application.catalog_queries import CatalogCache, forget_catalog
from core.catalog.domain.catalog_entry import catalog_entry
from core.catalog.domain.course import Course, CourseStatus
from core.identity.application.auditing import Auditor
from core.identity.application.context import Principal, RequestContext
from core.identity.domain.roles import Permission
from core.shared.errors import PermissionDenied
from ports.catalog.courses import CatalogEntry, CourseRepository, CourseRevision
from ports.catalog.repositories import CatalogUnitOfWork
from ports.shared.clock import Clock

UowFactory = Callable[[], CatalogUnitOfWork]
NO_CONTEXT = RequestContext()


@dataclasses.dataclass(frozen=True)
class CourseCommand:
    """Submit, approve, archive and unarchive need nothing but the course."""

    course_id: uuid.UUID


@dataclasses.dataclass(frozen=True)
class RejectCourseCommand:
    course_id: uuid.UUID
    reason: str


async def put_entry(
    repo: CourseRepository, course: Course, snapshot: dict[str, Any], *, revision: int, approved_at: dt.datetime
) -> CatalogEntry:
    """Write the public entry of ``revision``; ``published_at`` stays the first approval's."""
    first = await repo.get_revision(course.id, 1) if revision > 1 else None
    entry = catalog_entry(
        course_id=course.id,
        owner_id=course.owner_id,
        instructor_ids=course.co_instructor_ids,
        snapshot=snapshot,
        revision=revision,
        published_at=first.approved_at if first else approved_at,
        updated_at=approved_at,
    )
    await repo.put_catalog_entry(entry)
    return entry


async def refresh_entry(repo: CourseRepository, course: Course) -> bool:
    """Rewrite a live course's entry after a change outside its revisions (its instructors)."""
    if course.live_revision is None or course.status == CourseStatus.ARCHIVED:
        return False
    revision = await repo.get_revision(course.id, course.live_revision)
    if revision is None:
        return False
    await put_entry(repo, course, revision.snapshot, revision=revision.number, approved_at=revision.approved_at)
    return True


class SubmitCourse:
    def __init__(self, uow: UowFactory, clock: Clock, auditor: Auditor) -> None:
        self._uow, self._clock, self._auditor = uow, clock, auditor

    async def __call__(self, principal: Principal, command: CourseCommand, ctx: RequestContext = NO_CONTEXT) -> Course:
        principal.require(Permission.COURSES_AUTHOR)
        async with self._uow() as uow:
            course = await load_course(uow.courses, command.course_id)
            ensure_can_see(course, principal)
            if not course.is_instructor(principal.user_id):
                # Review is for a course's own instructors to ask for; an admin approves it directly.
                raise PermissionDenied("course.not_instructor", "only the course's instructors submit it")
            course.submit_for_review(self._clock.now())
            await uow.commit()
        await self._auditor.record("course.submitted", ctx, actor_id=principal.user_id, subject_id=course.id)
        return course


class ApproveCourse:
    def __init__(self, uow: UowFactory, clock: Clock, auditor: Auditor, catalog_cache: CatalogCache) -> None:
        self._uow, self._clock, self._auditor, self._catalog_cache = uow, clock, auditor, catalog_cache

    async def __call__(
        self, principal: Principal, command: CourseCommand, ctx: RequestContext = NO_CONTEXT
    ) -> CourseRevision:
        principal.require(Permission.COURSES_REVIEW)
        now = self._clock.now()
        async with self._uow() as uow:
            course = await load_course(uow.courses, command.course_id)
            snapshot = course.approve(reviewer_id=principal.user_id, now=now)
            number = course.revision_count
            revision = CourseRevision(course.id, number, snapshot, principal.user_id, now)
            await uow.courses.add_revision(revision)
            await put_entry(uow.courses, course, snapshot, revision=number, approved_at=now)
            await uow.commit()
        await self._auditor.record(
            "course.approved", ctx, actor_id=principal.user_id, subject_id=course.id, revision=number
        )
        await forget_catalog(self._catalog_cache)
        return revision


class RejectCourse:
    def __init__(self, uow: UowFactory, clock: Clock, auditor: Auditor) -> None:
        self._uow, self._clock, self._auditor = uow, clock, auditor

    async def __call__(
        self, principal: Principal, command: RejectCourseCommand, ctx: RequestContext = NO_CONTEXT
    ) -> Course:
        principal.require(Permission.COURSES_REVIEW)
        async with self._uow() as uow:
            course = await load_course(uow.courses, command.course_id)
            course.reject(reviewer_id=principal.user_id, reason=command.reason, now=self._clock.now())
            await uow.commit()
        await self._auditor.record(
            "course.rejected", ctx, actor_id=principal.user_id, subject_id=course.id, reason=course.review_note
        )
        return course


class ArchiveCourse:
    """Takes the course out of the catalog; enrolled learners keep what they have (their
    contexts react to the CourseArchived event)."""

    def __init__(self, uow: UowFactory, clock: Clock, auditor: Auditor, catalog_cache: CatalogCache) -> None:
        self._uow, self._clock, self._auditor, self._catalog_cache = uow, clock, auditor, catalog_cache

    async def __call__(self, principal: Principal, command: CourseCommand, ctx: RequestContext = NO_CONTEXT) -> Course:
        principal.require(Permission.COURSES_AUTHOR)
        async with self._uow() as uow:
            course = await load_course(uow.courses, command.course_id)
            ensure_owner_or_admin(course, principal)
            course.archive(self._clock.now())
            await uow.courses.remove_catalog_entry(course.id)
            await uow.commit()
        await self._auditor.record("course.archived", ctx, actor_id=principal.user_id, subject_id=course.id)
        await forget_catalog(self._catalog_cache)
        return course


class UnarchiveCourse:
    """Brings the course back as a draft; it returns to the catalog only through review."""

    def __init__(self, uow: UowFactory, clock: Clock, auditor: Auditor) -> None:
        self._uow, self._clock, self._auditor = uow, clock, auditor

    async def __call__(self, principal: Principal, command: CourseCommand, ctx: RequestContext = NO_CONTEXT) -> Course:
        principal.require(Permission.COURSES_AUTHOR)
        async with self._uow() as uow:
            course = await load_course(uow.courses, command.course_id)
            ensure_owner_or_admin(course, principal)
            course.unarchive(self._clock.now())
            await uow.commit()
        await self._auditor.record("course.unarchived", ctx, actor_id=principal.user_id, subject_id=course.id)
        return course
