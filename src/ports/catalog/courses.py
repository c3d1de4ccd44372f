"""What the course use cases need from storage: the authoring side (aggregates, revisions,
invitations) and the public read side (the catalog projection of published revisions)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any, Literal, Protocol

from core.catalog.domain.course import Course

CatalogSort = Literal["newest", "popular", "price_asc", "price_desc", "title"]
CATALOG_SORTS: tuple[str, ...] = ("newest", "popular", "price_asc", "price_desc", "title")


@dataclasses.dataclass(frozen=True)
class CourseRevision:
    """An immutable published revision: the whole content tree and quizzes as JSON data
    (``Course.snapshot()``). Revision numbers start at 1 per course."""

    course_id: uuid.UUID
    number: int
    snapshot: dict[str, Any]
    approved_by: uuid.UUID
    approved_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class RevisionSummary:
    number: int
    title: str
    approved_by: uuid.UUID
    approved_at: dt.datetime
    lesson_count: int


@dataclasses.dataclass(frozen=True)
class Invitation:
    """A co-instructor invitation; only the token's hash is stored."""

    id: uuid.UUID
    course_id: uuid.UUID
    email: str
    token_hash: str
    invited_by: uuid.UUID
    created_at: dt.datetime
    expires_at: dt.datetime
    accepted_by: uuid.UUID | None = None
    accepted_at: dt.datetime | None = None


@dataclasses.dataclass(frozen=True)
class CourseSummary:
    """A row of "my courses" and of the admin course list."""

    id: uuid.UUID
    slug: str
    title: str
    status: str
    owner_id: uuid.UUID
    live_revision: int | None
    revision_count: int
    section_count: int
    lesson_count: int
    updated_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class CoursePage:
    items: list[CourseSummary]
    next_cursor: uuid.UUID | None


@dataclasses.dataclass(frozen=True)
class SyllabusLesson:
    id: uuid.UUID
    title: str
    kind: str
    free_preview: bool
    drip_days: int | None


@dataclasses.dataclass(frozen=True)
class SyllabusSection:
    id: uuid.UUID
    title: str
    lessons: tuple[SyllabusLesson, ...]


@dataclasses.dataclass(frozen=True)
class CatalogEntry:
    """The public face of a published course: built from its live revision's snapshot (never
    from the draft), written in the same transaction as the approval, removed on archive."""

    course_id: uuid.UUID
    slug: str
    revision: int
    title: str
    subtitle: str
    description_html: str
    language: str
    difficulty: str
    duration_minutes: int
    price_amount: int  # minor units; 0 when free
    price_currency: str  # ISO 4217; "USD" for free courses
    price_overrides: dict[str, int]
    category_id: uuid.UUID | None
    tags: tuple[str, ...]
    cover_key: str | None
    owner_id: uuid.UUID
    instructor_ids: tuple[uuid.UUID, ...]  # owner first
    prerequisite_ids: tuple[uuid.UUID, ...]
    objectives: tuple[str, ...]
    capacity: int | None
    syllabus: tuple[SyllabusSection, ...]
    lesson_count: int
    published_at: dt.datetime  # first publication; kept across later revisions
    updated_at: dt.datetime  # this revision's approval
    views: int = 0


@dataclasses.dataclass(frozen=True)
class CatalogQuery:
    """Filters are ANDed. ``category_ids`` already includes descendants (the use case expands
    the tree). Price bounds are minor units in ``currency`` and apply to base prices in that
    currency only. ``cursor`` is the opaque value a previous page returned."""

    category_ids: tuple[uuid.UUID, ...] = ()
    difficulty: str | None = None
    language: str | None = None
    currency: str | None = None
    price_min: int | None = None
    price_max: int | None = None
    free: bool | None = None
    duration_min: int | None = None
    duration_max: int | None = None
    instructor_id: uuid.UUID | None = None
    sort: CatalogSort = "newest"
    cursor: str | None = None
    limit: int = 20


@dataclasses.dataclass(frozen=True)
class CatalogPage:
    items: list[CatalogEntry]
    next_cursor: str | None


class CourseRepository(Protocol):
    """Aggregates loaded here are tracked: the unit of work writes every changed one on commit
    (optimistic concurrency on ``Course.version``: a lost race raises ``Conflict``)."""

    async def add(self, course: Course) -> None: ...

    async def get(self, course_id: uuid.UUID) -> Course | None: ...

    async def get_by_slug(self, slug: str) -> Course | None: ...

    async def slug_taken(self, slug: str) -> bool: ...

    async def list_summaries(
        self,
        *,
        instructor_id: uuid.UUID | None = None,
        statuses: tuple[str, ...] = (),
        after: uuid.UUID | None = None,
        limit: int = 20,
    ) -> CoursePage:
        """Ordered by id; ``instructor_id`` limits to courses that user owns or co-teaches."""
        ...

    async def add_revision(self, revision: CourseRevision) -> None: ...

    async def get_revision(self, course_id: uuid.UUID, number: int) -> CourseRevision | None: ...

    async def list_revisions(self, course_id: uuid.UUID) -> list[RevisionSummary]:
        """Newest first."""
        ...

    async def put_catalog_entry(self, entry: CatalogEntry) -> None:
        """Insert or replace the course's public entry (views are kept on replace)."""
        ...

    async def remove_catalog_entry(self, course_id: uuid.UUID) -> None: ...

    async def add_invitation(self, invitation: Invitation) -> None: ...

    async def invitation_by_token_hash(self, token_hash: str) -> Invitation | None: ...

    async def mark_invitation_accepted(self, invitation_id: uuid.UUID, user_id: uuid.UUID, at: dt.datetime) -> bool:
        """False when it was already accepted (single use, race-safe)."""
        ...

    async def add_views(self, counts: dict[uuid.UUID, int]) -> None:
        """Add view counts (flushed from the cache) to catalog entries; unknown ids ignored."""
        ...


class CatalogReader(Protocol):
    """The hot read side: one query per page, no aggregates."""

    async def list_courses(self, query: CatalogQuery) -> CatalogPage:
        """Cards: entries without the page-only parts (``description_html`` is empty and
        ``syllabus``, ``objectives``, ``prerequisite_ids`` are empty tuples); ``get_entry``
        and ``entries`` return whole entries."""
        ...

    async def get_entry(self, course_id: uuid.UUID) -> CatalogEntry | None: ...

    async def get_entry_by_slug(self, slug: str) -> CatalogEntry | None: ...

    async def entries(self, *, after: uuid.UUID | None, limit: int) -> list[CatalogEntry]:
        """Every entry ordered by course id, in pages (search reindex)."""
        ...

    async def count(self) -> int: ...
