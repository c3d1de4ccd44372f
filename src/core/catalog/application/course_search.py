"""Course search and content search: keeping the index in step with the catalog, and querying it.

Writes: ``IndexCourse`` (after a course is approved, re-approved or archived: it reads the
current catalog entry and does the right thing), ``RemoveCourseFromIndex`` and
``ReindexCourses`` (rebuild both collections from the catalog through the port's alias swap).
Reads: ``SearchCourses`` (the public catalogue search, filters and facets) and
``SearchContent`` (lesson titles and articles for everyone; quiz text only for callers the
entry point says may see it). ``SearchUnavailable`` from the index propagates unchanged.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any, Final, Literal

from core.catalog.domain.category import ancestors
from core.catalog.domain.course import LANGUAGES, Difficulty
from core.catalog.domain.search_documents import (
    CONTENT,
    CONTENT_QUERY_BY,
    CONTENT_SCHEMA,
    COURSE_QUERY_BY,
    COURSE_SCHEMA,
    COURSES,
    PRICE_BANDS,
    PUBLIC,
    Highlight,
    content_documents,
    course_document,
    highlight,
    instructor_key,
    query_terms,
)
from core.shared.errors import InvalidInput, NotFound, UnknownCollection
from ports.catalog.courses import CatalogEntry, CatalogReader
from ports.catalog.repositories import CatalogUnitOfWork
from ports.shared.search import (
    MAX_IN_VALUES,
    MAX_PER_PAGE,
    MAX_RESULT_WINDOW,
    TEXT_MATCH,
    AnyOf,
    Document,
    Equals,
    Filter,
    SearchIndex,
    SearchQuery,
    SearchResult,
    SortBy,
)

UowFactory = Callable[[], CatalogUnitOfWork]
Progress = Callable[[int, int], None]

MAX_LIMIT: Final = 100
SNIPPET_CHARS: Final = 160
# Facet name -> index field, in the order results list them.
COURSE_FACETS: Final = {
    "category": "category_ids",
    "difficulty": "difficulty",
    "language": "language",
    "price_band": "price_band",
}
CourseSort = Literal["relevance", "newest", "popular"]


# -- commands and read models ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class IndexCourseCommand:
    course_id: uuid.UUID


@dataclasses.dataclass(frozen=True)
class IndexCourseResult:
    course_id: uuid.UUID
    indexed: bool  # False: the course has no catalog entry (archived) and was removed
    content_documents: int


@dataclasses.dataclass(frozen=True)
class RemoveCourseFromIndexCommand:
    course_id: uuid.UUID


@dataclasses.dataclass(frozen=True)
class ReindexCoursesCommand:
    """``on_progress(done, total)`` is called after each page; the rebuild passes over the
    catalog twice (courses, then content), so ``total`` is twice the number of courses."""

    on_progress: Progress | None = None
    page_size: int = 200


@dataclasses.dataclass(frozen=True)
class ReindexCoursesResult:
    courses: int
    content_documents: int


@dataclasses.dataclass(frozen=True)
class CourseSearchQuery:
    """Filters are ANDed. ``category_id`` matches its descendants too. ``free=True`` is the
    ``free`` price band; ``free=False`` every other band. ``limit`` is clamped to 1..100 and
    ``page`` to what the index can page to."""

    q: str = ""
    category_id: uuid.UUID | None = None
    difficulty: str | None = None
    language: str | None = None
    price_band: str | None = None
    free: bool | None = None
    instructor_id: uuid.UUID | None = None
    sort: CourseSort = "relevance"
    page: int = 1
    limit: int = 20


@dataclasses.dataclass(frozen=True)
class FacetBucket:
    value: str  # category facets: the category id as a string
    count: int


@dataclasses.dataclass(frozen=True)
class CourseHit:
    course_id: uuid.UUID
    slug: str
    title: str
    subtitle: str
    language: str
    difficulty: str
    price_amount: int
    currency: str
    price_band: str
    highlights: tuple[Highlight, ...]  # title, subtitle, description: the fields where q matched


@dataclasses.dataclass(frozen=True)
class CourseSearchPage:
    hits: tuple[CourseHit, ...]
    found: int
    page: int
    limit: int
    facets: dict[str, tuple[FacetBucket, ...]]  # "category", "difficulty", "language", "price_band"


@dataclasses.dataclass(frozen=True)
class ContentSearchQuery:
    """Everyone sees ``public`` content (lesson titles, articles) of published courses. Quiz
    text is shown for the courses in ``instructor_content_for`` (the entry point passes the
    courses the caller teaches, or the searched course when the caller is an admin), or for
    every course with ``all_instructor_content`` (admins). At most 99 courses are named."""

    q: str
    course_id: uuid.UUID | None = None
    instructor_content_for: tuple[uuid.UUID, ...] = ()
    all_instructor_content: bool = False
    page: int = 1
    limit: int = 20


@dataclasses.dataclass(frozen=True)
class ContentHit:
    id: str
    lesson_id: uuid.UUID
    course_id: uuid.UUID
    course_title: str
    course_slug: str
    lesson_title: str
    kind: str
    audience: str  # "public" or "instructors" (quiz text)
    highlights: tuple[Highlight, ...]  # lesson_title, text


@dataclasses.dataclass(frozen=True)
class ContentSearchPage:
    hits: tuple[ContentHit, ...]
    found: int
    page: int
    limit: int


# -- indexing --------------------------------------------------------------------------------------


class IndexCourse:
    """Bring one course's documents in line with its catalog entry: upsert the course and its
    content (deleting documents of lessons the new revision no longer has), or remove them all
    when the course has no entry. Idempotent: safe to run again for the same event."""

    def __init__(self, catalog: CatalogReader, uow: UowFactory, index: SearchIndex) -> None:
        self._catalog = catalog
        self._uow = uow
        self._index = index

    async def __call__(self, command: IndexCourseCommand) -> IndexCourseResult:
        await _ensure_collections(self._index)
        entry = await self._catalog.get_entry(command.course_id)
        if entry is None:
            await _remove(self._index, command.course_id)
            return IndexCourseResult(command.course_id, indexed=False, content_documents=0)
        async with self._uow() as uow:
            revision = await uow.courses.get_revision(entry.course_id, entry.revision)
            parents = {c.id: c.parent_id for c in await uow.categories.list_all()}
        if revision is None:
            raise NotFound(
                "course.revision_not_found",
                "the catalog entry names a revision that does not exist",
                {"course_id": str(entry.course_id), "revision": entry.revision},
            )
        documents = content_documents(entry, revision.snapshot)
        await self._index.upsert(COURSES, [course_document(entry, ancestors(entry.category_id, parents))])
        if documents:
            await self._index.upsert(CONTENT, documents)
        kept = {doc["id"] for doc in documents}
        stale = [i for i in await _content_ids(self._index, entry.course_id) if i not in kept]
        if stale:
            await self._index.delete(CONTENT, stale)
        return IndexCourseResult(entry.course_id, indexed=True, content_documents=len(documents))


class RemoveCourseFromIndex:
    def __init__(self, index: SearchIndex) -> None:
        self._index = index

    async def __call__(self, command: RemoveCourseFromIndexCommand) -> None:
        await _ensure_collections(self._index)
        await _remove(self._index, command.course_id)


class ReindexCourses:
    """Rebuild ``courses`` then ``course_content`` from the catalog, page by page, each through
    the index's alias swap (searches keep answering from the old collections meanwhile)."""

    def __init__(self, catalog: CatalogReader, uow: UowFactory, index: SearchIndex) -> None:
        self._catalog = catalog
        self._uow = uow
        self._index = index

    async def __call__(self, command: ReindexCoursesCommand) -> ReindexCoursesResult:
        if not 1 <= command.page_size <= 1_000:
            raise InvalidInput("search.page_size", "page_size must be 1..1000")
        total = 2 * await self._catalog.count()
        done = 0

        def advance(pages: int) -> None:
            nonlocal done, total
            done += pages
            total = max(total, done)
            if command.on_progress is not None:
                command.on_progress(done, total)

        async with self._uow() as uow:
            parents = {c.id: c.parent_id for c in await uow.categories.list_all()}

        async def course_docs() -> AsyncIterator[Document]:
            async for page in self._pages(command.page_size):
                for entry in page:
                    yield course_document(entry, ancestors(entry.category_id, parents))
                advance(len(page))

        content_count = 0

        async def content_docs() -> AsyncIterator[Document]:
            nonlocal content_count
            async for page in self._pages(command.page_size):
                async with self._uow() as uow:
                    revisions = [await uow.courses.get_revision(e.course_id, e.revision) for e in page]
                for entry, revision in zip(page, revisions, strict=True):
                    if revision is None:  # the entry changed under us; IndexCourse will follow
                        continue
                    for document in content_documents(entry, revision.snapshot):
                        content_count += 1
                        yield document
                advance(len(page))

        courses = await self._index.reindex(COURSE_SCHEMA, course_docs())
        await self._index.reindex(CONTENT_SCHEMA, content_docs())
        return ReindexCoursesResult(courses=courses.documents, content_documents=content_count)

    async def _pages(self, size: int) -> AsyncIterator[list[CatalogEntry]]:
        after: uuid.UUID | None = None
        while True:
            page = await self._catalog.entries(after=after, limit=size)
            if not page:
                return
            yield page
            if len(page) < size:
                return
            after = page[-1].course_id


# -- searching -------------------------------------------------------------------------------------


class SearchCourses:
    def __init__(self, index: SearchIndex) -> None:
        self._index = index

    async def __call__(self, query: CourseSearchQuery) -> CourseSearchPage:
        page, limit = _clamp(query.page, query.limit)
        search = SearchQuery(
            q=query.q,
            query_by=COURSE_QUERY_BY,
            filters=_course_filters(query),
            facet_by=tuple(COURSE_FACETS.values()),
            sort_by=_COURSE_SORTS[query.sort],
            page=page,
            per_page=limit,
            max_facet_values=100,
        )
        result = await _search(self._index, COURSES, search)
        terms = query_terms(query.q)
        return CourseSearchPage(
            hits=tuple(_course_hit(hit.document, terms) for hit in result.hits),
            found=result.found,
            page=page,
            limit=limit,
            facets={name: _buckets(result, field) for name, field in COURSE_FACETS.items()},
        )


class SearchContent:
    def __init__(self, index: SearchIndex) -> None:
        self._index = index

    async def __call__(self, query: ContentSearchQuery) -> ContentSearchPage:
        page, limit = _clamp(query.page, query.limit)
        filters: list[Filter] = []
        if query.course_id is not None:
            filters.append(Equals("course_id", str(query.course_id)))
        if not query.all_instructor_content:
            allowed = query.instructor_content_for
            if query.course_id is not None:
                allowed = tuple(c for c in allowed if c == query.course_id)
            keys = tuple(dict.fromkeys(instructor_key(c) for c in allowed))
            if len(keys) >= MAX_IN_VALUES:
                raise InvalidInput(
                    "search.too_many_courses",
                    f"quiz text can be searched in at most {MAX_IN_VALUES - 1} courses at once: name a course",
                )
            filters.append(AnyOf("visible_to", (PUBLIC, *keys)))
        text = bool(query_terms(query.q))
        search = SearchQuery(
            q=query.q,
            query_by=CONTENT_QUERY_BY,
            filters=tuple(filters),
            sort_by=(SortBy(TEXT_MATCH, descending=True), SortBy("position")) if text else (SortBy("position"),),
            page=page,
            per_page=limit,
        )
        result = await _search(self._index, CONTENT, search)
        terms = query_terms(query.q)
        return ContentSearchPage(
            hits=tuple(_content_hit(hit.document, terms) for hit in result.hits),
            found=result.found,
            page=page,
            limit=limit,
        )


# -- helpers ---------------------------------------------------------------------------------------

_COURSE_SORTS: Final[dict[str, tuple[SortBy, ...]]] = {
    "relevance": (),  # relevance, then views (the schema's default sorting field)
    "newest": (SortBy("published_at", descending=True), SortBy(TEXT_MATCH, descending=True)),
    "popular": (SortBy("views", descending=True), SortBy(TEXT_MATCH, descending=True)),
}


def _clamp(page: int, limit: int) -> tuple[int, int]:
    limit = min(max(limit, 1), MAX_LIMIT, MAX_PER_PAGE)
    return min(max(page, 1), MAX_RESULT_WINDOW // limit), limit


def _course_filters(query: CourseSearchQuery) -> tuple[Filter, ...]:
    _check_choice("difficulty", query.difficulty, tuple(Difficulty))
    _check_choice("language", query.language, LANGUAGES)
    _check_choice("price_band", query.price_band, PRICE_BANDS)
    if query.sort not in _COURSE_SORTS:
        raise InvalidInput("search.sort_invalid", f"sort is one of {', '.join(_COURSE_SORTS)}", {"field": "sort"})
    filters: list[Filter] = []
    if query.category_id is not None:
        filters.append(Equals("category_ids", str(query.category_id)))
    if query.difficulty is not None:
        filters.append(Equals("difficulty", query.difficulty))
    if query.language is not None:
        filters.append(Equals("language", query.language))
    if query.price_band is not None:
        filters.append(Equals("price_band", query.price_band))
    if query.free is True:
        filters.append(Equals("price_band", "free"))
    elif query.free is False:
        filters.append(AnyOf("price_band", tuple(b for b in PRICE_BANDS if b != "free")))
    if query.instructor_id is not None:
        filters.append(Equals("instructor_ids", str(query.instructor_id)))
    return tuple(filters)


def _check_choice(field: str, value: str | None, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise InvalidInput(
            f"search.{field}_invalid",
            f"{field} is one of {', '.join(allowed)}",
            {"field": field, "allowed": list(allowed)},
        )


async def _search(index: SearchIndex, collection: str, query: SearchQuery) -> SearchResult:
    try:
        return await index.search(collection, query)
    except UnknownCollection:  # never indexed yet: an empty catalogue, not an error
        return SearchResult(hits=(), found=0, page=query.page, per_page=query.per_page)


def _buckets(result: SearchResult, field: str) -> tuple[FacetBucket, ...]:
    counts = result.facet(field)
    return tuple(FacetBucket(v.value, v.count) for v in counts.values) if counts else ()


def _highlights(document: dict[str, Any], terms: list[str], fields: tuple[str, ...]) -> tuple[Highlight, ...]:
    found = []
    for field in fields:
        mark = highlight(field, str(document.get(field) or ""), terms, window=SNIPPET_CHARS)
        if mark is not None:
            found.append(mark)
    return tuple(found)


def _course_hit(document: dict[str, Any], terms: list[str]) -> CourseHit:
    return CourseHit(
        course_id=uuid.UUID(document["id"]),
        slug=str(document.get("slug", "")),
        title=document["title"],
        subtitle=document["subtitle"],
        language=document["language"],
        difficulty=document["difficulty"],
        price_amount=document["price_amount"],
        currency=document["currency"],
        price_band=document["price_band"],
        highlights=_highlights(document, terms, ("title", "subtitle", "description")),
    )


def _content_hit(document: dict[str, Any], terms: list[str]) -> ContentHit:
    return ContentHit(
        id=document["id"],
        lesson_id=uuid.UUID(document["lesson_id"]),
        course_id=uuid.UUID(document["course_id"]),
        course_title=str(document.get("course_title", "")),
        course_slug=str(document.get("course_slug", "")),
        lesson_title=document["lesson_title"],
        kind=document["kind"],
        audience=document["audience"],
        highlights=_highlights(document, terms, ("lesson_title", "text")),
    )


async def _ensure_collections(index: SearchIndex) -> None:
    await index.ensure_collection(COURSE_SCHEMA)
    await index.ensure_collection(CONTENT_SCHEMA)


async def _content_ids(index: SearchIndex, course_id: uuid.UUID) -> list[str]:
    """Ids of every content document of a course (a course has at most 500 lessons)."""
    ids: list[str] = []
    page = 1
    while True:
        result = await index.search(
            CONTENT,
            SearchQuery(filters=(Equals("course_id", str(course_id)),), page=page, per_page=MAX_PER_PAGE),
        )
        ids.extend(result.ids)
        if not result.hits or len(ids) >= result.found or page * MAX_PER_PAGE >= MAX_RESULT_WINDOW:
            return ids
        page += 1


async def _remove(index: SearchIndex, course_id: uuid.UUID) -> None:
    await index.delete(COURSES, [str(course_id)])
    content = await _content_ids(index, course_id)
    if content:
        await index.delete(CONTENT, content)
