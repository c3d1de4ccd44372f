"""The search index contract, run identically on both adapters (``search_index`` is
parametrized: embedded tantivy and a real Typesense 0.24.1), plus cross-adapter parity.

Expected answers come from the fixture corpus by brute force (``corpus.reference_ids`` for
text, plain Python for filters, facets and sorting), so each adapter is held to the written
rules, and ``test_*_parity`` holds the two adapters to each other, ranking included."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from benchmarks.servers import free_port

from adapters.search import doc_order
from adapters.search.embedded import EmbeddedSearchIndex
from adapters.search.typesense import TypesenseSearchIndex
from core.shared.errors import (
    InvalidQuery,
    InvalidSearchDocument,
    InvalidSearchSchema,
    SearchUnavailable,
    UnknownCollection,
)
from entrypoints.devservices.typesense import Typesense
from ports.shared.search import (
    TEXT_MATCH,
    AnyOf,
    CollectionSchema,
    Equals,
    Filter,
    QueryField,
    Range,
    SearchIndex,
    SearchQuery,
    SearchResult,
    SortBy,
)
from tests.integration.search.corpus import (
    BY_ID,
    COURSES,
    SCHEMA,
    generated_courses,
    iter_courses,
    reference_ids,
    typo_queries,
)

QUERY_BY = (QueryField("title", 3), QueryField("tags", 2), QueryField("description", 1))
TEXT_FIELDS = ("title", "tags", "description")
FACETS = ("category", "difficulty", "language", "price_band", "is_free", "tags")


def text_query(q: str, **kwargs: Any) -> SearchQuery:
    return SearchQuery(q=q, query_by=QUERY_BY, **kwargs)


async def all_ids(index: SearchIndex, collection: str, query: SearchQuery) -> list[str]:
    """Every hit of ``query``, page by page."""
    ids: list[str] = []
    page = 1
    while True:
        result = await index.search(collection, dataclasses.replace(query, page=page, per_page=50))
        ids.extend(result.ids)
        if len(ids) >= result.found or not result.hits:
            return ids
        page += 1


# -- typo tolerance -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "must_find"),
    [
        ("pyhton", lambda c: c["subject"] == "python" and c["language"] in ("en", "ru")),
        ("програмирование", lambda c: c["language"] == "ru" and "Программирование" in c["title"]),
        ("פיתון", lambda c: c["subject"] == "python" and c["language"] == "he"),
        ("statistcs", lambda c: c["subject"] == "statistics" and c["language"] == "en"),
        ("машиное", lambda c: c["subject"] == "machine_learning" and c["language"] == "ru"),
        ("סטטיסטיקא", lambda c: c["subject"] == "statistics" and c["language"] == "he"),
    ],
)
async def test_typos_find_what_the_rules_say(
    search_index: SearchIndex, courses: str, q: str, must_find: Callable[[dict[str, Any]], bool]
) -> None:
    found = set(await all_ids(search_index, courses, text_query(q)))
    expected = {c["id"] for c in COURSES if must_find(c)}
    assert expected, "the corpus must contain what the test looks for"
    assert expected <= found
    assert found == reference_ids(q, TEXT_FIELDS)


async def test_python_typo_ranks_title_matches_first(search_index: SearchIndex, courses: str) -> None:
    result = await search_index.search(courses, text_query("pyhton", per_page=10))
    assert result.found == 6
    # All six have "Python" in the title: equal relevance, then most enrolled first.
    enrollments = [BY_ID[i]["enrollments"] for i in result.ids]
    assert enrollments == sorted(enrollments, reverse=True)
    assert all(hit.text_match > 0 for hit in result.hits)


async def test_exact_matches_rank_before_typo_matches(search_index: SearchIndex, courses: str) -> None:
    # "практике" is in 14 titles; "практика" (one edit) only in two descriptions.
    result = await search_index.search(courses, text_query("практике", per_page=50))
    assert result.found == 16
    exact = [i for i in result.ids if "практике" in BY_ID[i]["title"]]
    assert result.ids[: len(exact)] == exact
    assert len(exact) == 14


async def test_typo_tolerance_can_be_switched_off(search_index: SearchIndex, courses: str) -> None:
    assert (await search_index.search(courses, text_query("pyhton", typo_tolerance=False))).found == 0
    assert (await search_index.search(courses, text_query("python", typo_tolerance=False))).found == 6


async def test_short_words_get_no_typos_and_every_word_must_match(search_index: SearchIndex, courses: str) -> None:
    assert (await search_index.search(courses, text_query("sq"))).found == 0  # 2 bytes: exact only
    assert (await search_index.search(courses, text_query("sql"))).found == 9
    both = await all_ids(search_index, courses, text_query("rust beginners"))
    assert set(both) == reference_ids("rust beginners", TEXT_FIELDS)
    assert all(BY_ID[i]["subject"] == "rust" for i in both)


async def test_case_accents_and_punctuation_are_ignored(search_index: SearchIndex, courses: str) -> None:
    for q in ("PYTHON!", "Python?", "«python»"):
        assert (await search_index.search(courses, text_query(q))).found == 6, q
    # Cyrillic io and ie are one letter for search; Hebrew points are ignored.
    assert (await search_index.search(courses, text_query("учет"))).found == 3
    assert (await search_index.search(courses, text_query("עִבְרִית"))).found == 3


# -- filters, facets, sorting, pagination ---------------------------------------------------

FILTER_CASES: list[tuple[tuple[Filter, ...], Callable[[dict[str, Any]], bool]]] = [
    ((Equals("language", "ru"),), lambda c: c["language"] == "ru"),
    ((Equals("language", "RU"),), lambda c: c["language"] == "ru"),  # keyword compare ignores ASCII case
    ((AnyOf("category", ("data", "business")),), lambda c: c["category"] in ("data", "business")),
    ((Equals("is_free", True),), lambda c: c["is_free"]),
    ((Equals("tags", "python"),), lambda c: "python" in c["tags"]),
    ((Range("price_cents", gte=990, lt=4990),), lambda c: 990 <= c["price_cents"] < 4990),
    ((Range("price_cents", gt=990, lte=4990),), lambda c: 990 < c["price_cents"] <= 4990),
    ((Range("rating", gte=4.0),), lambda c: c["rating"] >= 4.0),
    (
        (Range("rating", lt=3.5), Equals("difficulty", "advanced")),
        lambda c: c["rating"] < 3.5 and c["difficulty"] == "advanced",
    ),
    ((Equals("instructor", "Grace Hopper"),), lambda c: c.get("instructor") == "Grace Hopper"),
    (
        (AnyOf("price_cents", (0, 12990)), Equals("language", "he")),
        lambda c: c["price_cents"] in (0, 12990) and c["language"] == "he",
    ),
]


def expected_facets(matching: list[dict[str, Any]], field: str, limit: int) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for course in matching:
        value = course[field]
        for v in value if isinstance(value, list) else [value]:
            counts["true" if v is True else "false" if v is False else str(v)] += 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return dict(ranked)


@pytest.mark.parametrize(("filters", "predicate"), FILTER_CASES)
async def test_filters_and_facets_match_the_corpus(
    search_index: SearchIndex,
    courses: str,
    filters: tuple[Filter, ...],
    predicate: Callable[[dict[str, Any]], bool],
) -> None:
    query = SearchQuery(filters=filters, facet_by=FACETS, max_facet_values=100, per_page=250)
    result = await search_index.search(courses, query)
    matching = [c for c in COURSES if predicate(c)]
    assert matching
    assert set(result.ids) == {c["id"] for c in matching}
    assert result.found == len(matching)
    for field in FACETS:
        counts = result.facet(field)
        assert counts is not None
        assert counts.as_dict() == expected_facets(matching, field, 100), field
        assert [v.count for v in counts.values] == sorted((v.count for v in counts.values), reverse=True)


async def test_text_query_with_filters_and_limited_facets(search_index: SearchIndex, courses: str) -> None:
    query = text_query(
        "pyhton", filters=(Equals("language", "en"),), facet_by=("difficulty", "tags"), max_facet_values=2
    )
    result = await search_index.search(courses, query)
    matching = [c for c in COURSES if c["subject"] == "python" and c["language"] == "en"]
    assert set(result.ids) == {c["id"] for c in matching}
    difficulty = result.facet("difficulty")
    tags = result.facet("tags")
    assert difficulty is not None and tags is not None
    assert difficulty.as_dict() == expected_facets(matching, "difficulty", 2)
    assert tags.as_dict() == {"programming": 3, "python": 3}  # ties cut by value


def expected_order(courses: list[dict[str, Any]], keys: list[tuple[str, bool]]) -> list[str]:
    def key(course: dict[str, Any]) -> tuple[Any, ...]:
        parts: list[Any] = []
        for field, descending in keys:
            value = course[field]
            value = int(value) if isinstance(value, bool) else value
            parts.append(-value if descending else value)
        return (*parts, doc_order(course["id"]))

    return [c["id"] for c in sorted(courses, key=key)]


@pytest.mark.parametrize(
    "sort_by",
    [
        (),  # the default: enrollments descending
        (SortBy("price_cents"),),
        (SortBy("price_cents", descending=True), SortBy("rating", descending=True)),
        (SortBy("is_free", descending=True), SortBy("rating")),
        (SortBy("rating", descending=True),),
    ],
)
async def test_sorting_is_total_and_stable(
    search_index: SearchIndex, courses: str, sort_by: tuple[SortBy, ...]
) -> None:
    query = SearchQuery(filters=(AnyOf("language", ("en", "he")),), sort_by=sort_by)
    ids = await all_ids(search_index, courses, query)
    matching = [c for c in COURSES if c["language"] in ("en", "he")]
    keys = [(s.field, s.descending) for s in sort_by] or [("enrollments", True)]
    assert ids == expected_order(matching, keys)


async def test_text_query_sorted_by_a_field_then_relevance(search_index: SearchIndex, courses: str) -> None:
    query = text_query("pyhton", sort_by=(SortBy("price_cents"), SortBy(TEXT_MATCH, descending=True)))
    result = await search_index.search(courses, query)
    prices = [BY_ID[i]["price_cents"] for i in result.ids]
    assert prices == sorted(prices)
    assert result.found == 6


async def test_pagination_covers_every_hit_once(search_index: SearchIndex, courses: str) -> None:
    query = SearchQuery(filters=(Equals("language", "en"),), per_page=7)
    pages: list[SearchResult] = []
    for page in range(1, 8):
        pages.append(await search_index.search(courses, dataclasses.replace(query, page=page)))
    ids = [i for p in pages for i in p.ids]
    assert all(p.found == 42 for p in pages)
    assert [len(p.hits) for p in pages] == [7, 7, 7, 7, 7, 7, 0]
    assert len(ids) == len(set(ids)) == 42
    assert pages[1].page == 2 and pages[1].per_page == 7


@pytest.mark.parametrize(
    "make",
    [
        lambda: SearchQuery(page=0),
        lambda: SearchQuery(per_page=0),
        lambda: SearchQuery(per_page=251),
        lambda: SearchQuery(page=41, per_page=250),
        lambda: SearchQuery(q="x" * 513),
        lambda: SearchQuery(sort_by=(SortBy("rating"), SortBy("price_cents"), SortBy("enrollments"))),
        lambda: SearchQuery(max_facet_values=0),
        lambda: SearchQuery(filters=(Range("rating"),)),
        lambda: SearchQuery(filters=(AnyOf("language", ()),)),
        lambda: QueryField("title", weight=0),
    ],
)
def test_query_bounds_are_typed_errors(make: Callable[[], object]) -> None:
    with pytest.raises(InvalidQuery) as caught:
        make()
    assert caught.value.code == "search.invalid_query"


@pytest.mark.parametrize(
    "query",
    [
        SearchQuery(q="python", query_by=(QueryField("nope"),)),
        SearchQuery(q="python", query_by=(QueryField("category"),)),  # not searchable
        SearchQuery(q="python"),  # words but no query_by
        SearchQuery(facet_by=("title",)),
        SearchQuery(sort_by=(SortBy("title"),)),
        SearchQuery(filters=(Equals("nope", "x"),)),
        SearchQuery(filters=(Equals("price_cents", "cheap"),)),
        SearchQuery(filters=(Equals("rating", 4),)),  # floats take ranges
        SearchQuery(filters=(Range("language", gte=1),)),
        SearchQuery(filters=(Range("price_cents", gte=9.5),)),
        SearchQuery(filters=(Equals("enrollments", 1),)),  # sort-only field
        SearchQuery(filters=(Equals("language", "!!!"),)),
        SearchQuery(q=" ".join(["word"] * 17), query_by=QUERY_BY),
    ],
)
async def test_invalid_queries_are_typed_errors(search_index: SearchIndex, courses: str, query: SearchQuery) -> None:
    with pytest.raises(InvalidQuery):
        await search_index.search(courses, query)


# -- writes ---------------------------------------------------------------------------------


async def test_upsert_replaces_and_delete_removes(search_index: SearchIndex, courses: str) -> None:
    course = dict(BY_ID["c000-python-beg-en"])
    course["title"] = "Snake Charming for Beginners"
    course["description"] = "no reptiles were harmed"
    course["tags"] = ["snakes"]
    await search_index.upsert(courses, [course])
    assert (await search_index.search(courses, text_query("charming"))).ids == [course["id"]]
    assert course["id"] not in (await search_index.search(courses, text_query("python"))).ids
    hit = (await search_index.search(courses, text_query("charming"))).hits[0]
    assert hit.document == course  # stored as given, hidden fields removed

    new = {**course, "id": "c999-new", "title": "Brand New Course", "enrollments": 1}
    await search_index.upsert(courses, [new, {**new, "title": "Brand New Course, edited"}])  # last one wins
    assert (await search_index.search(courses, text_query("edited"))).ids == ["c999-new"]
    assert (await search_index.search(courses, SearchQuery())).found == len(COURSES) + 1

    await search_index.delete(courses, ["c999-new", course["id"], "never-existed"])
    assert (await search_index.search(courses, text_query("charming"))).found == 0
    assert (await search_index.search(courses, SearchQuery())).found == len(COURSES) - 1


async def test_ids_with_punctuation_round_trip(search_index: SearchIndex, courses: str) -> None:
    odd_ids = ["a`b", "with, comma", "with space", "קורס/1", "x:=[y]&&z"]
    await search_index.upsert(courses, [{**COURSES[0], "id": i, "title": "Oddly Named Course"} for i in odd_ids])
    assert set((await search_index.search(courses, text_query("oddly"))).ids) == set(odd_ids)
    await search_index.delete(courses, odd_ids)
    assert (await search_index.search(courses, text_query("oddly"))).found == 0


@pytest.mark.parametrize(
    "bad",
    [
        {"title": "no id"},
        {"id": "", "title": "empty id"},
        {"id": 7, "title": "numeric id"},
        {"id": "x", "title": 5},
        {"id": "x", "title": "missing required fields"},
        {**COURSES[0], "id": "x", "price_cents": "free"},
        {**COURSES[0], "id": "x", "tags": "python"},
        {**COURSES[0], "id": "x", "is_free": 1},
        {**COURSES[0], "id": "x", "rating": float("nan")},
    ],
)
async def test_invalid_documents_write_nothing(search_index: SearchIndex, courses: str, bad: dict[str, Any]) -> None:
    good = {**COURSES[0], "id": "good-one", "title": "Unique Zebra Course"}
    with pytest.raises(InvalidSearchDocument):
        await search_index.upsert(courses, [good, bad])
    assert (await search_index.search(courses, text_query("zebra"))).found == 0


async def test_optional_fields_may_be_missing(search_index: SearchIndex, courses: str) -> None:
    course = {k: v for k, v in COURSES[1].items() if k != "instructor"}
    await search_index.upsert(courses, [{**course, "id": "no-instructor"}])
    assert "no-instructor" in await all_ids(search_index, courses, SearchQuery())


async def test_unknown_collection(search_index: SearchIndex) -> None:
    with pytest.raises(UnknownCollection) as caught:
        await search_index.search("no_such_collection", SearchQuery())
    assert caught.value.code == "search.unknown_collection"
    with pytest.raises(UnknownCollection):
        await search_index.upsert("no_such_collection", [COURSES[0]])
    with pytest.raises(UnknownCollection):
        await search_index.delete("no_such_collection", ["a"])
    await search_index.drop_collection("no_such_collection")  # a no-op


@pytest.mark.parametrize(
    "schema_change",
    [
        {"name": "Bad-Name"},
        {"name": "two__underscores"},
        {"fields": ()},
        {"default_sorting_field": "title"},
        {"fields": (*SCHEMA.fields, SCHEMA.fields[0])},
        {"fields": (dataclasses.replace(SCHEMA.fields[0], name="id"),)},
        {"fields": (dataclasses.replace(SCHEMA.fields[7], search=True),)},  # an int cannot be searchable
        {"fields": (dataclasses.replace(SCHEMA.fields[8], facet=True),)},  # nor a float a facet
    ],
)
async def test_invalid_schemas(
    search_index: SearchIndex, schema: CollectionSchema, schema_change: dict[str, Any]
) -> None:
    with pytest.raises(InvalidSearchSchema):
        await search_index.ensure_collection(dataclasses.replace(schema, **schema_change))


async def test_ensure_collection_is_idempotent_and_drop_removes(
    search_index: SearchIndex, schema: CollectionSchema
) -> None:
    await search_index.check()
    await search_index.ensure_collection(schema)
    await search_index.upsert(schema.name, [COURSES[0]])
    await search_index.ensure_collection(schema)  # keeps what is there
    assert (await search_index.search(schema.name, SearchQuery())).found == 1
    await search_index.drop_collection(schema.name)
    with pytest.raises(UnknownCollection):
        await search_index.search(schema.name, SearchQuery())


# -- reindex --------------------------------------------------------------------------------


async def test_reindex_under_concurrent_queries_never_answers_empty(
    search_index: SearchIndex, courses: str, schema: CollectionSchema
) -> None:
    stop = asyncio.Event()
    answers: list[int] = []

    async def query_loop(q: str) -> None:
        while not stop.is_set():
            result = await search_index.search(courses, text_query(q, facet_by=("language",)))
            answers.append(result.found)
            assert result.found > 0 and result.hits, f"empty answer for {q!r} during reindex"
            await asyncio.sleep(0)

    async def documents(round_: int):  # an async source, like a database cursor
        for course in iter_courses():
            course["description"] += f" round{round_}"
            yield course

    loops = [asyncio.create_task(query_loop(q)) for q in ("pyhton", "програмирование", "פיתון", "")]
    try:
        for round_ in range(4):
            report = await search_index.reindex(schema, documents(round_))
            assert report.documents == len(COURSES)
            assert (await search_index.search(courses, text_query(f"round{round_}"))).found == len(COURSES)
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        await asyncio.gather(*loops)
    assert len(answers) > 20 and min(answers) > 0
    await assert_single_physical(search_index, schema.name)


async def test_failed_reindex_keeps_the_old_collection(
    search_index: SearchIndex, courses: str, schema: CollectionSchema
) -> None:
    def broken():
        yield from iter_courses()
        yield {"id": "broken", "title": 42}

    with pytest.raises(InvalidSearchDocument):
        await search_index.reindex(schema, broken())
    assert (await search_index.search(courses, SearchQuery())).found == len(COURSES)
    await assert_single_physical(search_index, schema.name)


async def test_reindex_creates_a_missing_collection_and_can_change_the_schema(
    search_index: SearchIndex, schema: CollectionSchema
) -> None:
    await search_index.reindex(schema, iter_courses())
    slim = dataclasses.replace(schema, fields=(schema.fields[0], schema.fields[3]), default_sorting_field=None)
    chosen = COURSES[::14]  # one course in fourteen: every category
    await search_index.reindex(slim, ({"id": c["id"], "title": c["title"], "category": c["category"]} for c in chosen))
    result = await search_index.search(schema.name, SearchQuery(facet_by=("category",)))
    assert result.found == len(chosen) == 9
    facet = result.facet("category")
    assert facet is not None and facet.as_dict() == dict(Counter(c["category"] for c in chosen))
    with pytest.raises(InvalidQuery):
        await search_index.search(schema.name, SearchQuery(facet_by=("language",)))
    await search_index.drop_collection(schema.name)


async def assert_single_physical(index: SearchIndex, alias: str) -> None:
    """Only the collection the alias names is left: old and half-built ones are dropped."""
    if isinstance(index, EmbeddedSearchIndex):
        root = index._collections_dir
        leftovers = sorted(p.name for p in root.iterdir() if p.name.startswith(f"{alias}__") and p.is_dir())
    else:
        assert isinstance(index, TypesenseSearchIndex)
        collections = await index._client.collections.retrieve()
        leftovers = sorted(c["name"] for c in collections if c["name"].startswith(f"{alias}__"))
    assert len(leftovers) == 1, leftovers


# -- availability ---------------------------------------------------------------------------


async def test_unreachable_typesense_is_search_unavailable() -> None:
    index = TypesenseSearchIndex(f"http://127.0.0.1:{free_port()}", "key", timeout_s=1.0)
    try:
        for call in (
            index.check(),
            index.search("courses", SearchQuery()),
            index.ensure_collection(SCHEMA),
            index.upsert("courses", [COURSES[0]]),
            index.delete("courses", ["x"]),
            index.drop_collection("courses"),
        ):
            with pytest.raises(SearchUnavailable) as caught:
                await call
            assert caught.value.code == "search.unavailable"
            assert caught.value.kind == "unavailable"
    finally:
        await index.aclose()


async def test_wrong_typesense_key_is_search_unavailable(typesense_server: Typesense) -> None:
    index = TypesenseSearchIndex(typesense_server.url, "not-the-key")
    try:
        with pytest.raises(SearchUnavailable):
            await index.check()
        with pytest.raises(SearchUnavailable):
            await index.search("courses", SearchQuery())
    finally:
        await index.aclose()


@pytest.mark.parametrize("url", ["not a url", "ftp://127.0.0.1:8108", "http://127.0.0.1:port"])
def test_bad_typesense_url_is_search_unavailable(url: str) -> None:
    with pytest.raises(SearchUnavailable):
        TypesenseSearchIndex(url, "key")


async def test_embedded_index_in_an_unusable_directory(tmp_path: Any) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    index = EmbeddedSearchIndex(blocker / "search")
    with pytest.raises(SearchUnavailable):
        await index.check()
    with pytest.raises(SearchUnavailable):
        await index.ensure_collection(SCHEMA)


async def test_embedded_index_survives_a_restart(tmp_path: Any, schema: CollectionSchema) -> None:
    first = EmbeddedSearchIndex(tmp_path / "search")
    await first.reindex(schema, iter_courses())
    second = EmbeddedSearchIndex(tmp_path / "search")
    assert (await second.search(schema.name, text_query("pyhton"))).found == 6
    await second.upsert(schema.name, [{**COURSES[0], "id": "added-later"}])
    assert (await first.search(schema.name, SearchQuery())).found == len(COURSES) + 1


# -- parity between the adapters ------------------------------------------------------------

PARITY_QUERIES = [
    text_query("pyhton", facet_by=FACETS),
    text_query("програмирование", filters=(Range("price_cents", lte=4990),), facet_by=("difficulty",)),
    text_query("פיתון"),
    text_query("תכנות"),
    text_query("javasript"),
    text_query("lerning", facet_by=("language", "tags")),
    text_query("анализ"),
    text_query("практике", facet_by=("category",)),
    text_query("for beginners", filters=(Equals("is_free", False),)),
    text_query("advanced", sort_by=(SortBy("rating", descending=True),)),
    text_query("marketing", typo_tolerance=False),
    SearchQuery(facet_by=FACETS, max_facet_values=5),
    SearchQuery(filters=(AnyOf("tags", ("python", "sql", "אנגלית")),), facet_by=("tags",), max_facet_values=3),
    SearchQuery(filters=(Range("rating", gt=3.5, lte=4.5),), sort_by=(SortBy("price_cents", descending=True),)),
]


async def test_adapters_answer_identically(both_indexes: dict[str, SearchIndex], both_courses: str) -> None:
    for query in PARITY_QUERIES:
        results = {kind: await index.search(both_courses, query) for kind, index in both_indexes.items()}
        embedded, typesense = results["embedded"], results["typesense"]
        assert embedded.found == typesense.found, query
        assert embedded.ids == typesense.ids, query  # the same hits in the same order
        assert embedded.facets == typesense.facets, query


async def test_typo_parity_on_a_thousand_courses(
    both_indexes: dict[str, SearchIndex], schema: CollectionSchema
) -> None:
    """The courses issue: typo queries in English, Russian and Hebrew give the same top
    results on both adapters, hits and order (the first ten of each).

    Typesense 0.24's fuzzy search is lossy in a way that depends on the shape of its index,
    which depends on the order its import threads inserted words: now and then (about one
    query in 500 here, a different one on each build) it misses one low-ranked match of a
    long Cyrillic or Hebrew word. The embedded index never does; those queries are compared
    on what Typesense did find."""
    generated = generated_courses(1_000)
    for index in both_indexes.values():
        await index.reindex(schema, generated)
    per_language: Counter[str] = Counter()
    typesense_misses = 0
    try:
        for language, q in typo_queries(generated, 90):
            query = text_query(q, per_page=10)
            embedded = await both_indexes["embedded"].search(schema.name, query)
            typesense = await both_indexes["typesense"].search(schema.name, query)
            expected = reference_ids(q, TEXT_FIELDS, generated)
            assert embedded.found == len(expected), q
            if typesense.found == embedded.found:
                assert embedded.ids == typesense.ids, q
            else:
                typesense_misses += 1
                assert embedded.found - 2 <= typesense.found < embedded.found, q
                found_by_typesense = set(await all_ids(both_indexes["typesense"], schema.name, query))
                assert found_by_typesense < expected, q
                kept = [
                    i for i in await all_ids(both_indexes["embedded"], schema.name, query) if i in found_by_typesense
                ]
                assert kept[:10] == typesense.ids, q
            per_language[language] += 1
    finally:
        for index in both_indexes.values():
            await index.drop_collection(schema.name)
    assert min(per_language.values()) >= 20
    assert typesense_misses <= 3
