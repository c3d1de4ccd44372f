"""Cloning a course into a new draft owned by the caller."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable

from core.catalog.application.authoring import is_admin, load_course, not_found, unique_slug
from core.catalog.domain.course import Course, CourseStatus
from core.identity.application.context import Principal
from core.identity.domain.roles import Permission
from ports.catalog.courses import CourseRepository
from ports.catalog.repositories import CatalogUnitOfWork
from ports.shared.clock import Clock

UowFactory = Callable[[], CatalogUnitOfWork]


@dataclasses.dataclass(frozen=True)
class CloneCourseCommand:
    source_id: uuid.UUID
    title: str | None = None  # default: "<source title> (copy)"
    slug: str | None = None  # default: "<source slug>-copy", made unique


class CloneCourse:
    """Its instructors and admins clone the working copy; anyone who may author clones a
    published course's live revision only (never its unpublished draft)."""

    def __init__(self, uow: UowFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, principal: Principal, command: CloneCourseCommand) -> Course:
        principal.require(Permission.COURSES_AUTHOR)
        now = self._clock.now()
        async with self._uow() as uow:
            source = await load_course(uow.courses, command.source_id)
            if not (source.is_instructor(principal.user_id) or is_admin(principal)):
                source = await _published(uow.courses, source, now)
            twin = source.clone(
                owner_id=principal.user_id, now=now, slug=command.slug or f"{source.slug}-copy", title=command.title
            )
            twin.slug = await unique_slug(uow.courses, twin.slug)
            await uow.courses.add(twin)
            await uow.commit()
        return twin


async def _published(repo: CourseRepository, course: Course, now: dt.datetime) -> Course:
    """A detached stand-in for the course holding its live revision (never stored)."""
    if course.live_revision is None or course.status == CourseStatus.ARCHIVED:
        raise not_found(course.id)
    revision = await repo.get_revision(course.id, course.live_revision)
    if revision is None:
        raise not_found(course.id)
    shadow = Course.create(
        title=course.title, owner_id=course.owner_id, now=now, slug=course.slug, language=course.language
    )
    shadow.id = course.id  # so the clone's CourseCloned event names the real source
    shadow.restore(revision.snapshot, revision=revision.number, now=now)
    shadow.pull_events()
    return shadow
