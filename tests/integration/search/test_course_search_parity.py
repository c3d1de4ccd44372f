"""Acceptance: course search answers the same on the embedded index and on Typesense.

1,000 generated courses (``course_corpus``: English, Russian and Hebrew, a category tree, four
currencies, articles and quizzes) are indexed into both adapters by ``ReindexCourses`` (the
documents ``IndexCourse`` writes), then the same ``SearchCourses`` / ``SearchContent`` queries
run on both: exact and typo queries in the three languages (one or two edits, never among a
word's first two letters, which Typesense 0.24 does not forgive: docs/adr/0001-embedded-search.md),
filters, sorts and facets.

"The same" is strict: the same ``found``, the same first page of hits in the same order (whole
read models, highlights included) and the same facet counts. Ties cannot make this flaky:
view counts are all distinct, so equal relevance falls back to views, and the port's stable
per-document tie-breaker orders anything still equal identically on both adapters. The one
allowance is the ADR's documented Typesense 0.24 loss (it may miss a low-ranked match of a
long Cyrillic or Hebrew word, depending on its import order): such a query is compared on the
hits Typesense did find, and at most three per run are tolerated.
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from adapters.search.embedded import EmbeddedSearchIndex
from adapters.search.typesense import TypesenseSearchIndex
from core.catalog.application.course_search import (
    ContentSearchPage,
    ContentSearchQuery,
    CourseSearchPage,
    CourseSearchQuery,
    ReindexCourses,
    ReindexCoursesCommand,
    SearchContent,
    SearchCourses,
)
from core.catalog.domain.category import ancestors
from core.catalog.domain.search_documents import CONTENT, COURSES, content_documents, course_document
from entrypoints.devservices.typesense import Typesense
from ports.shared.search import SearchIndex, SearchQuery
from tests.integration.search.course_corpus import (
    QUIZ_WORDS,
    Corpus,
    CorpusCatalog,
    CorpusUnitOfWork,
    build_corpus,
    typo,
    typo_queries,
)

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.slow]

TOP = 10
MAX_TYPESENSE_MISSES = 3

# Hand-written: (query, a word of the vocabulary it must find). Edits are never in the first
# two letters.
TYPO_QUERIES = [
    ("pyhton", "python"),  # swap
    ("machne lerning", "machine"),  # two words, a deletion each
    ("statistcs", "statistics"),
    ("photograpy", "photography"),
    ("psycholgy", "psychology"),
    ("progarmmnig", "programming"),  # two edits (swaps) in a long word
    ("програмирование", "программирование"),
    ("статистка", "статистика"),
    ("бухгалтерея", "бухгалтерия"),
    ("фотографя", "фотография"),
    ("безопастность", "безопасность"),
    ("управлние", "управление"),  # a Cyrillic letter is two bytes: two edits
    ("סטטיסתיקה", "סטטיסטיקה"),  # substitution
    ("פסיכולוגיא", "פסיכולוגיה"),
    ("היסטורייה", "היסטוריה"),  # insertion
    ("אסטרונמיה", "אסטרונומיה"),  # deletion
    ("ביולגיה", "ביולוגיה"),
    ("פילוסופיא", "פילוסופיה"),
]


@dataclasses.dataclass
class Indexed:
    corpus: Corpus
    indexes: dict[str, SearchIndex]
    build_seconds: dict[str, float]
    # Documents an adapter did not store as written (id -> fields that differ), found right
    # after the build and written again one by one. See test_documents_are_stored_as_written.
    damaged: dict[str, dict[str, list[str]]]


def expected_documents(corpus: Corpus) -> dict[str, dict[str, dict[str, Any]]]:
    """collection -> id -> the document the use cases write."""
    parents = corpus.parents
    return {
        COURSES: {str(e.course_id): course_document(e, ancestors(e.category_id, parents)) for e in corpus.entries},
        CONTENT: {
            d["id"]: d for e in corpus.entries for d in content_documents(e, corpus.revisions[e.course_id].snapshot)
        },
    }


async def damaged_documents(index: SearchIndex, expected: dict[str, dict[str, dict[str, Any]]]) -> dict[str, list[str]]:
    """Read every stored document back; return the ids whose fields differ."""
    damaged: dict[str, list[str]] = {}
    for collection, documents in expected.items():
        seen = 0
        page = 1
        while seen < len(documents):
            result = await index.search(collection, SearchQuery(page=page, per_page=250))
            assert result.hits, (collection, seen)
            for hit in result.hits:
                want = documents[hit.document["id"]]
                fields = [k for k, v in want.items() if hit.document.get(k) != v]
                if fields:
                    damaged[want["id"]] = fields
            seen += len(result.hits)
            page += 1
    return damaged


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return build_corpus(1_000)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def indexed(
    corpus: Corpus, typesense_server: Typesense, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Indexed]:
    indexes: dict[str, SearchIndex] = {
        "embedded": EmbeddedSearchIndex(Path(tmp_path_factory.mktemp("embedded")) / "search"),
        "typesense": TypesenseSearchIndex(typesense_server.url, typesense_server.api_key),
    }
    seconds: dict[str, float] = {}
    damaged: dict[str, dict[str, list[str]]] = {}
    expected = expected_documents(corpus)
    try:
        for kind, index in indexes.items():
            started = time.perf_counter()
            result = await ReindexCourses(CorpusCatalog(corpus), CorpusUnitOfWork(corpus), index)(
                ReindexCoursesCommand()
            )
            seconds[kind] = time.perf_counter() - started
            assert result.courses == len(corpus.entries)
            damaged[kind] = await damaged_documents(index, expected)
        yield Indexed(corpus, indexes, seconds, damaged)
    finally:
        for index in indexes.values():
            for collection in (COURSES, CONTENT):
                await index.drop_collection(collection)
        typesense = indexes["typesense"]
        assert isinstance(typesense, TypesenseSearchIndex)
        await typesense.aclose()


Page = CourseSearchPage | ContentSearchPage


def ids(page: Page) -> list[str]:
    return [str(h.course_id) if isinstance(page, CourseSearchPage) else h.id for h in page.hits]  # type: ignore[union-attr]


async def all_ids(run: Callable[[SearchIndex, int, int], Awaitable[Page]], index: SearchIndex) -> list[str]:
    out: list[str] = []
    page = 1
    while True:
        result = await run(index, page, 100)
        out.extend(ids(result))
        if len(out) >= result.found or not result.hits:
            return out
        page += 1


class Parity:
    def __init__(self, indexed: Indexed) -> None:
        self.indexed = indexed
        self.misses: list[str] = []
        self.compared = 0

    async def check(self, label: str, run: Callable[[SearchIndex, int, int], Awaitable[Page]]) -> Page:
        """Run on both adapters; assert the same answer; return the embedded one."""
        embedded = await run(self.indexed.indexes["embedded"], 1, TOP)
        typesense = await run(self.indexed.indexes["typesense"], 1, TOP)
        self.compared += 1
        if embedded.found == typesense.found:
            assert embedded.hits == typesense.hits, (label, _first_difference(embedded, typesense))
            assert getattr(embedded, "facets", None) == getattr(typesense, "facets", None), label
            return embedded
        # The documented Typesense 0.24 loss: a low-ranked match or two of a long word.
        self.misses.append(label)
        assert embedded.found - 2 <= typesense.found < embedded.found, label
        found_by_typesense = await all_ids(run, self.indexed.indexes["typesense"])
        found_by_embedded = await all_ids(run, self.indexed.indexes["embedded"])
        assert set(found_by_typesense) < set(found_by_embedded), label
        kept = [i for i in found_by_embedded if i in set(found_by_typesense)]
        assert kept[:TOP] == ids(typesense), label
        return embedded


def _first_difference(a: Page, b: Page) -> str:
    for i, (x, y) in enumerate(zip(a.hits, b.hits, strict=False)):
        if x != y:
            return f"hit {i}:\n  embedded  {x!r}\n  typesense {y!r}"
    return f"{len(a.hits)} hits vs {len(b.hits)}"


def courses(query: CourseSearchQuery) -> Callable[[SearchIndex, int, int], Awaitable[Page]]:
    async def run(index: SearchIndex, page: int, limit: int) -> Page:
        return await SearchCourses(index)(dataclasses.replace(query, page=page, limit=limit))

    return run


def content(query: ContentSearchQuery) -> Callable[[SearchIndex, int, int], Awaitable[Page]]:
    async def run(index: SearchIndex, page: int, limit: int) -> Page:
        return await SearchContent(index)(dataclasses.replace(query, page=page, limit=limit))

    return run


async def test_indexing_is_quick_on_both(indexed: Indexed) -> None:
    assert max(indexed.build_seconds.values()) < 15, indexed.build_seconds


async def test_documents_are_stored_as_written(indexed: Indexed) -> None:
    """Every document reads back exactly as the use cases built it.

    Guards a server defect the Typesense adapter works around: 0.24.1 was seen storing a
    document with two bytes of a Cyrillic letter missing ("алгебра" read back as "алгера")
    after one ~1.2 MB UTF-8 import request, in about half the runs. The adapter now sends
    ASCII-escaped JSON in requests of at most 256 KiB."""
    assert indexed.damaged == {"embedded": {}, "typesense": {}}


async def test_generated_typo_queries_in_three_languages(indexed: Indexed) -> None:
    parity = Parity(indexed)
    queries = typo_queries(indexed.corpus, per_language=30)
    for _, q, source in queries:
        page = await parity.check(q, courses(CourseSearchQuery(q=q)))
        assert page.found > 0, q
        # the course the typo was made from is found (narrowed by filters to fit on a page)
        entry = indexed.corpus.by_id(source)
        narrowed = CourseSearchQuery(
            q=q, language=entry.language, difficulty=entry.difficulty, instructor_id=entry.owner_id, limit=100
        )
        assert source in {h.course_id for h in (await SearchCourses(indexed.indexes["embedded"])(narrowed)).hits}, q
    assert parity.compared == 90
    assert len(parity.misses) <= MAX_TYPESENSE_MISSES, parity.misses


async def test_hand_written_typo_queries(indexed: Indexed) -> None:
    parity = Parity(indexed)
    for q, word in TYPO_QUERIES:
        page = await parity.check(q, courses(CourseSearchQuery(q=q)))
        assert page.found > 0, q
        assert isinstance(page, CourseSearchPage)
        top = page.hits[0]
        assert any(word in h.snippet.lower() for h in top.highlights), (q, top.highlights)
        # the same with filters, another sort and a second page
        await parity.check(f"{q} / filtered", courses(CourseSearchQuery(q=q, free=False, difficulty="beginner")))
        await parity.check(f"{q} / newest", courses(CourseSearchQuery(q=q, sort="newest")))
        await parity.check(
            f"{q} / page 2", lambda index, _page, limit, q=q: courses(CourseSearchQuery(q=q))(index, 2, 5)
        )
    assert len(parity.misses) <= MAX_TYPESENSE_MISSES, parity.misses


async def test_filters_sorts_and_facets(indexed: Indexed) -> None:
    corpus = indexed.corpus
    parity = Parity(indexed)
    roots = [c for c in corpus.categories if c.parent_id is None]
    leaves = [c for c in corpus.categories if c.parent_id is not None]
    instructor = corpus.instructors[3]
    queries: list[CourseSearchQuery] = [
        CourseSearchQuery(),
        CourseSearchQuery(sort="newest"),
        CourseSearchQuery(sort="popular", language="ru"),
        *(CourseSearchQuery(category_id=c.id) for c in roots),
        *(CourseSearchQuery(category_id=c.id, difficulty="advanced") for c in leaves[:6]),
        *(CourseSearchQuery(price_band=band) for band in ("free", "under_20", "20_50", "50_100", "over_100")),
        CourseSearchQuery(free=True, language="he"),
        CourseSearchQuery(free=False, sort="newest"),
        CourseSearchQuery(instructor_id=instructor),
        CourseSearchQuery(instructor_id=instructor, q="python"),
        CourseSearchQuery(q="python", language="en", category_id=roots[0].id),
        CourseSearchQuery(q="анализ данных", sort="popular"),
        CourseSearchQuery(q="ניתוח נתונים"),
        CourseSearchQuery(q="modern python testing"),
        CourseSearchQuery(q="nothingmatcheshere"),
    ]
    for query in queries:
        page = await parity.check(repr(query), courses(query))
        assert isinstance(page, CourseSearchPage)
        assert set(page.facets) == {"category", "difficulty", "language", "price_band"}
    assert parity.misses == []
    everything = await SearchCourses(indexed.indexes["typesense"])(CourseSearchQuery())
    assert everything.found == 1_000
    assert sum(b.count for b in everything.facets["language"]) == 1_000


async def test_content_search(indexed: Indexed) -> None:
    corpus = indexed.corpus
    parity = Parity(indexed)
    teacher_of = tuple(e.course_id for e in corpus.entries[:40])
    for language, quiz_words in QUIZ_WORDS.items():
        for word in quiz_words:
            for q in (word, typo(word, random.Random(word))):
                student = await parity.check(f"{q} / student", content(ContentSearchQuery(q=q)))
                assert student.found == 0 or all(h.audience == "public" for h in student.hits)  # type: ignore[union-attr]
                teacher = await parity.check(
                    f"{q} / teacher", content(ContentSearchQuery(q=q, instructor_content_for=teacher_of))
                )
                admin = await parity.check(
                    f"{q} / admin", content(ContentSearchQuery(q=q, all_instructor_content=True))
                )
                assert student.found <= teacher.found <= admin.found, (language, q)
                assert admin.found > 0, (language, q)
    some_course = corpus.entries[7].course_id
    await parity.check("a course's lessons", content(ContentSearchQuery(q="", course_id=some_course)))
    for q in ("python", "программирование", "תכנות", "statistcs", "бухгалтерея"):
        await parity.check(f"{q} / lessons", content(ContentSearchQuery(q=q)))
    assert len(parity.misses) <= MAX_TYPESENSE_MISSES, parity.misses
