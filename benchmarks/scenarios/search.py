"""Course search through ``SearchIndex`` on Typesense vs the same search as direct HTTP.

In-process (there is no HTTP search endpoint yet): a Typesense 0.24.1 server is started for
the run, 100,000 generated courses (10,000 with ``--quick``) are indexed through the port's
``reindex``, then a fixed list of realistic queries (typos in English, Russian and Hebrew,
filters, facets, sorting, deep pages) runs alternately through

* the subject: ``TypesenseSearchIndex.search`` (validation, parameter building, the typesense
  client, mapping the answer to ``SearchResult``), and
* the baseline: ``httpx.AsyncClient.get`` of ``/collections/<alias>/documents/search`` with
  the very parameters the adapter sends, JSON-decoded,

one call at a time, so the difference at p50 is what our layer costs per search.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import random
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from benchmarks.harness import ScenarioError, log
from benchmarks.inprocess import (
    InProcessOptions,
    InProcessResult,
    InProcessScenario,
    LatencyStats,
    peak_rss_mb,
)
from benchmarks.rss import RssSampler
from entrypoints.devservices.typesense import Typesense, start_typesense

FULL_DOCUMENTS = 100_000
QUICK_DOCUMENTS = 10_000
FULL_ROUNDS = 40
QUICK_ROUNDS = 8
WARMUP_ROUNDS = 3
OVERHEAD_GOAL_MS = 5.0
SEED = 20261125


@contextlib.contextmanager
def running_typesense(data_dir: Path) -> Iterator[Typesense]:
    server = start_typesense(data_dir)
    try:
        yield server
    finally:
        server.stop()


def _vocabulary(*lines: str) -> tuple[str, ...]:
    return tuple(word for line in lines for word in line.split())


_WORDS = {
    "en": _vocabulary(
        "python programming data analysis machine learning statistics calculus algebra geometry design "
        "marketing accounting finance project management leadership writing english spanish hebrew "
        "photography music guitar piano drawing painting cooking nutrition fitness yoga history philosophy "
        "psychology economics biology chemistry physics astronomy geography networks security cloud "
        "databases testing web development mobile javascript rust golang kubernetes docker devops linux "
        "excel visualisation research negotiation sales branding typography animation video editing "
        "introduction practical advanced complete guide fundamentals masterclass bootcamp essentials"
    ),
    "ru": _vocabulary(
        "программирование анализ данных машинное обучение статистика алгебра геометрия дизайн маркетинг "
        "бухгалтерия финансы управление проектами лидерство письмо английский испанский иврит фотография "
        "музыка гитара фортепиано рисование живопись кулинария питание фитнес йога история философия "
        "психология экономика биология химия физика астрономия география сети безопасность облака базы "
        "тестирование веб разработка мобильные python javascript продажи переговоры анимация видео "
        "введение практический продвинутый полный курс основы интенсив"
    ),
    "he": _vocabulary(
        "תכנות ניתוח נתונים למידת מכונה סטטיסטיקה אלגברה גאומטריה עיצוב שיווק חשבונאות כספים ניהול "
        "פרויקטים מנהיגות כתיבה אנגלית ספרדית עברית צילום מוזיקה גיטרה פסנתר ציור בישול תזונה כושר יוגה "
        "היסטוריה פילוסופיה פסיכולוגיה כלכלה ביולוגיה כימיה פיזיקה אסטרונומיה רשתות אבטחה ענן מסדי בדיקות "
        "אינטרנט פיתוח פייתון מכירות משא ומתן אנימציה וידאו מבוא מעשי מתקדם מלא קורס יסודות"
    ),
}
_CATEGORIES = ("programming", "data", "mathematics", "languages", "design", "business", "arts", "science")
_LEVELS = ("beginner", "intermediate", "advanced")
_PRICES = (0, 990, 1490, 2990, 4990, 7990, 12990, 19990)


def _price_band(cents: int) -> str:
    if cents == 0:
        return "free"
    if cents < 2000:
        return "under_20"
    if cents <= 5000:
        return "20_to_50"
    return "over_50"


def generate_courses(count: int, seed: int = SEED) -> Iterator[dict[str, Any]]:
    """``count`` deterministic course documents, generated lazily (never all in memory)."""
    rng = random.Random(seed)
    languages = ("en", "ru", "he")
    for n in range(count):
        language = languages[n % 3] if rng.random() < 0.9 else "en"
        vocabulary = _WORDS[language]
        cents = _PRICES[rng.randrange(len(_PRICES))]
        yield {
            "id": f"course-{n:06d}",
            "title": " ".join(rng.sample(vocabulary, rng.randint(2, 5))).capitalize(),
            "description": " ".join(rng.choice(vocabulary) for _ in range(rng.randint(15, 45))),
            "tags": rng.sample(vocabulary, 3),
            "category": _CATEGORIES[rng.randrange(len(_CATEGORIES))],
            "difficulty": _LEVELS[rng.randrange(3)],
            "language": language,
            "price_cents": cents,
            "price_band": _price_band(cents),
            "rating": round(1.0 + rng.random() * 4.0, 1),
            "enrollments": rng.randrange(0, 250_000),
            "is_free": cents == 0,
            "instructor_id": f"instructor-{rng.randrange(2_000):04d}",
        }


def course_schema(name: str) -> Any:
    from ports.shared.search import CollectionSchema, SearchField

    return CollectionSchema(
        name=name,
        fields=(
            SearchField("title", "string", search=True),
            SearchField("description", "string", search=True),
            SearchField("tags", "string[]", search=True, facet=True),
            SearchField("category", "string", facet=True),
            SearchField("difficulty", "string", facet=True),
            SearchField("language", "string", facet=True),
            SearchField("price_band", "string", facet=True),
            SearchField("price_cents", "int", filter=True, sort=True),
            SearchField("rating", "float", filter=True, sort=True),
            SearchField("enrollments", "int", sort=True),
            SearchField("is_free", "bool", facet=True, sort=True),
        ),
        default_sorting_field="enrollments",
    )


def queries() -> list[tuple[str, Any]]:
    """(case, SearchQuery): what a course catalogue is asked, typos included."""
    from ports.shared.search import AnyOf, Equals, QueryField, Range, SearchQuery, SortBy

    by = (QueryField("title", 3), QueryField("tags", 2), QueryField("description", 1))
    facets = ("category", "difficulty", "language", "price_band")
    return [
        ("python, 4 facets", SearchQuery(q="python", query_by=by, facet_by=facets)),
        ("pyhton (typo), 4 facets", SearchQuery(q="pyhton", query_by=by, facet_by=facets)),
        (
            "machine learning, language=en",
            SearchQuery(q="machine learning", query_by=by, filters=(Equals("language", "en"),)),
        ),
        ("програмирование (ru typo), facet", SearchQuery(q="програмирование", query_by=by, facet_by=("difficulty",))),
        ("פיתון (he typo)", SearchQuery(q="פיתון", query_by=by)),
        (
            "data analysis, price bands, by rating",
            SearchQuery(
                q="data analysis",
                query_by=by,
                filters=(AnyOf("price_band", ("free", "under_20")),),
                sort_by=(SortBy("rating", descending=True),),
            ),
        ),
        (
            "browse: category+difficulty, 4 facets",
            SearchQuery(filters=(Equals("category", "programming"), Equals("difficulty", "beginner")), facet_by=facets),
        ),
        (
            "browse: price range, by price",
            SearchQuery(filters=(Range("price_cents", gte=1000, lte=5000),), sort_by=(SortBy("price_cents"),)),
        ),
        ("statistcs (typo), paid", SearchQuery(q="statistcs", query_by=by, filters=(Equals("is_free", False),))),
        ("design, page 3", SearchQuery(q="design", query_by=by, page=3, per_page=20)),
        ("маркетинг, 4 facets", SearchQuery(q="маркетинг", query_by=by, facet_by=facets)),
        ("web development, tag facet", SearchQuery(q="web development", query_by=by, facet_by=("tags",))),
        ("javascript, rating>=4", SearchQuery(q="javascript", query_by=by, filters=(Range("rating", gte=4.0),))),
        ("שיווק, language=he", SearchQuery(q="שיווק", query_by=by, filters=(Equals("language", "he"),))),
        (
            "photgraphy (typo), free first",
            SearchQuery(
                q="photgraphy",
                query_by=by,
                sort_by=(SortBy("is_free", descending=True), SortBy("rating", descending=True)),
            ),
        ),
        ("guitar piano, 50 per page", SearchQuery(q="guitar piano", query_by=by, per_page=50)),
    ]


class SearchScenario(InProcessScenario):
    name = "search"
    summary = (
        "Course search (text with typos in en/ru/he, filters, facets, sorting, pages) through the "
        "SearchIndex port on Typesense 0.24.1, against the same searches sent directly over HTTP: "
        "the difference at p50 is what our layer adds to a search."
    )
    path = "SearchIndex.search on Typesense vs direct GET .../documents/search"

    def run(self, options: InProcessOptions) -> InProcessResult:
        return asyncio.run(self._run(options))

    async def _run(self, options: InProcessOptions) -> InProcessResult:
        from adapters.search import words
        from adapters.search.typesense import TypesenseSearchIndex, search_parameters

        started_at = dt.datetime.now(dt.UTC)
        loadavg_before = round(os.getloadavg()[0], 2)
        documents = QUICK_DOCUMENTS if options.quick else FULL_DOCUMENTS
        rounds = options.repeats or (QUICK_ROUNDS if options.quick else FULL_ROUNDS)
        schema = course_schema("courses")
        cases = queries()

        with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp, running_typesense(Path(tmp)) as server:
            log(f"[search] Typesense ready on {server.url} (pid {server.server.pid})")
            index = TypesenseSearchIndex(server.url, server.api_key)
            direct = httpx.AsyncClient(
                base_url=server.url,
                headers={"X-TYPESENSE-API-KEY": server.api_key},
                timeout=10.0,
                limits=httpx.Limits(max_connections=10, max_keepalive_connections=10),
            )
            try:
                began = time.perf_counter()
                report = await index.reindex(schema, generate_courses(documents))
                index_s = time.perf_counter() - began
                log(f"[search] indexed {report.documents:,} documents in {index_s:.1f} s")
                endpoint = f"/collections/{schema.name}/documents/search"
                plans = [(case, query, search_parameters(schema, query, words(query.q))) for case, query in cases]

                async def ours(query: Any) -> list[str]:
                    result = await index.search(schema.name, query)
                    return result.ids

                async def baseline(params: dict[str, Any]) -> list[str]:
                    answer = await direct.get(endpoint, params=params)
                    answer.raise_for_status()
                    return [hit["document"]["id"] for hit in answer.json()["hits"]]

                for case, query, params in plans:  # same answers, or the numbers compare nothing
                    mine, theirs = await ours(query), await baseline(params)
                    if mine != theirs:
                        raise ScenarioError(f"{case!r}: the port answered {mine[:5]}, direct HTTP {theirs[:5]}")
                    if not mine and case != "design, page 3":
                        raise ScenarioError(f"{case!r} found nothing: the generated corpus does not fit the queries")

                for _ in range(WARMUP_ROUNDS):
                    for _, query, params in plans:
                        await ours(query)
                        await baseline(params)

                subject: dict[str, list[float]] = {case: [] for case, _, _ in plans}
                base: dict[str, list[float]] = {case: [] for case, _, _ in plans}
                with RssSampler(server.server.pid) as server_rss:
                    for round_ in range(rounds):
                        for position, (case, query, params) in enumerate(plans):
                            # Alternate which side goes first, so neither always meets a warm path.
                            order = ("ours", "base") if (round_ + position) % 2 == 0 else ("base", "ours")
                            for side in order:
                                t0 = time.perf_counter()
                                if side == "ours":
                                    await ours(query)
                                    subject[case].append(time.perf_counter() - t0)
                                else:
                                    await baseline(params)
                                    base[case].append(time.perf_counter() - t0)
                log(f"[search] measured {rounds} rounds x {len(plans)} queries per side")
            finally:
                await direct.aclose()
                await index.aclose()

        all_subject = [s for samples in subject.values() for s in samples]
        all_base = [s for samples in base.values() for s in samples]
        per_case = tuple(
            (case, LatencyStats.of(subject[case]).p50_ms, LatencyStats.of(base[case]).p50_ms) for case in subject
        )
        return InProcessResult(
            scenario=self.name,
            summary=self.summary,
            request=self.path,
            started_at=started_at,
            loadavg_before=loadavg_before,
            quick=options.quick,
            subject_label="Lyceum: TypesenseSearchIndex.search",
            subject=LatencyStats.of(all_subject),
            baseline_label="httpx GET, same parameters, JSON-decoded",
            baseline=LatencyStats.of(all_base),
            overhead_goal_ms=OVERHEAD_GOAL_MS,
            peak_rss_mb=peak_rss_mb(),
            details={
                "documents": documents,
                "index_seconds": round(index_s, 2),
                "index_docs_per_second": round(documents / index_s),
                "queries": len(plans),
                "rounds": rounds,
                "warmup_rounds": WARMUP_ROUNDS,
                "typesense_peak_rss_mb": server_rss.peak.largest_mb,
                "concurrency": 1,
            },
            notes=(
                f"{documents:,} generated courses indexed through `reindex` in {index_s:.1f} s "
                f"({documents / index_s:,.0f} documents/s); Typesense peak RSS "
                f"{server_rss.peak.largest_mb:.0f} MB.",
                f"{len(plans)} queries x {rounds} rounds per side, one call at a time, sides alternated per "
                f"query, {WARMUP_ROUNDS} warm-up rounds; answers checked equal before timing.",
            ),
            cases=per_case,
            packages=("typesense", "httpx", "tantivy"),
        )
