"""GET /api/v1/catalog/courses?limit=20: the public catalog's first page, warm and cold.

Setup seeds the 30 categories of ``categories`` and 200 published courses through the use
cases (create, edit, submit, approve as an admin), with varied prices (a fifth free; USD, EUR,
ILS), difficulties, durations, tags, 3-8 article lessons in one or two sections, and titles in
English, Russian and Hebrew.

* ``catalog``: the same URL on every request. After the first one the rendered page comes from
  the catalog cache's per-process memo: the route recalls the page it served for this exact
  query string under the unchanged catalog generation, before parsing the parameters again
  (``RecallPage``). This measures the HTTP stack with its middleware (request id, IP filter,
  authentication, rate limit), the recall and the response, with no database or cache I/O.
* ``catalog-cold``: every request misses that cache. Each carries a random
  ``price_max`` >= 10^15 (minor units; no course costs that much), which leaves the page as it
  is (same rows, same cursor) but gives the query a new cache key, so every request reads the
  generation, misses, runs the keyset query on PostgreSQL, maps the rows, renders the JSON and
  stores it. The numbers are those of a cache miss, including the store.

``nox -s bench -- catalog`` runs both (``companions``); ``catalog-cold`` also runs alone. Both
compare against bare Litestar replaying the same bytes. With ``--redis-url`` the cache is
Redis instead of the in-process LRU.

Memory, cold: every cold request leaves a page (about 10 KB) in the cache for its 300 s TTL.
The in-process cache bounds entries by count (100,000), not bytes, so the cold run's RSS grows
with the number of requests served; it is not the steady-state RSS of a warm API process.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import uuid
from typing import TYPE_CHECKING

import msgspec

from benchmarks.harness import BenchContext, Scenario, ScenarioError, log
from benchmarks.scenarios.categories import TREE
from benchmarks.servers import HttpSample

if TYPE_CHECKING:
    from core.identity.application.context import Principal
    from core.shared.money import Money

COURSE_COUNT = 200
PAGE_SIZE = 20
SEED = 20261201
# Courses seeded at once: each is ~10 short transactions; the container's pool is 10 + 10.
SEED_CONCURRENCY = 8
# Every cold request's price_max is at least this (minor units): far above any seeded price,
# so the filter keeps every course; random above it so every request has its own cache key.
COLD_PRICE_FLOOR = 10**15
COLD_PRICE_SPAN = 2**52  # < 2^53 - 10^15: exact in Lua's doubles, fits PostgreSQL's bigint
LIST_PATH = "/api/v1/catalog/courses"

_TITLES = {
    "en": (
        ("Introduction to", "Practical", "Advanced", "Complete Guide to", "Fundamentals of", "Hands-on"),
        (
            "Python",
            "Data Analysis",
            "Statistics",
            "Calculus",
            "Typography",
            "Negotiation",
            "Machine Learning",
            "Rust Systems Programming",
            "Accounting",
            "UX Research",
        ),
    ),
    "ru": (
        ("Введение в", "Практический курс:", "Продвинутый", "Основы:", "Интенсив:"),
        (
            "программирование",
            "анализ данных",
            "статистику",
            "алгебру",
            "маркетинг",
            "машинное обучение",
            "бухгалтерию",
            "дизайн интерфейсов",
        ),
    ),
    "he": (
        ("מבוא:", "קורס מעשי:", "מתקדמים:", "יסודות:"),
        ("תכנות", "ניתוח נתונים", "סטטיסטיקה", "אלגברה", "שיווק", "למידת מכונה", "עיצוב", "עברית מדוברת"),
    ),
}
_SUBTITLES = {
    "en": "Learn by doing: short lessons, real exercises and a final project.",
    "ru": "Короткие уроки, практические задания и итоговый проект.",
    "he": "שיעורים קצרים, תרגילים מעשיים ופרויקט מסכם.",
}
_TAGS = ("beginner-friendly", "project", "certificate", "video", "exercises", "live", "self-paced", "exam-prep")
_LANGUAGE_MIX = ("en",) * 5 + ("ru",) * 3 + ("he",) * 2
_CURRENCIES = ("USD", "EUR", "ILS")


class _Card(msgspec.Struct):
    id: uuid.UUID
    title: str
    language: str


class _Page(msgspec.Struct):
    items: list[_Card]
    next_cursor: str | None


class CatalogScenario(Scenario):
    name = "catalog"
    summary = (
        f"The catalog's first page ({PAGE_SIZE} of {COURSE_COUNT} published courses) from the warm "
        "catalog cache: HTTP stack and middleware, the page recalled for this query string, no I/O."
    )
    path = f"{LIST_PATH}?limit={PAGE_SIZE}"
    # Run right after this one by `python -m benchmarks catalog` (see benchmarks/__main__.py).
    companions: tuple[str, ...] = ("catalog-cold",)

    async def setup(self, ctx: BenchContext) -> None:
        await seed_catalog(ctx)

    def check_response(self, sample: HttpSample) -> None:
        super().check_response(sample)
        try:
            page = msgspec.json.decode(sample.body, type=_Page)
        except msgspec.DecodeError as exc:
            raise ScenarioError(f"{self.path} did not answer a catalog page: {exc}") from exc
        if len(page.items) != PAGE_SIZE:
            raise ScenarioError(f"{self.path} listed {len(page.items)} courses, expected {PAGE_SIZE}")
        if page.next_cursor is None:
            raise ScenarioError(f"{self.path} has no next page, but {COURSE_COUNT} courses were seeded")
        if len({card.id for card in page.items}) != PAGE_SIZE:
            raise ScenarioError(f"{self.path} listed a course twice")


class CatalogColdScenario(CatalogScenario):
    name = "catalog-cold"
    summary = (
        "The same page, but every request misses the catalog cache (a random price_max >= "
        "10^15 changes the key, not the rows): keyset query on PostgreSQL, mapping, JSON "
        "rendering and the cache store, per request."
    )
    # What the check and the baseline see; wrk sends a fresh price_max on every request.
    path = f"{LIST_PATH}?limit={PAGE_SIZE}&price_max={COLD_PRICE_FLOOR - 1}"
    companions = ()

    def wrk_lua(self) -> str:
        return cold_request_lua(f"{LIST_PATH}?limit={PAGE_SIZE}&price_max=")


def cold_request_lua(prefix: str) -> str:
    """Lua giving every request ``prefix`` + its own random integer in
    [COLD_PRICE_FLOOR, COLD_PRICE_FLOOR + COLD_PRICE_SPAN).

    Each wrk thread has its own Lua state: ``setup`` (run in the main state) numbers the threads
    and ``init`` seeds each one from the clock and its number, so threads and successive runs
    (at least a second apart) draw different sequences. Two of 10^6 draws from 2^52 values
    collide with probability ~10^-4: a handful of cache hits at most, never a pattern.
    """
    return f"""
wrk.method = "GET"
local next_thread = 0
function setup(thread)
  thread:set("thread_number", next_thread)
  next_thread = next_thread + 1
end
function init(args)
  math.randomseed(os.time() * 4096 + (thread_number or 0))
  for _ = 1, 16 do math.random() end  -- the first draws after seeding are poorly mixed
end
request = function()
  local price_max = {COLD_PRICE_FLOOR} + math.floor(math.random() * {COLD_PRICE_SPAN})
  return wrk.format(nil, "{prefix}" .. string.format("%.0f", price_max))
end
"""


@dataclasses.dataclass(frozen=True)
class _CoursePlan:
    author: Principal
    title: str
    language: str
    category_id: uuid.UUID
    difficulty: str
    duration_minutes: int
    tags: tuple[str, ...]
    price: Money | None  # None: free
    sections: tuple[int, ...]  # lessons per section


def _plan(rng: random.Random, number: int, instructors: list[Principal], category_ids: list[uuid.UUID]) -> _CoursePlan:
    from core.shared.money import Money

    language = rng.choice(_LANGUAGE_MIX)
    free = rng.random() < 0.2
    prefixes, subjects = _TITLES[language]
    return _CoursePlan(
        author=rng.choice(instructors),
        # The number keeps titles (and so slugs) unique without leaning on slug suffixing.
        title=f"{rng.choice(prefixes)} {rng.choice(subjects)} {number}",
        language=language,
        category_id=rng.choice(category_ids),
        difficulty=rng.choice(("beginner", "intermediate", "advanced")),
        duration_minutes=rng.randrange(30, 1200, 15),
        tags=tuple(rng.sample(_TAGS, rng.randint(1, 4))),
        price=None if free else Money(rng.randrange(990, 19991, 100), rng.choice(_CURRENCIES)),
        sections=tuple(rng.randint(2, 4) for _ in range(rng.randint(1, 2))),
    )


async def seed_catalog(ctx: BenchContext) -> None:
    """The categories of ``categories`` and ``COURSE_COUNT`` published courses, via the use cases."""
    from core.catalog.application import authoring
    from core.catalog.application.categories import CreateCategoryCommand
    from core.catalog.application.workflow import CourseCommand
    from core.identity.application.context import Principal
    from core.identity.domain.roles import Role
    from core.security.application.ip_rules import AddIpRuleCommand
    from ports.catalog.courses import CatalogQuery

    admin = Principal(uuid.UUID(int=1), Role.ADMIN, "bench")
    rng = random.Random(SEED)
    instructors = [Principal(uuid.UUID(int=1000 + i), Role.INSTRUCTOR, "bench") for i in range(12)]

    async with ctx.container() as container:
        # One client address sends all the load: trust it as an operator would trust a load
        # balancer. The IP filter and rate-limit middleware still run per request.
        await container.security.add_ip_rule()(AddIpRuleCommand("127.0.0.1", "allow", "load generator"))
        create_category = container.catalog.create_category()
        category_ids: list[uuid.UUID] = []
        for name, children in TREE:
            parent = await create_category(CreateCategoryCommand(name))
            category_ids.append(parent.id)
            for child in children:
                category_ids.append((await create_category(CreateCategoryCommand(child, parent_id=parent.id))).id)
        await container.catalog.refresh_category_tree()()

        catalog = container.catalog
        create, edit = catalog.create_course(), catalog.edit_course()
        submit, approve = catalog.submit_course(), catalog.approve_course()

        # Everything random is drawn up front, in order, so the data does not depend on how
        # the concurrent seeding interleaves.
        plans = [_plan(rng, number, instructors, category_ids) for number in range(1, COURSE_COUNT + 1)]

        async def publish(plan: _CoursePlan) -> None:
            author = plan.author
            course = await create(
                author,
                authoring.CreateCourseCommand(
                    plan.title,
                    language=plan.language,
                    subtitle=_SUBTITLES[plan.language],
                    description_html=f"<p>{plan.title}: {_SUBTITLES[plan.language]}</p>",
                    category_id=plan.category_id,
                ),
            )
            details = authoring.UpdateDetails(
                course.id, difficulty=plan.difficulty, duration_minutes=plan.duration_minutes, tags=plan.tags
            )
            await edit(author, details)
            await edit(author, authoring.SetPrice(course.id, plan.price))
            for s, lesson_count in enumerate(plan.sections, start=1):
                course = await edit(author, authoring.AddSection(course.id, f"Part {s}"))
                section_id = course.sections[-1].id
                for n in range(1, lesson_count + 1):
                    lesson = authoring.AddLesson(
                        course.id,
                        section_id,
                        f"Lesson {s}.{n}",
                        "article",
                        free_preview=n == 1,
                        article_html=f"<p>Lesson {s}.{n} of {plan.title}</p>",
                    )
                    await edit(author, lesson)
            await submit(author, CourseCommand(course.id))
            await approve(admin, CourseCommand(course.id))

        limit = asyncio.Semaphore(SEED_CONCURRENCY)

        async def bounded(plan: _CoursePlan) -> None:
            async with limit:
                await publish(plan)

        await asyncio.gather(*(bounded(plan) for plan in plans))
        # Each approval already retired the cached pages; once more so that with Redis no page
        # cached by an earlier run (against a database that no longer exists) can be served.
        await catalog.invalidate_catalog()()
        published = await catalog.list_catalog()(CatalogQuery(limit=PAGE_SIZE))
        if len(published.items) != PAGE_SIZE:
            raise ScenarioError(f"seeding published {len(published.items)} courses on the first page")
    log(f"seeded {len(category_ids)} categories and {COURSE_COUNT} published courses")
