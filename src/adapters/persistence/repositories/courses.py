"""Courses stored by an explicit data mapper.

The aggregate is not mapped with the ORM: its content tree (sections, lessons, quizzes) and its
lists go to JSON columns, converted here in both directions. The repository is its own small
identity map: every course it hands out or is given is tracked with the version it was loaded
at and a fingerprint of its row, and ``flush()`` (called by the unit of work on commit) inserts
the new ones and updates only those whose row changed, guarded by that version.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence import tables
from adapters.persistence.orm import fold
from core.catalog.domain.course import Course, Lesson, Objective, Section
from core.shared.errors import Conflict
from core.shared.events import AggregateRoot
from core.shared.money import Money
from ports.catalog.courses import (
    CatalogEntry,
    CoursePage,
    CourseRevision,
    CourseSummary,
    Invitation,
    RevisionSummary,
)

_courses = tables.courses.c
_instructors = tables.course_instructors.c
_revisions = tables.course_revisions.c
_catalog = tables.catalog_courses.c
_invitations = tables.course_invitations.c

MAX_PAGE = 100
_LESSON_FIELDS = tuple(f.name for f in dataclasses.fields(Lesson))


@dataclasses.dataclass
class _Tracked:
    course: Course
    loaded_version: int | None  # None: not in the database yet
    fingerprint: str  # of the row as last loaded or written
    instructors: tuple[uuid.UUID, ...]  # owner first, as course_instructors holds them


class SqlCourseRepository:
    def __init__(self, session: AsyncSession, seen: set[AggregateRoot]) -> None:
        self._session = session
        self._seen = seen
        self._tracked: dict[uuid.UUID, _Tracked] = {}

    # -- the aggregate ----------------------------------------------------------------------------

    async def add(self, course: Course) -> None:
        self._tracked[course.id] = _Tracked(course, None, "", ())
        self._seen.add(course)

    async def get(self, course_id: uuid.UUID) -> Course | None:
        tracked = self._tracked.get(course_id)
        if tracked is not None:
            return tracked.course
        return await self._load_one(_courses.id == course_id)

    async def get_by_slug(self, slug: str) -> Course | None:
        for tracked in self._tracked.values():
            if tracked.course.slug == slug:
                return tracked.course
        return await self._load_one(_courses.slug == slug)

    async def slug_taken(self, slug: str) -> bool:
        if any(t.course.slug == slug for t in self._tracked.values()):
            return True
        stmt = sa.select(sa.literal(1)).select_from(tables.courses).where(_courses.slug == slug).limit(1)
        return (await self._session.execute(stmt)).first() is not None

    async def list_summaries(
        self,
        *,
        instructor_id: uuid.UUID | None = None,
        statuses: tuple[str, ...] = (),
        after: uuid.UUID | None = None,
        limit: int = 20,
    ) -> CoursePage:
        limit = max(1, min(limit, MAX_PAGE))
        columns = (
            _courses.id,
            _courses.slug,
            _courses.title,
            _courses.status,
            _courses.owner_id,
            _courses.live_revision,
            _courses.revision_count,
            _courses.section_count,
            _courses.lesson_count,
            _courses.updated_at,
        )
        if instructor_id is not None:
            # Driven by the (user_id, course_id) index: the page is a range scan in id order.
            key = _instructors.course_id
            stmt = (
                sa.select(*columns)
                .select_from(tables.course_instructors.join(tables.courses, _courses.id == key))
                .where(_instructors.user_id == instructor_id)
            )
        else:
            key = _courses.id
            stmt = sa.select(*columns)
        if statuses:
            stmt = stmt.where(_courses.status.in_(statuses))
        if after is not None:
            stmt = stmt.where(key > after)
        rows = (await self._session.execute(stmt.order_by(key).limit(limit + 1))).all()
        items = [CourseSummary(**row._asdict()) for row in rows[:limit]]
        return CoursePage(items, items[-1].id if len(rows) > limit else None)

    async def flush(self) -> None:
        """Write every new course and every changed one; a course another writer changed since
        it was loaded raises ``Conflict`` (nothing of it is written)."""
        for tracked in self._tracked.values():
            course = tracked.course
            row = _course_row(course)
            fingerprint = _fingerprint(row)
            if tracked.loaded_version is None:
                await self._session.execute(sa.insert(tables.courses), [{**row, "version": course.version}])
                await self._write_instructors(course)
                tracked.loaded_version = course.version
            elif fingerprint != tracked.fingerprint:
                stmt = (
                    sa.update(tables.courses)
                    .where(_courses.id == course.id, _courses.version == tracked.loaded_version)
                    .values(**{k: v for k, v in row.items() if k != "id"}, version=tracked.loaded_version + 1)
                )
                result = await self._session.execute(stmt)
                if _rowcount(result) != 1:
                    raise Conflict("concurrency.conflict", "the resource was changed by someone else; retry")
                if _instructor_ids(course) != tracked.instructors:
                    await self._session.execute(
                        sa.delete(tables.course_instructors).where(_instructors.course_id == course.id)
                    )
                    await self._write_instructors(course)
                tracked.loaded_version += 1
                course.version = tracked.loaded_version
            tracked.fingerprint = fingerprint
            tracked.instructors = _instructor_ids(course)

    # -- revisions --------------------------------------------------------------------------------

    async def add_revision(self, revision: CourseRevision) -> None:
        await self._insert_new_courses()
        sections = revision.snapshot.get("sections", [])
        await self._session.execute(
            sa.insert(tables.course_revisions),
            [
                {
                    "course_id": revision.course_id,
                    "number": revision.number,
                    "snapshot": revision.snapshot,
                    "title": revision.snapshot["title"],
                    "lesson_count": sum(len(s["lessons"]) for s in sections),
                    "approved_by": revision.approved_by,
                    "approved_at": revision.approved_at,
                }
            ],
        )

    async def get_revision(self, course_id: uuid.UUID, number: int) -> CourseRevision | None:
        stmt = sa.select(
            _revisions.course_id, _revisions.number, _revisions.snapshot, _revisions.approved_by, _revisions.approved_at
        ).where(_revisions.course_id == course_id, _revisions.number == number)
        row = (await self._session.execute(stmt)).first()
        return None if row is None else CourseRevision(**row._asdict())

    async def list_revisions(self, course_id: uuid.UUID) -> list[RevisionSummary]:
        stmt = (
            sa.select(
                _revisions.number,
                _revisions.title,
                _revisions.approved_by,
                _revisions.approved_at,
                _revisions.lesson_count,
            )
            .where(_revisions.course_id == course_id)
            .order_by(_revisions.number.desc())
        )
        return [RevisionSummary(**row._asdict()) for row in (await self._session.execute(stmt)).all()]

    # -- the catalog projection -------------------------------------------------------------------

    async def put_catalog_entry(self, entry: CatalogEntry) -> None:
        await self._insert_new_courses()
        row = catalog_row(entry)
        # One statement on both engines (INSERT ... ON CONFLICT DO UPDATE): a concurrent
        # add_views between a read and a rewrite cannot be lost, and views are never reset.
        dialect = self._session.get_bind().dialect.name
        insert = (
            postgresql.insert(tables.catalog_courses)
            if dialect == "postgresql"
            else sqlite.insert(tables.catalog_courses)
        )
        stmt = insert.values(row)
        stmt = stmt.on_conflict_do_update(
            index_elements=[_catalog.course_id],
            set_={k: stmt.excluded[k] for k in row if k not in ("course_id", "views")},
        )
        await self._session.execute(stmt)
        await self._session.execute(
            sa.delete(tables.catalog_course_instructors).where(
                tables.catalog_course_instructors.c.course_id == entry.course_id
            )
        )
        await self._session.execute(
            sa.insert(tables.catalog_course_instructors),
            [{"course_id": entry.course_id, "user_id": user_id} for user_id in dict.fromkeys(entry.instructor_ids)],
        )

    async def remove_catalog_entry(self, course_id: uuid.UUID) -> None:
        # Children first: no reliance on the engine enforcing ON DELETE CASCADE.
        await self._session.execute(
            sa.delete(tables.catalog_course_instructors).where(
                tables.catalog_course_instructors.c.course_id == course_id
            )
        )
        await self._session.execute(sa.delete(tables.catalog_courses).where(_catalog.course_id == course_id))

    async def add_views(self, counts: dict[uuid.UUID, int]) -> None:
        params = [{"b_course_id": course_id, "b_views": n} for course_id, n in counts.items() if n > 0]
        if not params:
            return
        # Relative increments: concurrent flushes from several processes add up, none overwrites.
        stmt = (
            sa.update(tables.catalog_courses)
            .where(_catalog.course_id == sa.bindparam("b_course_id"))
            .values(views=_catalog.views + sa.bindparam("b_views"))
        )
        await self._session.execute(stmt, params)

    # -- invitations ------------------------------------------------------------------------------

    async def add_invitation(self, invitation: Invitation) -> None:
        await self._insert_new_courses()
        await self._session.execute(sa.insert(tables.course_invitations), [dataclasses.asdict(invitation)])

    async def invitation_by_token_hash(self, token_hash: str) -> Invitation | None:
        stmt = sa.select(tables.course_invitations).where(_invitations.token_hash == token_hash)
        row = (await self._session.execute(stmt)).first()
        return None if row is None else Invitation(**row._asdict())

    async def mark_invitation_accepted(self, invitation_id: uuid.UUID, user_id: uuid.UUID, at: dt.datetime) -> bool:
        # The condition is the lock: of two concurrent acceptances only one matches the row.
        stmt = (
            sa.update(tables.course_invitations)
            .where(_invitations.id == invitation_id, _invitations.accepted_at.is_(None))
            .values(accepted_by=user_id, accepted_at=at)
        )
        return _rowcount(await self._session.execute(stmt)) == 1

    # -- helpers ----------------------------------------------------------------------------------

    async def _load_one(self, where: sa.ColumnElement[bool]) -> Course | None:
        row = (await self._session.execute(sa.select(tables.courses).where(where))).mappings().first()
        if row is None:
            return None
        tracked = self._tracked.get(row["id"])
        if tracked is not None:  # one object per course within a unit of work
            return tracked.course
        course = _course(row)
        self._tracked[course.id] = _Tracked(
            course, course.version, _fingerprint(_course_row(course)), _instructor_ids(course)
        )
        self._seen.add(course)
        return course

    async def _insert_new_courses(self) -> None:
        """Rows that reference a course need it in the database first (foreign keys are checked
        per statement on PostgreSQL): insert courses added in this unit of work now."""
        if any(t.loaded_version is None for t in self._tracked.values()):
            await self.flush()

    async def _write_instructors(self, course: Course) -> None:
        owner, *co_instructors = _instructor_ids(course)
        rows = [{"course_id": course.id, "user_id": owner, "role": "owner"}]
        rows += [{"course_id": course.id, "user_id": u, "role": "co_instructor"} for u in co_instructors]
        await self._session.execute(sa.insert(tables.course_instructors), rows)


def _rowcount(result: sa.Result[Any]) -> int:
    assert isinstance(result, CursorResult)
    return result.rowcount


def _fingerprint(row: Mapping[str, Any]) -> str:
    return json.dumps(row, sort_keys=True, default=str, separators=(",", ":"))


def _instructor_ids(course: Course) -> tuple[uuid.UUID, ...]:
    return tuple(dict.fromkeys([course.owner_id, *course.co_instructor_ids]))


def _course_row(course: Course) -> dict[str, Any]:
    """Every column but ``version`` (flush() owns it); JSON columns get JSON-safe data."""
    return {
        "id": course.id,
        "slug": course.slug,
        "title": course.title,
        "owner_id": course.owner_id,
        "created_at": course.created_at,
        "updated_at": course.updated_at,
        "subtitle": course.subtitle,
        "description_html": course.description_html,
        "language": course.language,
        "difficulty": course.difficulty,
        "duration_minutes": course.duration_minutes,
        "price_amount": course.price.amount_minor if course.price else None,
        "price_currency": course.price.currency if course.price else None,
        "price_overrides": dict(course.price_overrides),
        "category_id": course.category_id,
        "tags": list(course.tags),
        "objectives": [
            {"id": str(o.id), "text": o.text, "lesson_ids": [str(i) for i in o.lesson_ids]} for o in course.objectives
        ],
        "prerequisite_ids": [str(i) for i in course.prerequisite_ids],
        "cover_key": course.cover_key,
        "co_instructor_ids": [str(i) for i in course.co_instructor_ids],
        "capacity": course.capacity,
        "sections": [
            {"id": str(s.id), "title": s.title, "lessons": [_lesson_data(lesson) for lesson in s.lessons]}
            for s in course.sections
        ],
        "section_count": len(course.sections),
        "lesson_count": sum(len(s.lessons) for s in course.sections),
        "status": course.status,
        "review_note": course.review_note,
        "live_revision": course.live_revision,
        "revision_count": course.revision_count,
    }


def _lesson_data(lesson: Lesson) -> dict[str, Any]:
    # Driven by the dataclass' fields: a lesson field added later is stored without a change here.
    data = {name: getattr(lesson, name) for name in _LESSON_FIELDS}
    data["id"] = str(lesson.id)
    return data


def _course(row: RowMapping) -> Course:
    amount, currency = row["price_amount"], row["price_currency"]
    return Course(
        id=row["id"],
        slug=row["slug"],
        title=row["title"],
        owner_id=row["owner_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        subtitle=row["subtitle"],
        description_html=row["description_html"],
        language=row["language"],
        difficulty=row["difficulty"],
        duration_minutes=row["duration_minutes"],
        price=Money(int(amount), currency) if amount is not None and currency is not None else None,
        price_overrides={str(k): int(v) for k, v in row["price_overrides"].items()},
        category_id=row["category_id"],
        tags=list(row["tags"]),
        objectives=[
            Objective(uuid.UUID(o["id"]), o["text"], [uuid.UUID(i) for i in o["lesson_ids"]]) for o in row["objectives"]
        ],
        prerequisite_ids=[uuid.UUID(i) for i in row["prerequisite_ids"]],
        cover_key=row["cover_key"],
        co_instructor_ids=[uuid.UUID(i) for i in row["co_instructor_ids"]],
        capacity=row["capacity"],
        sections=[
            Section(uuid.UUID(s["id"]), s["title"], [_lesson(lesson) for lesson in s["lessons"]])
            for s in row["sections"]
        ],
        status=row["status"],
        review_note=row["review_note"],
        live_revision=row["live_revision"],
        revision_count=row["revision_count"],
        version=row["version"],
    )


def _lesson(data: Mapping[str, Any]) -> Lesson:
    # Unknown keys (a field since removed from Lesson) are dropped rather than breaking loads.
    known = {name: data[name] for name in _LESSON_FIELDS if name in data}
    known["id"] = uuid.UUID(data["id"])
    return Lesson(**known)


def catalog_row(entry: CatalogEntry) -> dict[str, Any]:
    """The catalog_courses row of an entry (shared with the reader's tests and benchmarks)."""
    return {
        "course_id": entry.course_id,
        "slug": entry.slug,
        "revision": entry.revision,
        "title": entry.title,
        "title_key": fold(entry.title),
        "subtitle": entry.subtitle,
        "description_html": entry.description_html,
        "language": entry.language,
        "difficulty": entry.difficulty,
        "duration_minutes": entry.duration_minutes,
        "price_amount": entry.price_amount,
        "price_currency": entry.price_currency,
        "price_overrides": dict(entry.price_overrides),
        "category_id": entry.category_id,
        "tags": list(entry.tags),
        "cover_key": entry.cover_key,
        "owner_id": entry.owner_id,
        "instructor_ids": [str(i) for i in entry.instructor_ids],
        "prerequisite_ids": [str(i) for i in entry.prerequisite_ids],
        "objectives": list(entry.objectives),
        "capacity": entry.capacity,
        "syllabus": [
            {
                "id": str(section.id),
                "title": section.title,
                "lessons": [
                    {
                        "id": str(lesson.id),
                        "title": lesson.title,
                        "kind": lesson.kind,
                        "free_preview": lesson.free_preview,
                        "drip_days": lesson.drip_days,
                    }
                    for lesson in section.lessons
                ],
            }
            for section in entry.syllabus
        ],
        "lesson_count": entry.lesson_count,
        "published_at": entry.published_at,
        "updated_at": entry.updated_at,
        "views": entry.views,
    }
