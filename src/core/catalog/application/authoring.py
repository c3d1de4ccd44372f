"""Authoring a course: create it, open it for editing, apply one edit at a time.

Every edit is a small frozen command with an ``apply(course, now)``; ``EditCourse`` is the one
use case that loads, authorises, applies and commits them, so the rules live in one place.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import uuid
from collections.abc import Callable
from typing import Any, Final, Protocol, Self

from core.catalog.domain import quizzes
from core.catalog.domain.course import Course
from core.identity.application.context import Principal
from core.identity.domain.roles import Permission, Role
from core.shared.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.shared.money import Money
from ports.catalog.courses import CourseRepository
from ports.catalog.repositories import CatalogUnitOfWork
from ports.shared.clock import Clock
from ports.shared.html import HtmlSanitizer

UowFactory = Callable[[], CatalogUnitOfWork]
SLUG_ATTEMPTS = 1000


class Unset(enum.Enum):
    """ "Leave this field as it is": ``None`` is a real value for some fields (no cover)."""

    UNSET = "unset"


UNSET: Final = Unset.UNSET


# -- helpers shared by the course use cases ---------------------------------------------------


def is_admin(principal: Principal) -> bool:
    return principal.role.rank >= Role.ADMIN.rank


def not_found(course_id: uuid.UUID) -> NotFound:
    return NotFound("course.not_found", "course not found", {"course_id": str(course_id)})


async def load_course(repo: CourseRepository, course_id: uuid.UUID) -> Course:
    course = await repo.get(course_id)
    if course is None:
        raise not_found(course_id)
    return course


def ensure_can_see(course: Course, principal: Principal) -> None:
    """Instructors of the course and admins see its draft; to anyone else it does not exist."""
    if not (course.is_instructor(principal.user_id) or is_admin(principal)):
        raise not_found(course.id)


def ensure_owner_or_admin(course: Course, principal: Principal) -> None:
    """Archiving and managing co-instructors belong to the owner; co-instructors are told no."""
    ensure_can_see(course, principal)
    if not (principal.user_id == course.owner_id or is_admin(principal)):
        raise PermissionDenied("course.owner_only", "only the course owner or an admin can do this")


async def ensure_category(uow: CatalogUnitOfWork, category_id: uuid.UUID) -> None:
    if await uow.categories.get(category_id) is None:
        raise InvalidInput("course.category_unknown", "no such category", {"category_id": str(category_id)})


async def unique_slug(repo: CourseRepository, slug: str) -> str:
    """``slug``, or ``slug-2``, ``slug-3`` ... whichever is free first. The database's unique
    index still decides a race between two creators; this only avoids the common clash."""
    if not await repo.slug_taken(slug):
        return slug
    for n in range(2, SLUG_ATTEMPTS):
        candidate = f"{slug}-{n}"
        if not await repo.slug_taken(candidate):
            return candidate
    raise Conflict("course.slug_taken", f"slug {slug!r} is taken", {"slug": slug})


# -- create and read --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CreateCourseCommand:
    title: str
    slug: str | None = None
    language: str = "en"
    subtitle: str = ""
    description_html: str = ""
    category_id: uuid.UUID | None = None


class CreateCourse:
    def __init__(self, uow: UowFactory, clock: Clock, sanitizer: HtmlSanitizer) -> None:
        self._uow, self._clock, self._sanitizer = uow, clock, sanitizer

    async def __call__(self, principal: Principal, command: CreateCourseCommand) -> Course:
        principal.require(Permission.COURSES_AUTHOR)
        now = self._clock.now()
        course = Course.create(
            title=command.title, owner_id=principal.user_id, now=now, slug=command.slug, language=command.language
        )
        details: dict[str, Any] = {"subtitle": command.subtitle, "category_id": command.category_id}
        if command.description_html:
            details["description_html"] = self._sanitizer.clean(command.description_html)
        course.update_details(now, **details)
        async with self._uow() as uow:
            if command.category_id is not None:
                await ensure_category(uow, command.category_id)
            course.slug = await unique_slug(uow.courses, course.slug)
            await uow.courses.add(course)
            await uow.commit()
        return course


class GetCourseForEditing:
    """The working copy with everything in it, for its instructors and admins only."""

    def __init__(self, uow: UowFactory) -> None:
        self._uow = uow

    async def __call__(self, principal: Principal, course_id: uuid.UUID) -> Course:
        async with self._uow() as uow:
            course = await load_course(uow.courses, course_id)
        ensure_can_see(course, principal)
        return course


# -- edits ------------------------------------------------------------------------------------


class CourseEdit(Protocol):
    """One change to a course's draft."""

    @property
    def course_id(self) -> uuid.UUID: ...

    def sanitised(self, clean: Callable[[str], str]) -> CourseEdit: ...

    def apply(self, course: Course, now: dt.datetime) -> None: ...


class _PlainEdit:
    """Edits that carry no HTML pass through sanitising unchanged."""

    def sanitised(self, clean: Callable[[str], str]) -> Self:
        return self


def _given(command: object, *, skip: tuple[str, ...] = ("course_id",)) -> dict[str, Any]:
    """The fields a partial-update command actually sets; tuples become lists for the domain."""
    return {
        f.name: list(value) if isinstance(value, tuple) else value
        for f in dataclasses.fields(command)  # type: ignore[arg-type]
        if f.name not in skip and (value := getattr(command, f.name)) is not UNSET
    }


@dataclasses.dataclass(frozen=True)
class UpdateDetails:
    course_id: uuid.UUID
    title: str | Unset = UNSET
    subtitle: str | Unset = UNSET
    description_html: str | Unset = UNSET
    language: str | Unset = UNSET
    difficulty: str | Unset = UNSET
    duration_minutes: int | Unset = UNSET
    category_id: uuid.UUID | Unset | None = UNSET
    tags: tuple[str, ...] | Unset = UNSET
    cover_key: str | Unset | None = UNSET
    capacity: int | Unset | None = UNSET
    prerequisite_ids: tuple[uuid.UUID, ...] | Unset = UNSET

    def sanitised(self, clean: Callable[[str], str]) -> UpdateDetails:
        if isinstance(self.description_html, str):
            return dataclasses.replace(self, description_html=clean(self.description_html))
        return self

    def apply(self, course: Course, now: dt.datetime) -> None:
        course.update_details(now, **_given(self))


@dataclasses.dataclass(frozen=True)
class SetPrice(_PlainEdit):
    course_id: uuid.UUID
    price: Money | None  # None: free
    overrides: dict[str, int] = dataclasses.field(default_factory=dict)  # currency -> minor units

    def apply(self, course: Course, now: dt.datetime) -> None:
        course.set_price(self.price, self.overrides, now)


@dataclasses.dataclass(frozen=True)
class SetObjectives(_PlainEdit):
    course_id: uuid.UUID
    objectives: tuple[tuple[str, tuple[uuid.UUID, ...]], ...]  # (text, linked lesson ids)

    def apply(self, course: Course, now: dt.datetime) -> None:
        course.set_objectives([(text, list(lessons)) for text, lessons in self.objectives], now)


@dataclasses.dataclass(frozen=True)
class AddSection(_PlainEdit):
    course_id: uuid.UUID
    title: str

    def apply(self, course: Course, now: dt.datetime) -> None:
        course.add_section(self.title, now)


@dataclasses.dataclass(frozen=True)
class RenameSection(_PlainEdit):
    course_id: uuid.UUID
    section_id: uuid.UUID
    title: str

    def apply(self, course: Course, now: dt.datetime) -> None:
        course.rename_section(self.section_id, self.title, now)


@dataclasses.dataclass(frozen=True)
class RemoveSection(_PlainEdit):
    course_id: uuid.UUID
    section_id: uuid.UUID

    def apply(self, course: Course, now: dt.datetime) -> None:
        course.remove_section(self.section_id, now)


@dataclasses.dataclass(frozen=True)
class ReorderSections(_PlainEdit):
    course_id: uuid.UUID
    section_ids: tuple[uuid.UUID, ...]

    def apply(self, course: Course, now: dt.datetime) -> None:
        course.reorder_sections(list(self.section_ids), now)


def _quiz(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    # A draft quiz may still be empty; it must be complete only at submission (the aggregate
    # checks that). Round-tripping stores the normalised form and rejects malformed input now.
    return None if raw is None else quizzes.QuizDraft.from_dict(raw).to_dict()


@dataclasses.dataclass(frozen=True)
class AddLesson:
    course_id: uuid.UUID
    section_id: uuid.UUID
    title: str
    kind: str
    free_preview: bool = False
    drip_days: int | None = None
    media_key: str | None = None
    article_html: str = ""
    quiz: dict[str, Any] | None = None
    assignment: dict[str, Any] | None = None

    def sanitised(self, clean: Callable[[str], str]) -> AddLesson:
        return dataclasses.replace(self, article_html=clean(self.article_html)) if self.article_html else self

    def apply(self, course: Course, now: dt.datetime) -> None:
        content = _given(self, skip=("course_id", "section_id", "title", "kind"))
        content["quiz"] = _quiz(self.quiz)
        course.add_lesson(self.section_id, self.title, self.kind, now, **content)


@dataclasses.dataclass(frozen=True)
class UpdateLesson:
    course_id: uuid.UUID
    lesson_id: uuid.UUID
    title: str | Unset = UNSET
    free_preview: bool | Unset = UNSET
    drip_days: int | Unset | None = UNSET
    media_key: str | Unset | None = UNSET
    article_html: str | Unset = UNSET
    quiz: dict[str, Any] | Unset | None = UNSET
    assignment: dict[str, Any] | Unset | None = UNSET

    def sanitised(self, clean: Callable[[str], str]) -> UpdateLesson:
        if isinstance(self.article_html, str):
            return dataclasses.replace(self, article_html=clean(self.article_html))
        return self

    def apply(self, course: Course, now: dt.datetime) -> None:
        changes = _given(self, skip=("course_id", "lesson_id"))
        if not isinstance(self.quiz, Unset):
            changes["quiz"] = _quiz(self.quiz)
        course.update_lesson(self.lesson_id, now, **changes)


@dataclasses.dataclass(frozen=True)
class RemoveLesson(_PlainEdit):
    course_id: uuid.UUID
    lesson_id: uuid.UUID

    def apply(self, course: Course, now: dt.datetime) -> None:
        course.remove_lesson(self.lesson_id, now)


@dataclasses.dataclass(frozen=True)
class MoveLesson(_PlainEdit):
    course_id: uuid.UUID
    lesson_id: uuid.UUID
    section_id: uuid.UUID
    position: int

    def apply(self, course: Course, now: dt.datetime) -> None:
        course.move_lesson(self.lesson_id, self.section_id, self.position, now)


class EditCourse:
    """Applies one edit to the draft. The published revision and the catalog entry do not
    change: learners see an edit only after the next approval."""

    def __init__(self, uow: UowFactory, clock: Clock, sanitizer: HtmlSanitizer) -> None:
        self._uow, self._clock, self._sanitizer = uow, clock, sanitizer

    async def __call__(self, principal: Principal, command: CourseEdit) -> Course:
        principal.require(Permission.COURSES_AUTHOR)
        # Sanitise before opening the transaction: it is CPU work and needs no data.
        command = command.sanitised(self._sanitizer.clean)
        async with self._uow() as uow:
            course = await load_course(uow.courses, command.course_id)
            course.ensure_editable_by(principal.user_id, is_admin=is_admin(principal))
            if isinstance(command, UpdateDetails) and isinstance(command.category_id, uuid.UUID):
                await ensure_category(uow, command.category_id)
            command.apply(course, self._clock.now())
            await uow.commit()
        return course
