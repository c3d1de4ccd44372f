"""In-memory fakes of the course ports, for unit tests of the course use cases only.

``CourseStore`` is what the database would hold. A unit of work works on deep copies of it and
writes them back on commit, so an uncommitted change vanishes as it would after a rollback,
and a loaded course is never the object another unit of work holds.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import re
import uuid
from types import TracebackType
from typing import Self

from core.catalog.application.catalog_queries import CatalogCache
from core.catalog.domain.course import Course
from core.identity.application.auditing import Auditor
from core.identity.application.context import Principal
from core.identity.domain.roles import Role
from core.shared.errors import Conflict
from core.shared.events import DomainEvent
from ports.catalog.courses import (
    CatalogEntry,
    CatalogPage,
    CatalogQuery,
    CoursePage,
    CourseRepository,
    CourseRevision,
    CourseSummary,
    Invitation,
    RevisionSummary,
)
from ports.catalog.repositories import CategoryRepository
from tests.fakes.catalog import FakeCategoryRepository, FakeClock
from tests.fakes.identity_oauth import FakeAuditLog


@dataclasses.dataclass
class CourseStore:
    courses: dict[uuid.UUID, Course] = dataclasses.field(default_factory=dict)
    revisions: dict[tuple[uuid.UUID, int], CourseRevision] = dataclasses.field(default_factory=dict)
    entries: dict[uuid.UUID, CatalogEntry] = dataclasses.field(default_factory=dict)
    invitations: dict[uuid.UUID, Invitation] = dataclasses.field(default_factory=dict)
    events: list[DomainEvent] = dataclasses.field(default_factory=list)

    def copy(self) -> CourseStore:
        return CourseStore(
            copy.deepcopy(self.courses), dict(self.revisions), dict(self.entries), dict(self.invitations), []
        )


class FakeCourseRepository:
    def __init__(self, data: CourseStore) -> None:
        self.data = data
        self.seen: dict[uuid.UUID, Course] = {}
        self.loaded_versions: dict[uuid.UUID, int] = {}

    def _saw(self, course: Course | None) -> Course | None:
        if course is not None:
            self.seen[course.id] = course
            self.loaded_versions.setdefault(course.id, course.version)
        return course

    async def add(self, course: Course) -> None:
        self.data.courses[course.id] = course
        self.seen[course.id] = course

    async def get(self, course_id: uuid.UUID) -> Course | None:
        return self._saw(self.data.courses.get(course_id))

    async def get_by_slug(self, slug: str) -> Course | None:
        return self._saw(next((c for c in self.data.courses.values() if c.slug == slug), None))

    async def slug_taken(self, slug: str) -> bool:
        return any(c.slug == slug for c in self.data.courses.values())

    async def list_summaries(
        self,
        *,
        instructor_id: uuid.UUID | None = None,
        statuses: tuple[str, ...] = (),
        after: uuid.UUID | None = None,
        limit: int = 20,
    ) -> CoursePage:
        rows = sorted(
            (
                c
                for c in self.data.courses.values()
                if (instructor_id is None or c.is_instructor(instructor_id))
                and (not statuses or c.status in statuses)
                and (after is None or c.id > after)
            ),
            key=lambda c: c.id,
        )
        items = [
            CourseSummary(
                c.id,
                c.slug,
                c.title,
                c.status,
                c.owner_id,
                c.live_revision,
                c.revision_count,
                len(c.sections),
                len(c.lessons()),
                c.updated_at,
            )
            for c in rows[:limit]
        ]
        return CoursePage(items, items[-1].id if len(rows) > limit else None)

    async def add_revision(self, revision: CourseRevision) -> None:
        key = (revision.course_id, revision.number)
        if key in self.data.revisions:
            raise Conflict("course.revision_exists", "revision exists")
        self.data.revisions[key] = copy.deepcopy(revision)

    async def get_revision(self, course_id: uuid.UUID, number: int) -> CourseRevision | None:
        revision = self.data.revisions.get((course_id, number))
        return copy.deepcopy(revision)

    async def list_revisions(self, course_id: uuid.UUID) -> list[RevisionSummary]:
        found = sorted((r for (cid, _), r in self.data.revisions.items() if cid == course_id), key=lambda r: -r.number)
        return [
            RevisionSummary(
                r.number,
                r.snapshot["title"],
                r.approved_by,
                r.approved_at,
                sum(len(s["lessons"]) for s in r.snapshot["sections"]),
            )
            for r in found
        ]

    async def put_catalog_entry(self, entry: CatalogEntry) -> None:
        old = self.data.entries.get(entry.course_id)
        self.data.entries[entry.course_id] = dataclasses.replace(entry, views=old.views if old else entry.views)

    async def remove_catalog_entry(self, course_id: uuid.UUID) -> None:
        self.data.entries.pop(course_id, None)

    async def add_invitation(self, invitation: Invitation) -> None:
        self.data.invitations[invitation.id] = invitation

    async def invitation_by_token_hash(self, token_hash: str) -> Invitation | None:
        return next((i for i in self.data.invitations.values() if i.token_hash == token_hash), None)

    async def mark_invitation_accepted(self, invitation_id: uuid.UUID, user_id: uuid.UUID, at: dt.datetime) -> bool:
        invitation = self.data.invitations.get(invitation_id)
        if invitation is None or invitation.accepted_by is not None:
            return False
        self.data.invitations[invitation_id] = dataclasses.replace(invitation, accepted_by=user_id, accepted_at=at)
        return True

    async def add_views(self, counts: dict[uuid.UUID, int]) -> None:
        for course_id, count in counts.items():
            entry = self.data.entries.get(course_id)
            if entry is not None:
                self.data.entries[course_id] = dataclasses.replace(entry, views=entry.views + count)


class FakeCatalogUnitOfWork:
    """``courses`` see a private copy of the store until commit; ``categories`` are shared
    (the course use cases only read them). Events of seen courses and published events land in
    ``store.events`` on commit. A course changed by someone else since it was loaded raises
    ``Conflict`` on commit, like the version column does."""

    # Declared as the port types (protocol attributes are invariant); ``_work`` is the same
    # repository, typed as the fake, for commit's bookkeeping.
    categories: CategoryRepository
    courses: CourseRepository
    _loose: list[DomainEvent]

    def __init__(self, store: CourseStore | None = None) -> None:
        self.store = store or CourseStore()
        self.categories = FakeCategoryRepository()
        self._fresh()
        self.commits = 0
        self.fail_commit: Exception | None = None

    def __call__(self) -> FakeCatalogUnitOfWork:
        return self

    async def __aenter__(self) -> Self:
        self._fresh()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._fresh()  # whatever was not committed is gone

    def publish(self, event: DomainEvent) -> None:
        self._loose.append(event)

    async def commit(self) -> None:
        if self.fail_commit is not None:
            raise self.fail_commit
        work = self._work.data
        for course_id, version in self._work.loaded_versions.items():
            current = self.store.courses.get(course_id)
            if current is not None and current.version != version:
                raise Conflict("course.concurrent_edit", "the course changed meanwhile")
        for course in self._work.seen.values():
            events = course.pull_events()
            if events and course.id in self._work.loaded_versions:
                course.version += 1
            self.store.events.extend(events)
            self.store.courses[course.id] = copy.deepcopy(course)
        self.store.events.extend(self._loose)
        self.store.revisions, self.store.entries, self.store.invitations = (
            work.revisions,
            work.entries,
            work.invitations,
        )
        self._fresh()
        self.commits += 1

    async def rollback(self) -> None:
        self._fresh()

    def _fresh(self) -> None:
        self._work = FakeCourseRepository(self.store.copy())
        self.courses = self._work
        self._loose = []


class FakeCatalogReader:
    """The read side over the committed catalog entries."""

    def __init__(self, store: CourseStore) -> None:
        self.store = store

    async def list_courses(self, query: CatalogQuery) -> CatalogPage:
        rows = [e for e in self.store.entries.values() if _matches(e, query)]
        sorts = {
            "newest": lambda e: (-e.published_at.timestamp(), e.course_id),
            "popular": lambda e: (-e.views, e.course_id),
            "price_asc": lambda e: (e.price_amount, e.course_id),
            "price_desc": lambda e: (-e.price_amount, e.course_id),
            "title": lambda e: (e.title.casefold(), e.course_id),
        }
        rows.sort(key=sorts[query.sort])
        start = int(query.cursor or 0)
        page = [
            dataclasses.replace(e, description_html="", syllabus=(), objectives=(), prerequisite_ids=())
            for e in rows[start : start + query.limit]
        ]  # cards, as the port promises
        more = start + query.limit < len(rows)
        return CatalogPage(page, str(start + query.limit) if more else None)

    async def get_entry(self, course_id: uuid.UUID) -> CatalogEntry | None:
        return self.store.entries.get(course_id)

    async def get_entry_by_slug(self, slug: str) -> CatalogEntry | None:
        return next((e for e in self.store.entries.values() if e.slug == slug), None)

    async def entries(self, *, after: uuid.UUID | None, limit: int) -> list[CatalogEntry]:
        rows = sorted(self.store.entries.values(), key=lambda e: e.course_id)
        return [e for e in rows if after is None or e.course_id > after][:limit]

    async def count(self) -> int:
        return len(self.store.entries)


def _matches(entry: CatalogEntry, q: CatalogQuery) -> bool:
    checks = (
        not q.category_ids or entry.category_id in q.category_ids,
        q.difficulty in (None, entry.difficulty),
        q.language in (None, entry.language),
        q.free is None or (entry.price_amount == 0) == q.free,
        q.instructor_id is None or q.instructor_id in entry.instructor_ids,
        q.duration_min is None or entry.duration_minutes >= q.duration_min,
        q.duration_max is None or entry.duration_minutes <= q.duration_max,
        q.currency is None or entry.price_currency == q.currency,
        q.price_min is None or entry.price_amount >= q.price_min,
        q.price_max is None or entry.price_amount <= q.price_max,
    )
    return all(checks)


class FakeCache:
    """The Cache port in memory, without expiry (tests move no clock for it); ``ttls``
    remembers what each key was given. ``calls`` counts operations for assertions."""

    def __init__(self) -> None:
        self.values: dict[str, bytes] = {}
        self.zsets: dict[str, dict[str, float]] = {}
        self.ttls: dict[str, float | None] = {}
        self.calls: list[str] = []

    async def get(self, key: str) -> bytes | None:
        self.calls.append(f"get {key}")
        return self.values.get(key)

    async def set(self, key: str, value: bytes, *, ttl_seconds: float) -> None:
        self.calls.append(f"set {key}")
        self.values[key], self.ttls[key] = value, ttl_seconds

    async def add(self, key: str, value: bytes, *, ttl_seconds: float) -> bool:
        if key in self.values:
            return False
        await self.set(key, value, ttl_seconds=ttl_seconds)
        return True

    async def delete(self, key: str) -> None:
        self.values.pop(key, None)
        self.zsets.pop(key, None)

    async def incr(self, key: str, amount: int = 1, *, ttl_seconds: float | None = None) -> int:
        self.calls.append(f"incr {key}")
        if key not in self.values:
            self.ttls[key] = ttl_seconds
        value = int(self.values.get(key, b"0")) + amount
        self.values[key] = str(value).encode()
        return value

    async def ttl(self, key: str) -> float | None:
        return self.ttls.get(key) if key in self.values or key in self.zsets else None

    async def zincr(self, key: str, member: str, amount: float = 1.0, *, ttl_seconds: float | None = None) -> float:
        scores = self.zsets.setdefault(key, {})
        scores[member] = scores.get(member, 0.0) + amount
        return scores[member]

    async def zset(self, key: str, member: str, score: float, *, ttl_seconds: float | None = None) -> None:
        self.zsets.setdefault(key, {})[member] = score

    async def ztop(self, key: str, count: int) -> list[tuple[str, float]]:
        return sorted(self.zsets.get(key, {}).items(), key=lambda kv: (-kv[1], kv[0]))[:count]

    async def zrange_by_score(
        self, key: str, minimum: float, maximum: float, *, limit: int = 100
    ) -> list[tuple[str, float]]:
        found = [(m, s) for m, s in self.zsets.get(key, {}).items() if minimum <= s <= maximum]
        return sorted(found, key=lambda kv: (kv[1], kv[0]))[:limit]

    async def zcount(self, key: str, minimum: float, maximum: float) -> int:
        return sum(1 for s in self.zsets.get(key, {}).values() if minimum <= s <= maximum)

    async def zremove_by_score(self, key: str, minimum: float, maximum: float) -> int:
        scores = self.zsets.get(key, {})
        doomed = [m for m, s in scores.items() if minimum <= s <= maximum]
        for member in doomed:
            del scores[member]
        return len(doomed)

    async def zremove(self, key: str, member: str) -> None:
        self.zsets.get(key, {}).pop(member, None)


class FakeHtmlSanitizer:
    """Drops <script> elements and on* attributes only: enough to see the use case call it."""

    def __init__(self) -> None:
        self.cleaned: list[str] = []

    def clean(self, html: str) -> str:
        self.cleaned.append(html)
        html = re.sub(r"<script\b.*?</script>", "", html, flags=re.S | re.I)
        return re.sub(r"\s+on\w+=\"[^\"]*\"", "", html)

    def to_text(self, html: str) -> str:
        return re.sub(r"<[^>]+>", "", self.clean(html))


def principal(role: Role, user_id: uuid.UUID | None = None) -> Principal:
    return Principal(user_id or uuid.uuid4(), role, "session")


@dataclasses.dataclass
class CourseWorld:
    """Everything the course use cases are built from, wired the way the container does."""

    store: CourseStore = dataclasses.field(default_factory=CourseStore)
    clock: FakeClock = dataclasses.field(default_factory=FakeClock)
    cache: FakeCache = dataclasses.field(default_factory=FakeCache)
    audit: FakeAuditLog = dataclasses.field(default_factory=FakeAuditLog)
    sanitizer: FakeHtmlSanitizer = dataclasses.field(default_factory=FakeHtmlSanitizer)

    def __post_init__(self) -> None:
        self.uow = FakeCatalogUnitOfWork(self.store)
        self.reader = FakeCatalogReader(self.store)
        self.auditor = Auditor(self.audit, self.clock)
        self.catalog_cache = CatalogCache(self.cache)

    def actions(self) -> list[str]:
        return [e.action for e in self.audit.entries]

    def events(self, kind: type[DomainEvent]) -> list[DomainEvent]:
        return [e for e in self.store.events if isinstance(e, kind)]
