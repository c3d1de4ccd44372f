"""The catalog's hot read side: Core selects over the ``catalog_courses`` projection.

One query per page, keyset pagination: the cursor carries the last row's sort key and course
id, and the next page starts strictly after that pair, so a page costs the same at any depth and
rows published meanwhile neither repeat nor shift the pages already handed out. Each sort walks
its (key, course_id) index forwards or backwards; ties go by course id in the sort's direction.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.persistence import tables
from adapters.persistence.engine import autocommit_engine
from core.shared.errors import InvalidInput
from ports.catalog.courses import (
    CatalogEntry,
    CatalogPage,
    CatalogQuery,
    SyllabusLesson,
    SyllabusSection,
)

MAX_LIMIT = 100
_c = tables.catalog_courses.c
_instructors = tables.catalog_course_instructors.c
# Everything but the storage-only title_key.
_COLUMNS = tuple(column for column in tables.catalog_courses.c if column.name != "title_key")
# What a page of the catalog shows: the page-only parts (description, syllabus, objectives,
# prerequisites) are the bulk of each row and its decoding, so listing leaves them out.
_PAGE_ONLY = frozenset({"description_html", "syllabus", "objectives", "prerequisite_ids"})
_CARD_COLUMNS = tuple(column for column in _COLUMNS if column.name not in _PAGE_ONLY)

# sort -> (key column, descending)
_SORTS: dict[str, tuple[sa.Column[Any], bool]] = {
    "newest": (_c.published_at, True),
    "popular": (_c.views, True),
    "price_asc": (_c.price_amount, False),
    "price_desc": (_c.price_amount, True),
    "title": (_c.title_key, False),
}


class SqlCatalogReader:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        # Each read is one statement: run it without a transaction around it (no BEGIN and
        # ROLLBACK round trips on the hottest public read). Same pool as everything else.
        self._engine = autocommit_engine(session_factory, "SqlCatalogReader")

    async def list_courses(self, query: CatalogQuery) -> CatalogPage:
        if query.sort not in _SORTS:
            raise InvalidInput("catalog.sort", f"sort is one of {', '.join(_SORTS)}", {"sort": query.sort})
        key, descending = _SORTS[query.sort]
        limit = max(1, min(query.limit, MAX_LIMIT))
        stmt = sa.select(*_CARD_COLUMNS, key.label("sort_key")).where(*_filters(query))
        if query.cursor is not None:
            value, after_id = _decode_cursor(query.cursor, query.sort)
            last = sa.tuple_(sa.literal(value, key.type), sa.literal(after_id, sa.Uuid()))
            position = sa.tuple_(key, _c.course_id)
            stmt = stmt.where(position < last if descending else position > last)
        if descending:
            stmt = stmt.order_by(key.desc(), _c.course_id.desc())
        else:
            stmt = stmt.order_by(key.asc(), _c.course_id.asc())
        async with self._engine.connect() as connection:
            rows = (await connection.execute(stmt.limit(limit + 1))).all()
        page = rows[:limit]
        next_cursor = None
        if len(rows) > limit:
            last_row = page[-1]
            next_cursor = _encode_cursor(last_row.sort_key, last_row.course_id)
        return CatalogPage([_entry(row._mapping) for row in page], next_cursor)

    async def get_entry(self, course_id: uuid.UUID) -> CatalogEntry | None:
        return await self._one(_c.course_id == course_id)

    async def get_entry_by_slug(self, slug: str) -> CatalogEntry | None:
        return await self._one(_c.slug == slug)

    async def entries(self, *, after: uuid.UUID | None, limit: int) -> list[CatalogEntry]:
        stmt = sa.select(*_COLUMNS)
        if after is not None:
            stmt = stmt.where(_c.course_id > after)
        stmt = stmt.order_by(_c.course_id).limit(max(1, limit))
        async with self._engine.connect() as connection:
            rows = (await connection.execute(stmt)).mappings().all()
        return [_entry(row) for row in rows]

    async def count(self) -> int:
        async with self._engine.connect() as connection:
            stmt = sa.select(sa.func.count()).select_from(tables.catalog_courses)
            return int((await connection.execute(stmt)).scalar_one())

    async def _one(self, where: sa.ColumnElement[bool]) -> CatalogEntry | None:
        async with self._engine.connect() as connection:
            row = (await connection.execute(sa.select(*_COLUMNS).where(where))).mappings().first()
        return None if row is None else _entry(row)


def _filters(query: CatalogQuery) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = []
    if query.category_ids:
        where.append(_c.category_id.in_(query.category_ids))
    if query.difficulty is not None:
        where.append(_c.difficulty == query.difficulty)
    if query.language is not None:
        where.append(_c.language == query.language)
    if query.currency is not None:
        # Free costs nothing in every currency: a free course matches any currency (its stored
        # currency is a placeholder), so "up to 50 EUR" includes the free courses.
        where.append(sa.or_(_c.price_currency == query.currency, _c.price_amount == 0))
    if query.price_min is not None:
        where.append(_c.price_amount >= query.price_min)
    if query.price_max is not None:
        where.append(_c.price_amount <= query.price_max)
    if query.free is True:
        where.append(_c.price_amount == 0)
    elif query.free is False:
        where.append(_c.price_amount > 0)
    if query.duration_min is not None:
        where.append(_c.duration_minutes >= query.duration_min)
    if query.duration_max is not None:
        where.append(_c.duration_minutes <= query.duration_max)
    if query.instructor_id is not None:
        # An indexed lookup in catalog_course_instructors, not a scan of JSON arrays.
        taught = sa.select(_instructors.course_id).where(_instructors.user_id == query.instructor_id)
        where.append(_c.course_id.in_(taught))
    return where


def _encode_cursor(value: object, course_id: uuid.UUID) -> str:
    raw = value.isoformat() if isinstance(value, dt.datetime) else value
    data = json.dumps([raw, str(course_id)], separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str) -> tuple[object, uuid.UUID]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not (isinstance(data, list) and len(data) == 2 and isinstance(data[1], str)):
            raise ValueError("not a [key, id] pair")
        return _sort_value(data[0], sort), uuid.UUID(data[1])
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        # json.JSONDecodeError is a ValueError; a cursor of another sort fails the type check.
        raise InvalidInput("catalog.cursor", "the cursor is not valid; start again without it") from None


def _sort_value(value: object, sort: str) -> object:
    if sort == "newest":
        if not isinstance(value, str):
            raise TypeError("a timestamp was expected")
        moment = dt.datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("a timezone-aware timestamp was expected")
        return moment
    if sort == "title":
        if not isinstance(value, str):
            raise TypeError("a title key was expected")
        return value
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("a number was expected")
    return value


def _entry(row: RowMapping) -> CatalogEntry:
    return CatalogEntry(
        course_id=row["course_id"],
        slug=row["slug"],
        revision=row["revision"],
        title=row["title"],
        subtitle=row["subtitle"],
        description_html=row.get("description_html", ""),
        language=row["language"],
        difficulty=row["difficulty"],
        duration_minutes=row["duration_minutes"],
        price_amount=row["price_amount"],
        price_currency=row["price_currency"],
        price_overrides={str(k): int(v) for k, v in row["price_overrides"].items()},
        category_id=row["category_id"],
        tags=tuple(row["tags"]),
        cover_key=row["cover_key"],
        owner_id=row["owner_id"],
        instructor_ids=tuple(uuid.UUID(i) for i in row["instructor_ids"]),
        prerequisite_ids=tuple(uuid.UUID(i) for i in row.get("prerequisite_ids", ())),
        objectives=tuple(row.get("objectives", ())),
        capacity=row["capacity"],
        syllabus=tuple(
            SyllabusSection(
                id=uuid.UUID(section["id"]),
                title=section["title"],
                lessons=tuple(
                    SyllabusLesson(
                        id=uuid.UUID(lesson["id"]),
                        title=lesson["title"],
                        kind=lesson["kind"],
                        free_preview=bool(lesson["free_preview"]),
                        drip_days=lesson["drip_days"],
                    )
                    for lesson in section["lessons"]
                ),
            )
            for section in row.get("syllabus", ())
        ),
        lesson_count=row["lesson_count"],
        published_at=row["published_at"],
        updated_at=row["updated_at"],
        views=row["views"],
    )
