"""The course: metadata, the content tree, the publishing workflow and its revisions.

The working copy (the draft) is what instructors edit. Approval freezes it into an immutable
revision that learners see; editing afterwards changes only the draft, so the published
revision stays exactly as approved until the next approval.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import enum
import uuid
from typing import Any

from core.catalog.domain import course_events as events
from core.catalog.domain import quizzes
from core.shared.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.shared.events import AggregateRoot
from core.shared.ids import new_id
from core.shared.money import Money
from core.shared.text import clean_name, slugify

TITLE_MAX = 120
SUBTITLE_MAX = 200
TAG_MAX, TAGS_MAX = 40, 20
OBJECTIVES_MAX = 30
SECTIONS_MAX, LESSONS_MAX = 100, 500
LANGUAGES = ("en", "ru", "he")


class CourseStatus(enum.StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class Difficulty(enum.StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class LessonKind(enum.StrEnum):
    VIDEO = "video"
    DOCUMENT = "document"
    ARTICLE = "article"
    QUIZ = "quiz"
    ASSIGNMENT = "assignment"


# The workflow as data: (from, action) -> to. Anything else is refused.
TRANSITIONS: dict[tuple[CourseStatus, str], CourseStatus] = {
    (CourseStatus.DRAFT, "submit"): CourseStatus.IN_REVIEW,
    (CourseStatus.PUBLISHED, "submit"): CourseStatus.IN_REVIEW,  # a new revision of a live course
    (CourseStatus.IN_REVIEW, "approve"): CourseStatus.PUBLISHED,
    (CourseStatus.IN_REVIEW, "reject"): CourseStatus.DRAFT,
    (CourseStatus.PUBLISHED, "archive"): CourseStatus.ARCHIVED,
    (CourseStatus.DRAFT, "archive"): CourseStatus.ARCHIVED,
    (CourseStatus.ARCHIVED, "unarchive"): CourseStatus.DRAFT,
}


@dataclasses.dataclass
class Lesson:
    id: uuid.UUID
    title: str
    kind: str
    free_preview: bool = False
    drip_days: int | None = None
    media_key: str | None = None
    article_html: str = ""
    quiz: dict[str, Any] | None = None
    assignment: dict[str, Any] | None = None


@dataclasses.dataclass
class Section:
    id: uuid.UUID
    title: str
    lessons: list[Lesson] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Objective:
    """A learning objective, reached when its linked lessons are done (milestones)."""

    id: uuid.UUID
    text: str
    lesson_ids: list[uuid.UUID] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(eq=False)
class Course(AggregateRoot):
    id: uuid.UUID
    slug: str
    title: str
    owner_id: uuid.UUID
    created_at: dt.datetime
    updated_at: dt.datetime
    subtitle: str = ""
    description_html: str = ""
    language: str = "en"
    difficulty: str = Difficulty.BEGINNER.value
    duration_minutes: int = 0
    price: Money | None = None  # None: free
    price_overrides: dict[str, int] = dataclasses.field(default_factory=dict)
    category_id: uuid.UUID | None = None
    tags: list[str] = dataclasses.field(default_factory=list)
    objectives: list[Objective] = dataclasses.field(default_factory=list)
    prerequisite_ids: list[uuid.UUID] = dataclasses.field(default_factory=list)
    cover_key: str | None = None
    co_instructor_ids: list[uuid.UUID] = dataclasses.field(default_factory=list)
    capacity: int | None = None
    sections: list[Section] = dataclasses.field(default_factory=list)
    status: str = CourseStatus.DRAFT.value
    review_note: str = ""
    live_revision: int | None = None
    revision_count: int = 0
    version: int = 1

    # -- creation -----------------------------------------------------------------------------

    @classmethod
    def create(
        cls, *, title: str, owner_id: uuid.UUID, now: dt.datetime, slug: str | None = None, language: str = "en"
    ) -> Course:
        clean = _title(title)
        course = cls(
            id=new_id(),
            slug=_slug(slug or clean),
            title=clean,
            owner_id=owner_id,
            created_at=now,
            updated_at=now,
            language=_language(language),
        )
        course.record(events.CourseCreated(course.id, owner_id))
        return course

    def clone(self, *, owner_id: uuid.UUID, now: dt.datetime, slug: str, title: str | None = None) -> Course:
        """A new draft with this course's content and settings, owned by ``owner_id``: no
        learners, no revisions, fresh ids throughout (nothing is shared with the original)."""
        snapshot = self.snapshot()
        twin = Course.create(
            title=title or f"{self.title} (copy)", owner_id=owner_id, now=now, slug=slug, language=self.language
        )
        twin._apply(snapshot, keep=("title", "slug"), fresh_ids=True)
        twin.record(events.CourseCloned(twin.id, self.id, owner_id))
        return twin

    # -- who may do what ------------------------------------------------------------------------

    def is_instructor(self, user_id: uuid.UUID) -> bool:
        return user_id == self.owner_id or user_id in self.co_instructor_ids

    def ensure_editable_by(self, user_id: uuid.UUID, *, is_admin: bool) -> None:
        if not (is_admin or self.is_instructor(user_id)):
            # Someone else's draft is invisible, not merely forbidden.
            raise NotFound("course.not_found", "course not found", {"course_id": str(self.id)})
        if self.status == CourseStatus.IN_REVIEW:
            raise Conflict("course.in_review", "the course is in review; wait for the decision or withdraw it")
        if self.status == CourseStatus.ARCHIVED:
            raise Conflict("course.archived", "unarchive the course before editing it")

    # -- details ----------------------------------------------------------------------------------

    def update_details(self, now: dt.datetime, **changes: Any) -> list[str]:
        changed = []
        for field, value in changes.items():
            clean = _DETAIL_RULES[field](value)
            if field == "prerequisite_ids" and self.id in clean:
                raise InvalidInput("course.self_prerequisite", "a course cannot require itself")
            if getattr(self, field) != clean:
                setattr(self, field, clean)
                changed.append(field)
        if changed:
            self._touch(now, *changed)
        return changed

    def set_price(self, price: Money | None, overrides: dict[str, int] | None, now: dt.datetime) -> None:
        overrides = dict(overrides or {})
        for currency, amount in overrides.items():
            Money(amount, currency)  # validates
        if price is not None and price.currency in overrides:
            raise InvalidInput("course.price_override", "an override repeats the base currency")
        self.price, self.price_overrides = price, overrides
        self._touch(now, "price")

    def set_objectives(self, texts_and_lessons: list[tuple[str, list[uuid.UUID]]], now: dt.datetime) -> None:
        if len(texts_and_lessons) > OBJECTIVES_MAX:
            raise InvalidInput("course.too_many_objectives", f"at most {OBJECTIVES_MAX} objectives")
        lessons = {lesson.id for lesson in self.lessons()}
        objectives = []
        for text, lesson_ids in texts_and_lessons:
            unknown = [str(i) for i in lesson_ids if i not in lessons]
            if unknown:
                raise InvalidInput(
                    "course.objective_lessons", "objectives link lessons of this course", {"unknown": unknown}
                )
            objectives.append(
                Objective(
                    new_id(),
                    clean_name(text, field="objective", max_length=300, code_prefix="course"),
                    list(lesson_ids),
                )
            )
        self.objectives = objectives
        self._touch(now, "objectives")

    def set_co_instructors(self, user_ids: list[uuid.UUID], now: dt.datetime) -> None:
        self.co_instructor_ids = [u for u in dict.fromkeys(user_ids) if u != self.owner_id]
        self._touch(now, "co_instructors")

    # -- content tree -------------------------------------------------------------------------------

    def lessons(self) -> list[Lesson]:
        return [lesson for section in self.sections for lesson in section.lessons]

    def add_section(self, title: str, now: dt.datetime) -> Section:
        if len(self.sections) >= SECTIONS_MAX:
            raise InvalidInput("course.too_many_sections", f"at most {SECTIONS_MAX} sections")
        section = Section(new_id(), _title(title, field="section"))
        self.sections.append(section)
        self._touch(now, "content")
        return section

    def rename_section(self, section_id: uuid.UUID, title: str, now: dt.datetime) -> None:
        self._section(section_id).title = _title(title, field="section")
        self._touch(now, "content")

    def remove_section(self, section_id: uuid.UUID, now: dt.datetime) -> None:
        section = self._section(section_id)
        gone = {lesson.id for lesson in section.lessons}
        self.sections.remove(section)
        self._unlink_objectives(gone)
        self._touch(now, "content")

    def reorder_sections(self, ordered_ids: list[uuid.UUID], now: dt.datetime) -> None:
        if sorted(ordered_ids) != sorted(s.id for s in self.sections):
            raise InvalidInput("course.reorder", "give every section id exactly once")
        by_id = {s.id: s for s in self.sections}
        self.sections = [by_id[i] for i in ordered_ids]
        self._touch(now, "content")

    def add_lesson(self, section_id: uuid.UUID, title: str, kind: str, now: dt.datetime, **content: Any) -> Lesson:
        if len(self.lessons()) >= LESSONS_MAX:
            raise InvalidInput("course.too_many_lessons", f"at most {LESSONS_MAX} lessons")
        lesson = Lesson(new_id(), _title(title, field="lesson"), _kind(kind))
        _apply_lesson_content(lesson, content)
        self._section(section_id).lessons.append(lesson)
        self._touch(now, "content")
        return lesson

    def update_lesson(self, lesson_id: uuid.UUID, now: dt.datetime, **changes: Any) -> Lesson:
        lesson = self._lesson(lesson_id)
        if "title" in changes:
            lesson.title = _title(changes.pop("title"), field="lesson")
        _apply_lesson_content(lesson, changes)
        self._touch(now, "content")
        return lesson

    def remove_lesson(self, lesson_id: uuid.UUID, now: dt.datetime) -> None:
        for section in self.sections:
            section.lessons = [lesson for lesson in section.lessons if lesson.id != lesson_id]
        self._unlink_objectives({lesson_id})
        self._touch(now, "content")

    def move_lesson(self, lesson_id: uuid.UUID, section_id: uuid.UUID, position: int, now: dt.datetime) -> None:
        lesson = self._lesson(lesson_id)
        target = self._section(section_id)
        for section in self.sections:
            if lesson in section.lessons:
                section.lessons.remove(lesson)
        target.lessons.insert(max(0, min(position, len(target.lessons))), lesson)
        self._touch(now, "content")

    # -- workflow ----------------------------------------------------------------------------------

    def submit_for_review(self, now: dt.datetime) -> None:
        if not self.lessons():
            raise InvalidInput("course.empty", "add at least one lesson before submitting")
        for lesson in self.lessons():
            if lesson.kind == LessonKind.QUIZ:
                if lesson.quiz is None:
                    raise InvalidInput("course.quiz_missing", f"quiz lesson {lesson.title!r} has no questions")
                quizzes.from_dict(lesson.quiz)  # a quiz that cannot be taken never reaches review
        self._transition("submit", now)
        self.review_note = ""

    def approve(self, *, reviewer_id: uuid.UUID, now: dt.datetime) -> dict[str, Any]:
        """Publish: returns the snapshot to store as the new immutable revision."""
        self._transition("approve", now)
        self.revision_count += 1
        self.live_revision = self.revision_count
        self.record(events.CoursePublished(self.id, self.revision_count, reviewer_id))
        return self.snapshot()

    def reject(self, *, reviewer_id: uuid.UUID, reason: str, now: dt.datetime) -> None:
        if not reason.strip():
            raise InvalidInput("course.reject_reason", "say why the course is rejected")
        self._transition("reject", now)
        self.review_note = reason.strip()[:2000]
        self.record(events.CourseRejected(self.id, reviewer_id, self.review_note))

    def archive(self, now: dt.datetime) -> None:
        self._transition("archive", now)
        self.record(events.CourseArchived(self.id))

    def unarchive(self, now: dt.datetime) -> None:
        self._transition("unarchive", now)
        self.live_revision = None  # it comes back as a draft; publishing needs a new review

    def restore(self, snapshot: dict[str, Any], *, revision: int, now: dt.datetime) -> None:
        """Rollback: the draft becomes exactly the given revision's content (a new draft, to be
        reviewed like any other; the live revision is untouched until then)."""
        if self.status in (CourseStatus.IN_REVIEW, CourseStatus.ARCHIVED):
            raise Conflict("course.rollback_state", "roll back a draft or a published course")
        self._apply(snapshot, keep=("slug",))
        self._touch(now, "rollback")
        self.record(events.CourseRolledBack(self.id, revision))

    # -- snapshots ---------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Everything a revision freezes, as JSON-safe data."""
        return {
            "title": self.title,
            "slug": self.slug,
            "subtitle": self.subtitle,
            "description_html": self.description_html,
            "language": self.language,
            "difficulty": self.difficulty,
            "duration_minutes": self.duration_minutes,
            "price": self.price.to_dict() if self.price else None,
            "price_overrides": dict(self.price_overrides),
            "category_id": _s(self.category_id),
            "tags": list(self.tags),
            "prerequisite_ids": [str(i) for i in self.prerequisite_ids],
            "cover_key": self.cover_key,
            "capacity": self.capacity,
            "objectives": [
                {"id": str(o.id), "text": o.text, "lesson_ids": [str(i) for i in o.lesson_ids]} for o in self.objectives
            ],
            "sections": [
                {
                    "id": str(s.id),
                    "title": s.title,
                    "lessons": [{**dataclasses.asdict(lesson), "id": str(lesson.id)} for lesson in s.lessons],
                }
                for s in self.sections
            ],
        }

    def _apply(self, snapshot: dict[str, Any], *, keep: tuple[str, ...] = (), fresh_ids: bool = False) -> None:
        data = copy.deepcopy(snapshot)
        ids: dict[str, uuid.UUID] = {}

        def ident(raw: str) -> uuid.UUID:
            return ids.setdefault(raw, new_id() if fresh_ids else uuid.UUID(raw))

        for field in (
            "title",
            "slug",
            "subtitle",
            "description_html",
            "language",
            "difficulty",
            "duration_minutes",
            "cover_key",
            "capacity",
        ):
            if field not in keep:
                setattr(self, field, data[field])
        self.price = Money.from_dict(data["price"]) if data["price"] else None
        self.price_overrides = dict(data["price_overrides"])
        self.category_id = uuid.UUID(data["category_id"]) if data["category_id"] else None
        self.tags = list(data["tags"])
        self.prerequisite_ids = [uuid.UUID(i) for i in data["prerequisite_ids"]]
        self.sections = [
            Section(
                ident(s["id"]), s["title"], [Lesson(**{**lesson, "id": ident(lesson["id"])}) for lesson in s["lessons"]]
            )
            for s in data["sections"]
        ]
        self.objectives = [
            Objective(ident(o["id"]), o["text"], [ident(i) for i in o["lesson_ids"]]) for o in data["objectives"]
        ]

    # -- helpers -----------------------------------------------------------------------------------

    def _transition(self, action: str, now: dt.datetime) -> None:
        current = CourseStatus(self.status)
        target = TRANSITIONS.get((current, action))
        if target is None:
            raise Conflict(
                "course.invalid_transition",
                f"cannot {action} a course that is {current.value}",
                {"status": current.value, "action": action},
            )
        self.status = target.value
        self.updated_at = now
        self.record(events.CourseStatusChanged(self.id, current.value, target.value, action))

    def _touch(self, now: dt.datetime, *what: str) -> None:
        self.updated_at = now
        self.record(events.CourseEdited(self.id, tuple(what)))

    def _section(self, section_id: uuid.UUID) -> Section:
        for section in self.sections:
            if section.id == section_id:
                return section
        raise NotFound("course.section_not_found", "no such section", {"section_id": str(section_id)})

    def _lesson(self, lesson_id: uuid.UUID) -> Lesson:
        for lesson in self.lessons():
            if lesson.id == lesson_id:
                return lesson
        raise NotFound("course.lesson_not_found", "no such lesson", {"lesson_id": str(lesson_id)})

    def _unlink_objectives(self, lesson_ids: set[uuid.UUID]) -> None:
        for objective in self.objectives:
            objective.lesson_ids = [i for i in objective.lesson_ids if i not in lesson_ids]


def ensure_instructor_or_admin(is_instructor: bool, is_admin: bool) -> None:
    if not (is_instructor or is_admin):
        raise PermissionDenied("course.forbidden", "only instructors create courses")


def _s(value: uuid.UUID | None) -> str | None:
    return str(value) if value else None


def _title(value: object, *, field: str = "title") -> str:
    return clean_name(str(value), field=field, max_length=TITLE_MAX, code_prefix="course")


def _slug(value: str) -> str:
    slug = slugify(value)[:96].strip("-")
    if not slug:
        raise InvalidInput("course.slug_invalid", "slug must contain letters or digits")
    return slug


def _language(value: object) -> str:
    if value not in LANGUAGES:
        raise InvalidInput("course.language", f"language is one of {', '.join(LANGUAGES)}")
    return str(value)


def _kind(value: object) -> str:
    try:
        return LessonKind(str(value)).value
    except ValueError:
        raise InvalidInput("course.lesson_kind", f"lesson kind is one of {', '.join(LessonKind)}") from None


def _apply_lesson_content(lesson: Lesson, content: dict[str, Any]) -> None:
    allowed = {"free_preview", "drip_days", "media_key", "article_html", "quiz", "assignment"}
    unknown = set(content) - allowed
    if unknown:
        raise InvalidInput("course.lesson_fields", f"unknown lesson fields: {', '.join(sorted(unknown))}")
    if "drip_days" in content and content["drip_days"] is not None and not 0 <= int(content["drip_days"]) <= 3650:
        raise InvalidInput("course.drip_days", "drip is 0 to 3650 days after enrolment")
    if "quiz" in content and content["quiz"] is not None and lesson.kind != LessonKind.QUIZ:
        raise InvalidInput("course.lesson_quiz", "only quiz lessons hold a quiz")
    if "media_key" in content and content["media_key"] and lesson.kind not in (LessonKind.VIDEO, LessonKind.DOCUMENT):
        raise InvalidInput("course.lesson_media", "only video and document lessons reference media")
    for key, value in content.items():
        # Own copies: a caller mutating its dict later must not change the course.
        setattr(lesson, key, copy.deepcopy(value))


def _tags(value: object) -> list[str]:
    tags = [slugify(str(t))[:TAG_MAX] for t in _items(value)]
    tags = [t for t in dict.fromkeys(tags) if t]
    if len(tags) > TAGS_MAX:
        raise InvalidInput("course.too_many_tags", f"at most {TAGS_MAX} tags")
    return tags


def _items(value: object) -> list[object]:
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise InvalidInput("course.invalid_list", "expected a list")
    return list(value)


def _subtitle(value: object) -> str:
    text = " ".join(str(value).split())
    if len(text) > SUBTITLE_MAX:
        raise InvalidInput("course.subtitle_too_long", f"subtitle is at most {SUBTITLE_MAX} characters")
    return text


def _difficulty(value: object) -> str:
    try:
        return Difficulty(str(value)).value
    except ValueError:
        raise InvalidInput("course.difficulty", "difficulty is beginner, intermediate or advanced") from None


def _non_negative(limit: int, code: str) -> Any:
    def check(value: object) -> int | None:
        if value is None and code == "course.capacity":
            return None
        number = int(str(value))
        if not 0 <= number <= limit:
            raise InvalidInput(code, f"must be between 0 and {limit}")
        return number

    return check


def _uuid_or_none(value: object) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(str(value))


def _uuid_list(value: object) -> list[uuid.UUID]:
    return [uuid.UUID(str(v)) for v in dict.fromkeys(_items(value))]


_DETAIL_RULES: dict[str, Any] = {
    "title": _title,
    "subtitle": _subtitle,
    "description_html": str,  # sanitised by the use case (HtmlSanitizer port) before it gets here
    "language": _language,
    "difficulty": _difficulty,
    "duration_minutes": _non_negative(100_000, "course.duration"),
    "category_id": _uuid_or_none,
    "tags": _tags,
    "prerequisite_ids": _uuid_list,
    "cover_key": lambda v: None if v is None else str(v),
    "capacity": _non_negative(1_000_000, "course.capacity"),
}

__all__ = ["Course", "CourseStatus", "Difficulty", "Lesson", "LessonKind", "Objective", "Section"]
