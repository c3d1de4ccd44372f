"""The public catalog: entries built from snapshots, listing, the rendered-page cache, views."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from core.catalog.application.authoring import (
    AddLesson,
    AddSection,
    CreateCourse,
    CreateCourseCommand,
    EditCourse,
    SetPrice,
    UpdateDetails,
)
from core.catalog.application.catalog_queries import (
    PENDING_VIEWS_KEY,
    VIEWS_KEY,
    CatalogCache,
    CourseRef,
    FlushViews,
    GetCatalogCourse,
    InvalidateCatalog,
    ListCatalog,
    PopularCourses,
    descendants,
)
from core.catalog.application.workflow import ApproveCourse, CourseCommand, SubmitCourse
from core.catalog.domain.catalog_entry import catalog_entry, price_band
from core.catalog.domain.category import Category
from core.catalog.domain.course import Course
from core.catalog.domain.tree import CategoryView
from core.identity.application.context import Principal
from core.identity.domain.roles import Role
from core.shared.errors import NotFound
from core.shared.money import Money
from ports.catalog.courses import CatalogEntry, CatalogPage, CatalogQuery
from tests.fakes.courses import CourseWorld, FakeCache, principal

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
ROOT, CHILD, GRANDCHILD, OTHER = (uuid.UUID(int=i) for i in (1, 2, 3, 4))
TREE = [
    CategoryView(ROOT, "Dev", "dev", None, 0, 0, ("dev",)),
    CategoryView(CHILD, "Web", "web", ROOT, 1, 0, ("dev", "web")),
    CategoryView(GRANDCHILD, "CSS", "css", CHILD, 2, 0, ("dev", "web", "css")),
    CategoryView(OTHER, "Art", "art", None, 0, 1, ("art",)),
]


async def category_tree() -> list[CategoryView]:
    return TREE


@pytest.fixture
def world() -> CourseWorld:
    return CourseWorld()


@pytest.fixture
def teacher() -> Principal:
    return principal(Role.INSTRUCTOR)


@pytest.fixture
def admin() -> Principal:
    return principal(Role.ADMIN)


async def publish(
    w: CourseWorld, who: Principal, reviewer: Principal, title: str, *, category: uuid.UUID | None = None
) -> Course:
    course = await CreateCourse(w.uow, w.clock, w.sanitizer)(who, CreateCourseCommand(title, category_id=category))
    edit = EditCourse(w.uow, w.clock, w.sanitizer)
    await edit(who, AddSection(course.id, "Only"))
    section = w.store.courses[course.id].sections[0]
    await edit(who, AddLesson(course.id, section.id, "Intro", "video", free_preview=True, drip_days=None))
    await SubmitCourse(w.uow, w.clock, w.auditor)(who, CourseCommand(course.id))
    await ApproveCourse(w.uow, w.clock, w.auditor, w.catalog_cache)(reviewer, CourseCommand(course.id))
    return w.store.courses[course.id]


# -- the entry and price bands (pure) -------------------------------------------------------------


def test_entry_is_built_from_the_snapshot_with_a_public_syllabus_only() -> None:
    owner, helper = uuid.uuid4(), uuid.uuid4()
    course = Course.create(title="Drawing", owner_id=owner, now=NOW)
    section = course.add_section("Lines", NOW)
    course.add_lesson(section.id, "Pencils", "video", NOW, media_key="videos/secret", free_preview=True, drip_days=2)
    course.add_lesson(section.id, "Notes", "article", NOW, article_html="<p>paid content</p>")
    course.set_objectives([("Draw a line", [])], NOW)
    course.set_price(Money(4500, "EUR"), {"USD": 4900}, NOW)

    entry = catalog_entry(
        course_id=course.id,
        owner_id=owner,
        instructor_ids=[helper, owner],
        snapshot=course.snapshot(),
        revision=3,
        published_at=NOW,
        updated_at=NOW + dt.timedelta(days=1),
    )

    assert entry.instructor_ids == (owner, helper)
    assert (entry.price_amount, entry.price_currency, entry.price_overrides) == (4500, "EUR", {"USD": 4900})
    assert entry.objectives == ("Draw a line",) and entry.lesson_count == 2 and entry.revision == 3
    lessons = entry.syllabus[0].lessons
    assert [(les.title, les.kind, les.free_preview, les.drip_days) for les in lessons] == [
        ("Pencils", "video", True, 2),
        ("Notes", "article", False, None),
    ]
    assert "secret" not in repr(entry.syllabus) and "paid content" not in repr(entry.syllabus)


def test_a_free_course_is_priced_zero_usd() -> None:
    course = Course.create(title="Free", owner_id=uuid.uuid4(), now=NOW)
    course.set_price(Money(0, "EUR"), None, NOW)
    entry = catalog_entry(
        course_id=course.id,
        owner_id=course.owner_id,
        instructor_ids=[],
        snapshot=course.snapshot(),
        revision=1,
        published_at=NOW,
        updated_at=NOW,
    )
    assert (entry.price_amount, entry.price_currency) == (0, "USD")


@pytest.mark.parametrize(
    ("amount", "band"),
    [
        (0, "free"),
        (1, "under_20"),
        (1999, "under_20"),
        (2000, "20_50"),
        (4999, "20_50"),
        (5000, "50_100"),
        (9999, "50_100"),
        (10000, "over_100"),
        (250000, "over_100"),
    ],
)
def test_price_bands_in_major_units(amount: int, band: str) -> None:
    assert price_band(amount, "USD") == band


# -- listing ------------------------------------------------------------------------------------


def test_descendants_include_the_whole_subtree_only() -> None:
    assert descendants(TREE, [ROOT]) == tuple(sorted((ROOT, CHILD, GRANDCHILD)))
    assert descendants(TREE, [CHILD]) == tuple(sorted((CHILD, GRANDCHILD)))
    assert descendants(TREE, [OTHER]) == (OTHER,)


async def test_listing_expands_categories_and_clamps_the_limit(
    world: CourseWorld, teacher: Principal, admin: Principal
) -> None:
    now = world.clock.now()
    for view in TREE:  # courses can only be filed under categories that exist
        world.uow.categories.rows[view.id] = Category(view.id, view.name, view.slug, view.parent_id, 0, now, now)
    css = await publish(world, teacher, admin, "CSS grid", category=GRANDCHILD)
    await publish(world, teacher, admin, "Watercolour", category=OTHER)
    listing = ListCatalog(world.reader, category_tree, world.catalog_cache)

    page = await listing(CatalogQuery(category_ids=(ROOT,), limit=500))

    assert [e.course_id for e in page.items] == [css.id]
    normalised = await listing.normalised(CatalogQuery(limit=500))
    assert normalised.limit == 100
    assert (await listing.normalised(CatalogQuery(limit=0))).limit == 1


async def test_rendered_pages_are_cached_per_generation_with_an_etag(
    world: CourseWorld, teacher: Principal, admin: Principal
) -> None:
    await publish(world, teacher, admin, "First")
    listing = ListCatalog(world.reader, category_tree, world.catalog_cache)
    renders: list[int] = []

    def render(page: CatalogPage) -> bytes:
        renders.append(len(page.items))
        return ",".join(e.title for e in page.items).encode()

    body, etag = await listing.rendered(CatalogQuery(), render, fmt="json")
    again, same = await listing.rendered(CatalogQuery(), render, fmt="json")
    assert (body, renders) == (b"First", [1]) and (again, same) == (body, etag)
    assert len(etag) == 16

    await publish(world, teacher, admin, "Second")  # the approval bumps the generation
    body, new_etag = await listing.rendered(CatalogQuery(), render, fmt="json")
    assert sorted(body.split(b",")) == [b"First", b"Second"] and new_etag != etag and renders == [1, 2]

    await InvalidateCatalog(world.catalog_cache)()
    await listing.rendered(CatalogQuery(), render, fmt="json")
    assert renders == [1, 2, 2]


# -- one course, views, popularity --------------------------------------------------------------


async def test_only_published_courses_are_found_and_each_view_counts(
    world: CourseWorld, teacher: Principal, admin: Principal
) -> None:
    course = await publish(world, teacher, admin, "Live")
    draft = await CreateCourse(world.uow, world.clock, world.sanitizer)(teacher, CreateCourseCommand("Hidden"))
    get = GetCatalogCourse(world.reader, world.cache, world.catalog_cache)

    assert (await get(CourseRef(slug="live"))).course_id == course.id
    assert (await get(CourseRef(course_id=course.id))).title == "Live"
    for ref in (CourseRef(course_id=draft.id), CourseRef(slug="hidden"), CourseRef()):
        with pytest.raises(NotFound):
            await get(ref)

    def render(entry: CatalogEntry) -> bytes:
        return entry.title.encode()

    assert (await get.rendered(CourseRef(slug="live"), render, fmt="json"))[0] == b"Live"
    assert (await get.rendered(CourseRef(slug="live"), render, fmt="json"))[0] == b"Live"  # from the cache

    assert world.cache.zsets[VIEWS_KEY] == {str(course.id): 4.0}
    assert world.cache.zsets[PENDING_VIEWS_KEY] == {str(course.id): 4.0}


async def test_views_flush_into_the_database_without_double_counting(
    world: CourseWorld, teacher: Principal, admin: Principal
) -> None:
    a = await publish(world, teacher, admin, "A")
    b = await publish(world, teacher, admin, "B")
    get = GetCatalogCourse(world.reader, world.cache, world.catalog_cache)
    for ref in [CourseRef(course_id=a.id)] * 3 + [CourseRef(course_id=b.id)]:
        await get(ref)
    flush = FlushViews(world.uow, world.cache)

    assert await flush() == 4
    assert await flush() == 0  # run twice: nothing is taken again
    await get(CourseRef(course_id=b.id))
    assert await flush() == 1

    assert (world.store.entries[a.id].views, world.store.entries[b.id].views) == (3, 2)
    assert world.cache.zsets[VIEWS_KEY] == {str(a.id): 3.0, str(b.id): 2.0}  # popularity keeps its history
    assert world.cache.zsets[PENDING_VIEWS_KEY] == {}


async def test_views_are_given_back_when_the_database_write_fails(
    world: CourseWorld, teacher: Principal, admin: Principal
) -> None:
    a = await publish(world, teacher, admin, "A")
    await GetCatalogCourse(world.reader, world.cache, world.catalog_cache)(CourseRef(course_id=a.id))
    world.uow.fail_commit = RuntimeError("database down")

    with pytest.raises(RuntimeError):
        await FlushViews(world.uow, world.cache)()

    world.uow.fail_commit = None
    assert await FlushViews(world.uow, world.cache)() == 1
    assert world.store.entries[a.id].views == 1


async def test_a_concurrent_flush_that_lost_the_race_takes_nothing(
    world: CourseWorld, teacher: Principal, admin: Principal
) -> None:
    a = await publish(world, teacher, admin, "A")
    await world.cache.zincr(PENDING_VIEWS_KEY, str(a.id), 5)

    class RacingCache(FakeCache):
        """Another runner flushes between this runner's read and its decrement."""

        raced = False

        async def zincr(self, key: str, member: str, amount: float = 1.0, *, ttl_seconds: float | None = None) -> float:
            if amount < 0 and not self.raced:
                self.raced = True
                assert await FlushViews(world.uow, world.cache)() == 5
            return await world.cache.zincr(key, member, amount, ttl_seconds=ttl_seconds)

        async def zrange_by_score(
            self, key: str, minimum: float, maximum: float, *, limit: int = 100
        ) -> list[tuple[str, float]]:
            return await world.cache.zrange_by_score(key, minimum, maximum, limit=limit)

        async def zremove_by_score(self, key: str, minimum: float, maximum: float) -> int:
            return await world.cache.zremove_by_score(key, minimum, maximum)

    assert await FlushViews(world.uow, RacingCache())() == 0
    assert world.store.entries[a.id].views == 5
    assert world.cache.zsets[PENDING_VIEWS_KEY] == {}


async def test_popular_courses_come_from_the_view_ranking(
    world: CourseWorld, teacher: Principal, admin: Principal
) -> None:
    a = await publish(world, teacher, admin, "A")
    b = await publish(world, teacher, admin, "B")
    c = await publish(world, teacher, admin, "C")
    get = GetCatalogCourse(world.reader, world.cache, world.catalog_cache)
    for course_id in (b.id, b.id, c.id):
        await get(CourseRef(course_id=course_id))
    await world.cache.zincr(VIEWS_KEY, str(uuid.uuid4()), 99)  # an archived course: skipped

    popular = await PopularCourses(world.reader, world.cache)(3)

    assert [e.course_id for e in popular] == [b.id, c.id, a.id]  # a: filled from the database


async def test_an_archived_or_draft_edit_never_leaks_into_the_public_entry(
    world: CourseWorld, teacher: Principal, admin: Principal
) -> None:
    course = await publish(world, teacher, admin, "Stable")
    edit = EditCourse(world.uow, world.clock, world.sanitizer)
    await edit(teacher, SetPrice(course.id, Money(9900, "USD")))
    await edit(teacher, UpdateDetails(course.id, subtitle="unreviewed"))

    entry = await GetCatalogCourse(world.reader, world.cache, world.catalog_cache)(CourseRef(course_id=course.id))
    assert (entry.price_amount, entry.subtitle) == (0, "")


async def test_a_warm_page_needs_no_cache_read_and_other_processes_publishes_show_within_a_second() -> None:
    shared = FakeCache()
    now = [100.0]
    here = CatalogCache(shared, generation_ttl=1.0, monotonic=lambda: now[0])
    elsewhere = CatalogCache(shared, monotonic=lambda: now[0])
    builds: list[str] = []

    async def build() -> bytes:
        builds.append("built")
        return f"page {len(builds)}".encode()

    first = await here.get_or_build("list.json", "q", build)
    calls = len(shared.calls)
    assert await here.get_or_build("list.json", "q", build) == first
    assert len(shared.calls) == calls  # served from the process memo: no cache round trip

    await elsewhere.invalidate()  # another API process approved a course
    assert await here.get_or_build("list.json", "q", build) == first  # within the generation TTL
    now[0] += 1.5
    assert (await here.get_or_build("list.json", "q", build))[0] == b"page 2"

    await here.invalidate()  # this process's own publish is seen at once
    assert (await here.get_or_build("list.json", "q", build))[0] == b"page 3"


async def test_a_request_is_recalled_only_as_served_and_only_within_its_generation() -> None:
    cache = CatalogCache(FakeCache())
    builds: list[str] = []

    async def build() -> bytes:
        builds.append("built")
        return f"page {len(builds)}".encode()

    assert await cache.recall("list.json", "limit=20") is None  # nothing served yet
    served = await cache.get_or_build("list.json", "q", build, request_key="limit=20")
    assert await cache.recall("list.json", "limit=20") == served
    assert await cache.recall("list.json", "limit=20&sort=title") is None  # another request

    await cache.invalidate()  # a publish: what was served before is not served again
    assert await cache.recall("list.json", "limit=20") is None
    assert (await cache.get_or_build("list.json", "q", build, request_key="limit=20"))[0] == b"page 2"


async def test_the_recall_memo_stays_bounded_by_entries() -> None:
    cache = CatalogCache(FakeCache(), memo_entries=8)

    async def build() -> bytes:
        return b"page"

    for n in range(100):
        await cache.get_or_build("list.json", f"q{n}", build, request_key=f"price_max={n}")
    assert len(cache._memo) <= 8
    assert await cache.recall("list.json", "price_max=99") is not None
    assert await cache.recall("list.json", "price_max=0") is None
