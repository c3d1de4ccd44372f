"""The search index: collections of JSON-like documents, full-text with typo tolerance,
filters, facets, sorting and pagination, and an alias-swapping ``reindex``.

Two adapters implement it (``adapters.search.typesense`` and ``adapters.search.embedded``);
one contract suite (``tests/integration/search``) holds both to the same answers. What
"the same" means is written down here, because it is the contract:

* **Collections** are addressed by a logical name, which is an *alias* of a physical
  collection (``<name>__<version>``). ``reindex`` builds a new physical collection and moves
  the alias in one step, so a search always sees a complete collection, old or new.
* **Documents** are dicts with a string ``"id"`` and the schema's fields; undeclared keys are
  stored and returned but not indexed. A document upserted again replaces the old one.
* **Text** of searchable fields is NFKC-normalised, case-folded, stripped of Latin
  diacritics, Hebrew points and the Cyrillic ``ё`` diaeresis, and split into words of
  letters and digits (any script). The query goes through the same steps.
* **Matching**: every word of ``q`` must match a word of one of ``query_by`` fields (words
  may match in different fields). A word matches exactly, or, with ``typo_tolerance``,
  within an edit budget that grows with its length in UTF-8 bytes: 0 edits below
  ``MIN_LEN_1TYPO`` bytes, 1 from ``MIN_LEN_1TYPO``, 2 from ``MIN_LEN_2TYPO``. Edits
  (insert, delete, substitute, swap two neighbours) are counted in bytes too. This is
  Typesense's own rule; for Latin text bytes are characters, for Cyrillic and Hebrew (two
  bytes a letter) it means: words of 2-3 letters forgive one near-letter substitution,
  words of 4+ letters forgive any one-letter mistake. No prefix matching. An empty ``q``
  (or one without words, or ``"*"``) matches every document. (Typesense 0.24 misses an
  inserted, deleted or swapped letter among a word's first two bytes; see
  docs/adr/0001-embedded-search.md.)
* **Relevance** (``TEXT_MATCH``) of a text query, Typesense's: in the document's best field,
  more query words first, then fewer typos, then the words standing closer together, then the
  heavier ``query_by`` field; then more fields matching. A document is scored once per
  spelling of the query words it contains, keeping the best. ``text_match`` is a per-adapter
  number: compare it only within one result.
* **Order**: ``sort_by``, or by default relevance then the schema's ``default_sorting_field``
  descending; a stable per-document tie-breaker always comes last, so equal results never
  change order between calls or adapters. Put ``TEXT_MATCH`` in ``sort_by`` to keep relevance.
* **Filters** are ANDed. String equality ignores ASCII case and punctuation the way
  Typesense's tokenizer does (``"E-Mail"`` equals ``"email"``), so store canonical keyword values
  (slugs, codes) in filter and facet fields. On ``string[]`` fields a filter matches when
  any element matches.
* **Facets** count the documents of the whole result (not the page) per value, largest
  count first, ties by value; ``int`` values as decimal strings, ``bool`` as
  ``"true"``/``"false"``. Values equal for filtering form one bucket.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterable, Iterable, Mapping, Sequence
from typing import Any, Final, Literal, Protocol, TypeAlias

from core.shared.errors import InvalidQuery

FieldType: TypeAlias = Literal["string", "string[]", "int", "float", "bool"]
FIELD_TYPES: Final[frozenset[str]] = frozenset({"string", "string[]", "int", "float", "bool"})

# A document: JSON-like values, a string "id" among them.
Document: TypeAlias = Mapping[str, Any]
Scalar: TypeAlias = str | int | float | bool

# The special sort field: relevance of a text query.
TEXT_MATCH: Final = "_text_match"

MIN_LEN_1TYPO: Final = 4
MIN_LEN_2TYPO: Final = 8
MAX_PER_PAGE: Final = 250
# page * per_page may not exceed this: deep pages cost the embedded index O(offset).
MAX_RESULT_WINDOW: Final = 10_000
MAX_QUERY_LENGTH: Final = 512
MAX_QUERY_WORDS: Final = 16
MAX_SORT_KEYS: Final = 2
MAX_FILTERS: Final = 16
MAX_IN_VALUES: Final = 100
MAX_FACET_FIELDS: Final = 8
MAX_FACET_VALUES: Final = 100
# Typesense packs a field weight in 4 bits and the number of matched fields in 3.
MAX_WEIGHT: Final = 15
MAX_QUERY_BY: Final = 7
MAX_ID_LENGTH: Final = 128

NAME_PATTERN: Final = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


@dataclasses.dataclass(frozen=True)
class SearchField:
    """One indexed field. ``search``: full-text (``string``/``string[]``); ``facet``: counted
    per value (``string``, ``string[]``, ``int``, ``bool``); ``filter``: usable in filters
    (implied by ``facet``); ``sort``: usable in ``sort_by`` (``int``, ``float``, ``bool``;
    never ``optional``). Without ``optional`` every document must carry the field."""

    name: str
    type: FieldType
    search: bool = False
    facet: bool = False
    filter: bool = False
    sort: bool = False
    optional: bool = False

    @property
    def filterable(self) -> bool:
        return self.filter or self.facet


@dataclasses.dataclass(frozen=True)
class CollectionSchema:
    """A collection's fields. ``name`` is the logical name searches use (an alias).
    ``default_sorting_field`` (a required ``int``/``float`` sort field) orders ties of
    relevance and wildcard results, descending."""

    name: str
    fields: tuple[SearchField, ...]
    default_sorting_field: str | None = None

    def field(self, name: str) -> SearchField | None:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        return None


@dataclasses.dataclass(frozen=True)
class QueryField:
    """A searchable field to match ``q`` against; a heavier field ranks its matches higher."""

    name: str
    weight: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.weight <= MAX_WEIGHT:
            raise InvalidQuery(f"query_by weight must be 1..{MAX_WEIGHT}", {"field": self.name})


@dataclasses.dataclass(frozen=True)
class Equals:
    """``field == value`` (for ``string[]``: any element equals ``value``)."""

    field: str
    value: str | int | bool


@dataclasses.dataclass(frozen=True)
class AnyOf:
    """``field`` equals one of ``values`` (for ``string[]``: any element does)."""

    field: str
    values: tuple[str | int | bool, ...]

    def __post_init__(self) -> None:
        if not 1 <= len(self.values) <= MAX_IN_VALUES:
            raise InvalidQuery(f"AnyOf needs 1..{MAX_IN_VALUES} values", {"field": self.field})


@dataclasses.dataclass(frozen=True)
class Range:
    """A numeric range on an ``int`` or ``float`` field; unset bounds are open."""

    field: str
    gte: float | None = None
    gt: float | None = None
    lte: float | None = None
    lt: float | None = None

    def __post_init__(self) -> None:
        bounds = (self.gte, self.gt, self.lte, self.lt)
        if all(bound is None for bound in bounds):
            raise InvalidQuery("a Range needs at least one bound", {"field": self.field})
        if (self.gte is not None and self.gt is not None) or (self.lte is not None and self.lt is not None):
            raise InvalidQuery("a Range takes one lower and one upper bound at most", {"field": self.field})
        for bound in bounds:
            if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int | float)):
                raise InvalidQuery("Range bounds must be numbers", {"field": self.field})


Filter: TypeAlias = Equals | AnyOf | Range


@dataclasses.dataclass(frozen=True)
class SortBy:
    """``field`` is a ``sort`` field of the schema, or ``TEXT_MATCH``."""

    field: str
    descending: bool = False


@dataclasses.dataclass(frozen=True)
class SearchQuery:
    q: str = ""
    query_by: tuple[QueryField, ...] = ()
    filters: tuple[Filter, ...] = ()
    facet_by: tuple[str, ...] = ()
    sort_by: tuple[SortBy, ...] = ()
    page: int = 1
    per_page: int = 20
    max_facet_values: int = 10
    typo_tolerance: bool = True

    def __post_init__(self) -> None:
        if len(self.q) > MAX_QUERY_LENGTH:
            raise InvalidQuery(f"q is longer than {MAX_QUERY_LENGTH} characters")
        if self.page < 1:
            raise InvalidQuery("page starts at 1", {"page": self.page})
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise InvalidQuery(f"per_page must be 1..{MAX_PER_PAGE}", {"per_page": self.per_page})
        if self.page * self.per_page > MAX_RESULT_WINDOW:
            raise InvalidQuery(f"results beyond the first {MAX_RESULT_WINDOW} cannot be paged to")
        if len(self.sort_by) > MAX_SORT_KEYS:
            raise InvalidQuery(f"at most {MAX_SORT_KEYS} sort keys")
        if len(self.filters) > MAX_FILTERS:
            raise InvalidQuery(f"at most {MAX_FILTERS} filters")
        if len(self.facet_by) > MAX_FACET_FIELDS:
            raise InvalidQuery(f"at most {MAX_FACET_FIELDS} facet fields")
        if len(set(self.facet_by)) != len(self.facet_by):
            raise InvalidQuery("facet_by names a field twice")
        if not 1 <= self.max_facet_values <= MAX_FACET_VALUES:
            raise InvalidQuery(f"max_facet_values must be 1..{MAX_FACET_VALUES}")
        if len({f.name for f in self.query_by}) != len(self.query_by):
            raise InvalidQuery("query_by names a field twice")
        if len(self.query_by) > MAX_QUERY_BY:
            raise InvalidQuery(f"at most {MAX_QUERY_BY} query_by fields")


@dataclasses.dataclass(frozen=True)
class SearchHit:
    document: dict[str, Any]
    # Relevance for text queries, higher is better; 0 for wildcard queries. Adapter-specific.
    text_match: int


@dataclasses.dataclass(frozen=True)
class FacetValue:
    value: str
    count: int


@dataclasses.dataclass(frozen=True)
class FacetCounts:
    field: str
    values: tuple[FacetValue, ...]

    def as_dict(self) -> dict[str, int]:
        return {v.value: v.count for v in self.values}


@dataclasses.dataclass(frozen=True)
class SearchResult:
    hits: tuple[SearchHit, ...]
    found: int
    page: int
    per_page: int
    facets: tuple[FacetCounts, ...] = ()

    @property
    def ids(self) -> list[str]:
        return [str(hit.document["id"]) for hit in self.hits]

    def facet(self, field: str) -> FacetCounts | None:
        for counts in self.facets:
            if counts.field == field:
                return counts
        return None


@dataclasses.dataclass(frozen=True)
class ReindexReport:
    collection: str
    # The physical collection the alias now points to.
    physical: str
    documents: int


class SearchIndex(Protocol):
    """Readiness ``name`` is ``"search"``, so an index doubles as a ``HealthCheck``.

    Errors: ``SearchUnavailable`` (engine unreachable, timed out, failed), ``UnknownCollection``,
    ``InvalidQuery``, ``InvalidSearchSchema``, ``InvalidSearchDocument``; never an SDK exception.
    """

    name: str

    async def check(self) -> None:
        """Raise ``SearchUnavailable`` unless the engine answers and can serve searches."""
        ...

    async def ensure_collection(self, schema: CollectionSchema) -> None:
        """Create the collection (physical collection + alias) if it does not exist.
        An existing collection is left as it is: change a schema with ``reindex``."""
        ...

    async def drop_collection(self, name: str) -> None:
        """Drop the alias and the physical collection behind it; no-op when absent."""
        ...

    async def upsert(self, collection: str, documents: Sequence[Document]) -> None:
        """Insert or replace documents by id. The whole batch is validated before anything is
        written (``InvalidSearchDocument``); on return the documents are searchable."""
        ...

    async def delete(self, collection: str, ids: Sequence[str]) -> None:
        """Delete documents by id; unknown ids are ignored."""
        ...

    async def search(self, collection: str, query: SearchQuery) -> SearchResult: ...

    async def reindex(
        self, schema: CollectionSchema, documents: Iterable[Document] | AsyncIterable[Document]
    ) -> ReindexReport:
        """Build ``schema.name`` anew from ``documents`` (consumed in batches, never all held
        at once) in a new physical collection, then point the alias at it and drop the old one.
        Searches keep answering from the old collection until the swap; if the build fails the
        old collection stays in place and the half-built one is dropped."""
        ...
