"""The course search use cases against the embedded index (real tantivy, a directory per
test) and an in-memory catalog (``course_corpus``): indexing, removal, rebuilding, filters,
facets, paging, content access by audience, and errors."""

from __future__ import annotations

import dataclasses
import uuid
from collections import Counter
from pathlib import Path

import pytest
from benchmarks.servers import free_port

from adapters.search.embedded import EmbeddedSearchIndex
from adapters.search.typesense import TypesenseSearchIndex
from core.catalog.application.course_search import (
    ContentSearchQuery,
    CourseSearchQuery,
    IndexCourse,
    IndexCourseCommand,
    ReindexCourses,
    ReindexCoursesCommand,
    RemoveCourseFromIndex,
    RemoveCourseFromIndexCommand,
    SearchContent,
    SearchCourses,
)
from core.catalog.domain.category import ancestors
from core.catalog.domain.search_documents import CONTENT, COURSES, INSTRUCTORS, PUBLIC, price_band
from core.shared.errors import InvalidInput, NotFound, SearchUnavailable
from ports.catalog.courses import CatalogEntry, CourseRevision
from ports.shared.search import Equals, SearchQuery
from tests.integration.search.course_corpus import Corpus, CorpusCatalog, CorpusUnitOfWork, build_corpus

COUNT = 90


@dataclasses.dataclass
class World:
    corpus: Corpus
    catalog: CorpusCatalog
    uow: CorpusUnitOfWork
    index: EmbeddedSearchIndex

    def use_cases(self) -> tuple[IndexCourse, ReindexCourses, SearchCourses, SearchContent]:
        return (
            IndexCourse(self.catalog, self.uow, self.index),
            ReindexCourses(self.catalog, self.uow, self.index),
            SearchCourses(self.index),
            SearchContent(self.index),
        )


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return build_corpus(COUNT, seed=99)


@pytest.fixture
async def world(corpus: Corpus, tmp_path: Path) -> World:
    return World(corpus, CorpusCatalog(corpus), CorpusUnitOfWork(corpus), EmbeddedSearchIndex(tmp_path / "search"))


@pytest.fixture
async def indexed(world: World) -> World:
    await ReindexCourses(world.catalog, world.uow, world.index)(ReindexCoursesCommand(page_size=32))
    return world


def with_quiz(corpus: Corpus) -> CatalogEntry:
    """The first course with a quiz lesson."""
    for entry in corpus.entries:
        lessons = [lesson for s in corpus.revisions[entry.course_id].snapshot["sections"] for lesson in s["lessons"]]
        if any(lesson["kind"] == "quiz" for lesson in lessons):
            return entry
    raise AssertionError("the corpus has no quiz")


def quiz_prompt_word(corpus: Corpus, entry: CatalogEntry) -> str:
    for section in corpus.revisions[entry.course_id].snapshot["sections"]:
        for lesson in section["lessons"]:
            if lesson["kind"] == "quiz":
                return str(lesson["quiz"]["items"][0]["prompt"].split()[0])
    raise AssertionError


# -- indexing ------------------------------------------------------------------------------------


async def test_index_course_makes_it_and_its_lessons_searchable(world: World) -> None:
    index_course, _, search_courses, search_content = world.use_cases()
    entry = with_quiz(world.corpus)
    result = await index_course(IndexCourseCommand(entry.course_id))
    snapshot = world.corpus.revisions[entry.course_id].snapshot
    lessons = [lesson for s in snapshot["sections"] for lesson in s["lessons"]]
    quizzes = sum(1 for lesson in lessons if lesson["kind"] == "quiz")
    assert result.indexed and result.content_documents == len(lessons) + quizzes

    page = await search_courses(CourseSearchQuery(q=entry.title))
    assert [h.course_id for h in page.hits] == [entry.course_id]
    hit = page.hits[0]
    assert (hit.title, hit.slug, hit.price_band) == (
        entry.title,
        entry.slug,
        price_band(entry.price_amount, entry.price_currency),
    )
    title_mark = next(h for h in hit.highlights if h.field == "title")
    assert len(title_mark.marks) == len(entry.title.split())

    content = await search_content(ContentSearchQuery(q="", course_id=entry.course_id, limit=100))
    assert [h.lesson_id for h in content.hits] == [uuid.UUID(lesson["id"]) for lesson in lessons]  # syllabus order
    assert {h.audience for h in content.hits} == {PUBLIC}


async def test_a_new_revision_replaces_the_content_and_archiving_removes_everything(world: World) -> None:
    index_course, _, search_courses, search_content = world.use_cases()
    entry = with_quiz(world.corpus)
    await index_course(IndexCourseCommand(entry.course_id))
    everything = ContentSearchQuery(q="", course_id=entry.course_id, all_instructor_content=True, limit=100)
    before = await search_content(everything)

    # revision 2 keeps only the first lesson, renamed
    snapshot = world.corpus.revisions[entry.course_id].snapshot
    first = dict(snapshot["sections"][0]["lessons"][0], title="Renamed lesson")
    world.uow.courses.revisions[entry.course_id] = CourseRevision(
        entry.course_id,
        2,
        {"sections": [{"id": "s", "title": "S", "lessons": [first]}]},
        entry.owner_id,
        entry.updated_at,
    )
    world.catalog.entries_by_id[entry.course_id] = dataclasses.replace(entry, revision=2, title="Brand new title")
    await index_course(IndexCourseCommand(entry.course_id))
    after = await search_content(everything)
    assert before.found > 1 and after.found == (2 if first["kind"] == "quiz" else 1)
    assert {h.lesson_title for h in after.hits} == {"Renamed lesson"}
    assert {h.course_title for h in after.hits} == {"Brand new title"}
    assert (await search_courses(CourseSearchQuery(q="brand new title"))).found == 1

    del world.catalog.entries_by_id[entry.course_id]  # archived
    result = await index_course(IndexCourseCommand(entry.course_id))
    assert not result.indexed
    assert (await search_courses(CourseSearchQuery(q="brand new title"))).found == 0
    assert (await search_content(everything)).found == 0


async def test_remove_course_from_index(indexed: World) -> None:
    entry = with_quiz(indexed.corpus)
    await RemoveCourseFromIndex(indexed.index)(RemoveCourseFromIndexCommand(entry.course_id))
    await RemoveCourseFromIndex(indexed.index)(RemoveCourseFromIndexCommand(entry.course_id))  # idempotent
    by_course = SearchQuery(filters=(Equals("course_id", str(entry.course_id)),))
    assert (await indexed.index.search(CONTENT, by_course)).found == 0
    total = await indexed.index.search(COURSES, SearchQuery())
    assert total.found == COUNT - 1


async def test_missing_revision_is_an_error(world: World) -> None:
    entry = world.corpus.entries[0]
    del world.uow.courses.revisions[entry.course_id]
    with pytest.raises(NotFound) as caught:
        await IndexCourse(world.catalog, world.uow, world.index)(IndexCourseCommand(entry.course_id))
    assert caught.value.code == "course.revision_not_found"


async def test_reindex_rebuilds_both_collections_with_progress(world: World) -> None:
    calls: list[tuple[int, int]] = []
    reindex = ReindexCourses(world.catalog, world.uow, world.index)
    result = await reindex(
        ReindexCoursesCommand(on_progress=lambda done, total: calls.append((done, total)), page_size=40)
    )
    expected_content = sum(
        len(lesson_list) + sum(1 for lesson in lesson_list if lesson["kind"] == "quiz")
        for lesson_list in (
            [lesson for s in r.snapshot["sections"] for lesson in s["lessons"]] for r in world.corpus.revisions.values()
        )
    )
    assert (result.courses, result.content_documents) == (COUNT, expected_content)
    assert calls == [(40, 180), (80, 180), (90, 180), (130, 180), (170, 180), (180, 180)]
    assert (await world.index.search(COURSES, SearchQuery())).found == COUNT
    assert (await world.index.search(CONTENT, SearchQuery())).found == expected_content
    # again, after a course was archived: the rebuilt collections no longer hold it
    gone = world.corpus.entries[5].course_id
    del world.catalog.entries_by_id[gone]
    await reindex(ReindexCoursesCommand())
    assert (await world.index.search(COURSES, SearchQuery())).found == COUNT - 1
    by_course = SearchQuery(filters=(Equals("course_id", str(gone)),))
    assert (await world.index.search(CONTENT, by_course)).found == 0


# -- searching courses -----------------------------------------------------------------------------


def brute(corpus: Corpus, predicate: object) -> set[uuid.UUID]:
    return {e.course_id for e in corpus.entries if predicate(e)}  # type: ignore[operator]


async def all_course_ids(search: SearchCourses, query: CourseSearchQuery) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()
    page = 1
    while True:
        result = await search(dataclasses.replace(query, page=page, limit=100))
        found |= {h.course_id for h in result.hits}
        if len(found) >= result.found or not result.hits:
            return found
        page += 1


async def test_filters_match_the_catalog(indexed: World) -> None:
    corpus = indexed.corpus
    search = SearchCourses(indexed.index)
    parents = corpus.parents
    root = next(c for c in corpus.categories if c.parent_id is None)
    chain = {e.course_id: set(ancestors(e.category_id, parents)) for e in corpus.entries}
    instructor = corpus.entries[0].instructor_ids[0]
    cases = [
        (CourseSearchQuery(category_id=root.id), lambda e: root.id in chain[e.course_id]),
        (CourseSearchQuery(difficulty="advanced"), lambda e: e.difficulty == "advanced"),
        (CourseSearchQuery(language="he"), lambda e: e.language == "he"),
        (CourseSearchQuery(price_band="20_50"), lambda e: price_band(e.price_amount, e.price_currency) == "20_50"),
        (CourseSearchQuery(free=True), lambda e: e.price_amount == 0),
        (CourseSearchQuery(free=False, language="ru"), lambda e: e.price_amount > 0 and e.language == "ru"),
        (CourseSearchQuery(instructor_id=instructor), lambda e: instructor in e.instructor_ids),
    ]
    for query, predicate in cases:
        expected = brute(corpus, predicate)
        assert expected, query
        assert await all_course_ids(search, query) == expected, query


async def test_facets_count_the_whole_result(indexed: World) -> None:
    corpus = indexed.corpus
    page = await SearchCourses(indexed.index)(CourseSearchQuery(language="en", limit=5))
    en = [e for e in corpus.entries if e.language == "en"]
    assert page.found == len(en) and len(page.hits) == 5
    assert dict((b.value, b.count) for b in page.facets["difficulty"]) == Counter(e.difficulty for e in en)
    assert dict((b.value, b.count) for b in page.facets["language"]) == {"en": len(en)}
    bands = Counter(price_band(e.price_amount, e.price_currency) for e in en)
    assert dict((b.value, b.count) for b in page.facets["price_band"]) == bands
    per_category: Counter[str] = Counter()
    for e in en:
        per_category.update(str(c) for c in ancestors(e.category_id, corpus.parents))
    assert dict((b.value, b.count) for b in page.facets["category"]) == per_category  # parents count descendants


async def test_paging_is_clamped(indexed: World) -> None:
    search = SearchCourses(indexed.index)
    big = await search(CourseSearchQuery(limit=1_000, page=0))
    assert (big.limit, big.page, len(big.hits)) == (100, 1, min(100, COUNT))
    far = await search(CourseSearchQuery(limit=50, page=10_000))
    assert (far.page, far.hits) == (200, ())
    tiny = await search(CourseSearchQuery(limit=0))
    assert tiny.limit == 1 and len(tiny.hits) == 1


async def test_sorts(indexed: World) -> None:
    search = SearchCourses(indexed.index)
    newest = await search(CourseSearchQuery(sort="newest", limit=5))
    expected = sorted(indexed.corpus.entries, key=lambda e: e.published_at, reverse=True)[:5]
    assert [h.course_id for h in newest.hits] == [e.course_id for e in expected]
    popular = await search(CourseSearchQuery(sort="popular", limit=5))
    expected = sorted(indexed.corpus.entries, key=lambda e: e.views, reverse=True)[:5]
    assert [h.course_id for h in popular.hits] == [e.course_id for e in expected]


@pytest.mark.parametrize(
    "query",
    [
        CourseSearchQuery(difficulty="expert"),
        CourseSearchQuery(language="fr"),
        CourseSearchQuery(price_band="cheap"),
        CourseSearchQuery(sort="random"),  # type: ignore[arg-type]
    ],
)
async def test_unknown_filter_values_are_invalid_input(indexed: World, query: CourseSearchQuery) -> None:
    with pytest.raises(InvalidInput):
        await SearchCourses(indexed.index)(query)


async def test_typo_queries_in_three_languages(indexed: World) -> None:
    search = SearchCourses(indexed.index)
    for language in ("en", "ru", "he"):
        entry = next(
            e for e in indexed.corpus.entries if e.language == language and max(map(len, e.title.split())) >= 6
        )
        word = max(entry.title.split(), key=len)
        typo = word[:3] + word[4:]  # one letter dropped, after the first two
        page = await search(CourseSearchQuery(q=typo, language=language, limit=100))
        assert entry.course_id in {h.course_id for h in page.hits}, typo
        hit = next(h for h in page.hits if h.course_id == entry.course_id)
        title_mark = next(h for h in hit.highlights if h.field == "title")
        assert word in [title_mark.snippet[a:b] for a, b in title_mark.marks]


async def test_search_before_anything_was_indexed_is_empty(world: World) -> None:
    page = await SearchCourses(world.index)(CourseSearchQuery(q="python"))
    assert (page.found, page.hits) == (0, ())
    content = await SearchContent(world.index)(ContentSearchQuery(q="python"))
    assert content.found == 0


async def test_search_unavailable_propagates() -> None:
    index = TypesenseSearchIndex(f"http://127.0.0.1:{free_port()}", "key", timeout_s=1.0)
    try:
        with pytest.raises(SearchUnavailable):
            await SearchCourses(index)(CourseSearchQuery(q="python"))
        with pytest.raises(SearchUnavailable):
            await SearchContent(index)(ContentSearchQuery(q="python"))
        with pytest.raises(SearchUnavailable):
            await RemoveCourseFromIndex(index)(RemoveCourseFromIndexCommand(uuid.uuid4()))
    finally:
        await index.aclose()


# -- searching content -----------------------------------------------------------------------------


async def test_quiz_text_is_for_instructors_of_the_course_and_admins(indexed: World) -> None:
    search = SearchContent(indexed.index)
    entry = with_quiz(indexed.corpus)
    word = quiz_prompt_word(indexed.corpus, entry)
    other = next(e for e in indexed.corpus.entries if e.course_id != entry.course_id)

    student = await search(ContentSearchQuery(q=word, course_id=entry.course_id))
    assert all(h.audience == PUBLIC for h in student.hits)
    assert all(h.kind != "quiz" or not any(m.field == "text" for m in h.highlights) for h in student.hits)

    teacher = await search(
        ContentSearchQuery(q=word, course_id=entry.course_id, instructor_content_for=(entry.course_id,))
    )
    quiz_hits = [h for h in teacher.hits if h.audience == INSTRUCTORS]
    assert quiz_hits and all(h.course_id == entry.course_id and h.kind == "quiz" for h in quiz_hits)
    assert any(m.field == "text" and m.marks for m in quiz_hits[0].highlights)

    stranger = await search(
        ContentSearchQuery(q=word, course_id=entry.course_id, instructor_content_for=(other.course_id,))
    )
    assert [h.id for h in stranger.hits] == [h.id for h in student.hits]

    everywhere = await search(ContentSearchQuery(q=word, all_instructor_content=True, limit=100))
    across = await search(ContentSearchQuery(q=word, instructor_content_for=(entry.course_id,), limit=100))
    assert {h.id for h in quiz_hits} <= {h.id for h in across.hits} <= {h.id for h in everywhere.hits}
    assert {h.course_id for h in across.hits if h.audience == INSTRUCTORS} == {entry.course_id}
    assert len({h.course_id for h in everywhere.hits if h.audience == INSTRUCTORS}) > 1


async def test_article_text_is_public_and_ranked_by_relevance(indexed: World) -> None:
    search = SearchContent(indexed.index)
    entry, lesson = next(
        (e, lesson)
        for e in indexed.corpus.entries
        for s in indexed.corpus.revisions[e.course_id].snapshot["sections"]
        for lesson in s["lessons"]
        if lesson["kind"] == "article"
    )
    page = await search(ContentSearchQuery(q=lesson["title"], course_id=entry.course_id))
    assert page.hits[0].lesson_id == uuid.UUID(lesson["id"])
    assert page.hits[0].course_slug == entry.slug


async def test_too_many_instructor_courses_without_a_course_is_invalid(indexed: World) -> None:
    many = tuple(uuid.uuid4() for _ in range(120))
    with pytest.raises(InvalidInput) as caught:
        await SearchContent(indexed.index)(ContentSearchQuery(q="x", instructor_content_for=many))
    assert caught.value.code == "search.too_many_courses"
    # naming the course keeps only that course's key
    page = await SearchContent(indexed.index)(ContentSearchQuery(q="", course_id=many[0], instructor_content_for=many))
    assert page.found == 0
