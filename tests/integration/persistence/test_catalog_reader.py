"""The catalog projection and its reader on SQLite and PostgreSQL (the ``container`` fixture runs both)."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import uuid
from collections.abc import Callable

import pytest

from adapters.persistence import tables
from adapters.persistence.catalog_reader import SqlCatalogReader
from adapters.persistence.orm import fold
from core.catalog.domain.course import Course
from core.shared.errors import InvalidInput
from core.shared.ids import new_id
from entrypoints.bootstrap.containers import ApplicationContainer
from ports.catalog.courses import CATALOG_SORTS, CatalogEntry, CatalogQuery
from tests.conftest import count_rows
from tests.integration.persistence.course_data import NOW, entry_for

ALICE, BOB, CAROL = (uuid.UUID(f"0190c8a0-0000-7000-8000-00000000000{i}") for i in (1, 2, 3))
WEB, DATA = new_id(), new_id()
DAY = dt.timedelta(days=1)


def _reader(container: ApplicationContainer) -> SqlCatalogReader:
    return SqlCatalogReader(container.infrastructure.session_factory())


async def _publish(container: ApplicationContainer, *entries: CatalogEntry) -> None:
    async with container.infrastructure.uow() as uow:
        for entry in entries:
            await uow.courses.put_catalog_entry(entry)
        await uow.commit()


async def _catalog(
    container: ApplicationContainer, specs: list[tuple[str, uuid.UUID, dict[str, object]]]
) -> list[CatalogEntry]:
    """Courses and their entries, written in one unit of work (new courses are referenced by
    their entries before commit)."""
    entries = []
    async with container.infrastructure.uow() as uow:
        for i, (title, owner, options) in enumerate(specs):
            course = Course.create(title=title, owner_id=owner, now=NOW, slug=f"course-{i}")
            await uow.courses.add(course)
            entry = entry_for(course, **options)  # type: ignore[arg-type]
            await uow.courses.put_catalog_entry(entry)
            entries.append(entry)
        await uow.commit()
    return entries


@pytest.fixture
async def catalog(container: ApplicationContainer) -> list[CatalogEntry]:
    # Ties on purpose in every sort key (published_at, views, price, folded title).
    return await _catalog(
        container,
        [
            ("Python for beginners", ALICE, {"published_at": NOW, "views": 10, "category_id": WEB}),
            ("python for Beginners", BOB, {"published_at": NOW, "views": 10, "price": 1900, "duration": 30}),
            (
                "Advanced SQL",
                ALICE,
                {
                    "published_at": NOW - DAY,
                    "price": 4900,
                    "difficulty": "advanced",
                    "category_id": DATA,
                    "co_instructors": (CAROL,),
                },
            ),
            (
                "Машинное обучение",
                CAROL,
                {
                    "published_at": NOW + DAY,
                    "views": 99,
                    "price": 4900,
                    "currency": "EUR",
                    "language": "ru",
                    "category_id": DATA,
                    "duration": 600,
                },
            ),
            (
                "Ёлки и палки",
                BOB,
                {
                    "published_at": NOW + DAY,
                    "views": 3,
                    "price": 500000,
                    "currency": "RUB",
                    "language": "ru",
                    "difficulty": "intermediate",
                },
            ),
            (
                "עברית למתחילים",
                CAROL,
                {"published_at": NOW - 2 * DAY, "views": 99, "language": "he", "co_instructors": (ALICE, BOB)},
            ),
            (
                "Go in practice",
                BOB,
                {"published_at": NOW, "price": 1900, "difficulty": "intermediate", "duration": 120, "category_id": WEB},
            ),
            (
                "ADVANCED sql",
                CAROL,
                {"published_at": NOW - DAY, "views": 10, "price": 2500, "currency": "EUR", "difficulty": "advanced"},
            ),
            ("Zig", ALICE, {"published_at": NOW + 2 * DAY, "price": 100, "duration": 15}),
        ],
    )


async def _walk(reader: SqlCatalogReader, query: CatalogQuery) -> list[uuid.UUID]:
    ids: list[uuid.UUID] = []
    cursor = None
    for _ in range(100):
        page = await reader.list_courses(dataclasses.replace(query, cursor=cursor))
        assert len(page.items) <= max(1, query.limit)
        ids += [e.course_id for e in page.items]
        if page.next_cursor is None:
            return ids
        assert page.items, "a cursor is only handed out with more to come"
        cursor = page.next_cursor
    raise AssertionError("the walk did not end")


_ORDER: dict[str, tuple[Callable[[CatalogEntry], object], bool]] = {
    "newest": (lambda e: (e.published_at, e.course_id), True),
    "popular": (lambda e: (e.views, e.course_id), True),
    "price_asc": (lambda e: (e.price_amount, e.course_id), False),
    "price_desc": (lambda e: (e.price_amount, e.course_id), True),
    # Folded titles compare by code point on both engines; ties by course id.
    "title": (lambda e: (fold(e.title), e.course_id), False),
}


@pytest.mark.parametrize("sort", CATALOG_SORTS)
async def test_every_sort_walks_every_entry_once_in_order(
    container: ApplicationContainer, catalog: list[CatalogEntry], sort: str
) -> None:
    key, descending = _ORDER[sort]
    expected = [e.course_id for e in sorted(catalog, key=key, reverse=descending)]  # type: ignore[arg-type]
    reader = _reader(container)
    for limit in (1, 2, 4, 9, 20):
        assert await _walk(reader, CatalogQuery(sort=sort, limit=limit)) == expected  # type: ignore[arg-type]
    # And with a filter: the cursor composes with the WHERE clause.
    filtered = [i for i in expected if next(e for e in catalog if e.course_id == i).language == "en"]
    assert await _walk(reader, CatalogQuery(sort=sort, limit=2, language="en")) == filtered  # type: ignore[arg-type]


async def test_title_sort_ignores_case(container: ApplicationContainer, catalog: list[CatalogEntry]) -> None:
    page = await _reader(container).list_courses(CatalogQuery(sort="title", limit=100))
    titles = [e.title for e in page.items]
    assert [t.casefold() for t in titles[:4]] == [
        "advanced sql",
        "advanced sql",
        "go in practice",
        "python for beginners",
    ]
    assert titles[-1] == "עברית למתחילים"


async def test_filters(container: ApplicationContainer, catalog: list[CatalogEntry]) -> None:
    reader = _reader(container)

    async def ids(**criteria: object) -> set[uuid.UUID]:
        return set(await _walk(reader, CatalogQuery(limit=3, **criteria)))  # type: ignore[arg-type]

    def where(test: Callable[[CatalogEntry], bool]) -> set[uuid.UUID]:
        return {e.course_id for e in catalog if test(e)}

    assert await ids() == where(lambda e: True)
    assert await ids(category_ids=(WEB,)) == where(lambda e: e.category_id == WEB)
    assert await ids(category_ids=(WEB, DATA)) == where(lambda e: e.category_id in (WEB, DATA))
    assert await ids(difficulty="advanced") == where(lambda e: e.difficulty == "advanced")
    assert await ids(language="ru") == where(lambda e: e.language == "ru")
    assert await ids(language="ru", difficulty="intermediate") == where(
        lambda e: e.language == "ru" and e.difficulty == "intermediate"
    )
    assert await ids(free=True) == where(lambda e: e.price_amount == 0)
    assert await ids(free=False) == where(lambda e: e.price_amount > 0)
    # Bounds apply to base prices in the given currency; free courses cost nothing in any currency.
    assert await ids(currency="EUR") == where(lambda e: e.price_currency == "EUR" or e.price_amount == 0)
    assert await ids(currency="EUR", price_min=1) == where(lambda e: e.price_currency == "EUR")
    assert await ids(currency="USD", price_min=1000, price_max=4900) == where(
        lambda e: e.price_currency == "USD" and 1000 <= e.price_amount <= 4900
    )
    assert await ids(currency="USD", price_max=1900) == where(
        lambda e: e.price_currency == "USD" and e.price_amount <= 1900
    )
    assert await ids(duration_min=60) == where(lambda e: e.duration_minutes >= 60)
    assert await ids(duration_min=30, duration_max=120) == where(lambda e: 30 <= e.duration_minutes <= 120)
    assert await ids(instructor_id=ALICE) == where(lambda e: ALICE in e.instructor_ids)
    assert await ids(instructor_id=CAROL) == where(lambda e: CAROL in e.instructor_ids)
    assert await ids(instructor_id=CAROL, language="he") == where(
        lambda e: CAROL in e.instructor_ids and e.language == "he"
    )
    assert await ids(instructor_id=new_id()) == set()
    assert await ids(category_ids=(new_id(),)) == set()


async def test_entries_read_back_exactly(container: ApplicationContainer, catalog: list[CatalogEntry]) -> None:
    reader = _reader(container)
    for entry in catalog:
        assert await reader.get_entry(entry.course_id) == entry
        assert await reader.get_entry_by_slug(entry.slug) == entry
    assert await reader.get_entry(new_id()) is None
    assert await reader.get_entry_by_slug("nope") is None
    assert await reader.count() == len(catalog)
    walked: list[CatalogEntry] = []
    after = None
    while batch := await reader.entries(after=after, limit=4):
        walked += batch
        after = batch[-1].course_id
    assert walked == sorted(catalog, key=lambda e: e.course_id)


async def test_limit_is_clamped(container: ApplicationContainer) -> None:
    await _catalog(container, [(f"Course {i:03}", ALICE, {"published_at": NOW + i * DAY}) for i in range(103)])
    reader = _reader(container)
    first = await reader.list_courses(CatalogQuery(limit=1000))
    assert len(first.items) == 100 and first.next_cursor is not None
    rest = await reader.list_courses(CatalogQuery(limit=1000, cursor=first.next_cursor))
    assert len(rest.items) == 3 and rest.next_cursor is None
    assert {e.course_id for e in first.items}.isdisjoint(e.course_id for e in rest.items)
    for limit in (0, -5):
        page = await reader.list_courses(CatalogQuery(limit=limit))
        assert len(page.items) == 1 and page.next_cursor is not None


def _b64(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


_BAD_CURSORS: list[tuple[str, str]] = [
    ("newest", "not a cursor!"),
    ("newest", "%%%"),
    ("newest", base64.urlsafe_b64encode(b"\xff\xfe").decode()),
    ("newest", _b64({"a": 1})),
    ("newest", _b64(["2026-11-27T09:15:30+00:00"])),
    ("newest", _b64(["2026-11-27T09:15:30+00:00", "not-a-uuid"])),
    ("newest", _b64(["2026-11-27T09:15:30", str(new_id())])),  # naive
    ("newest", _b64([5, str(new_id())])),
    ("popular", _b64(["2026-11-27T09:15:30+00:00", str(new_id())])),  # another sort's cursor
    ("price_asc", _b64([True, str(new_id())])),
    ("title", _b64([12, str(new_id())])),
]


async def test_a_malformed_cursor_is_invalid_input(container: ApplicationContainer) -> None:
    reader = _reader(container)
    for sort, cursor in _BAD_CURSORS:
        with pytest.raises(InvalidInput) as err:
            await reader.list_courses(CatalogQuery(sort=sort, cursor=cursor))  # type: ignore[arg-type]
        assert err.value.code == "catalog.cursor", cursor


async def test_an_unknown_sort_is_invalid_input(container: ApplicationContainer) -> None:
    with pytest.raises(InvalidInput) as err:
        await _reader(container).list_courses(CatalogQuery(sort="cheapest"))  # type: ignore[arg-type]
    assert err.value.code == "catalog.sort"


async def test_views_survive_republication_and_add_up(container: ApplicationContainer) -> None:
    (entry, other) = await _catalog(container, [("Rust", ALICE, {"views": 0}), ("C", BOB, {"views": 4})])
    async with container.infrastructure.uow() as uow:
        await uow.courses.add_views({entry.course_id: 5, other.course_id: 1})
        await uow.courses.add_views({entry.course_id: 2, new_id(): 7, other.course_id: 0})
        await uow.commit()
    reader = _reader(container)
    assert (await reader.get_entry(entry.course_id)).views == 7  # type: ignore[union-attr]
    assert (await reader.get_entry(other.course_id)).views == 5  # type: ignore[union-attr]

    second = dataclasses.replace(
        entry,
        revision=2,
        title="Rust, second edition",
        updated_at=NOW + DAY,
        instructor_ids=(ALICE, CAROL),
        price_amount=2900,
        views=0,
    )
    await _publish(container, second)
    stored = await reader.get_entry(entry.course_id)
    assert stored == dataclasses.replace(second, views=7)
    assert await _walk(reader, CatalogQuery(instructor_id=CAROL)) == [entry.course_id]
    assert await reader.count() == 2

    async with container.infrastructure.uow() as uow:
        await uow.courses.remove_catalog_entry(entry.course_id)
        await uow.courses.remove_catalog_entry(new_id())
        await uow.commit()
    assert await reader.get_entry(entry.course_id) is None
    assert await _walk(reader, CatalogQuery(instructor_id=CAROL)) == []
    assert await reader.count() == 1
    assert await count_rows(container, tables.catalog_course_instructors) == 1
    # Published again after an archive: the entry is back, counting views from scratch.
    await _publish(container, second)
    assert (await reader.get_entry(entry.course_id)).views == 0  # type: ignore[union-attr]
