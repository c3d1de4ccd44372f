"""The embedded search index: tantivy, in-process, under a directory (``LYCEUM_DATA_DIR/search``).

Why tantivy and not SQLite FTS5: docs/adr/0001-embedded-search.md. It reproduces Typesense's
matching rules (see ``ports.shared.search``) rather than tantivy's own:

* Words are produced by ``adapters.search.words`` and indexed as their UTF-8 bytes (each byte
  one Latin-1 character), so tantivy's Levenshtein automata count edits in bytes, as Typesense
  does; the per-word edit budget is ``adapters.search.typo_budget`` (tantivy has no length rule).
* Relevance is built from constant scores, not BM25: per field, 64 per matched query word minus
  its edits; the best field wins, then its weight, then how many fields matched. That is the
  order of Typesense's ``text_match`` except for word proximity and Typesense's scoring per
  spelling combination, which need positions tantivy-py does not expose: the documents that can
  reach the page are re-scored from their stored text (``_ProximityScorer``), tantivy's score
  being an upper bound of the exact one.
* String filters and facets compare ``keyword_key`` values, like Typesense's tokenizer.

Layout: ``aliases.json`` (logical name -> physical collection, replaced atomically under an
``flock``), ``collections/<physical>/`` (one tantivy index) and ``collections/<physical>.json``
(its ``CollectionSchema``). All tantivy calls run in worker threads; one writer per collection
at a time (a lock per collection), readers never block. A physical collection dropped by a
``reindex`` is deleted once the last search using it has finished.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fcntl
import heapq
import itertools
import json
import os
import shutil
import struct
import threading
from collections.abc import AsyncIterable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import tantivy

from adapters.search import (
    BATCH_SIZE,
    ORDER_FIELD,
    check_collection_name,
    doc_order,
    effective_sort,
    facet_value,
    keyword_key,
    new_physical_name,
    typo_budget,
    validate_documents,
    validate_query,
    validate_schema,
    words,
)
from adapters.search import batches as document_batches
from core.shared.errors import DomainError, SearchUnavailable, UnknownCollection
from ports.shared.search import (
    TEXT_MATCH,
    CollectionSchema,
    Document,
    Equals,
    FacetCounts,
    FacetValue,
    Filter,
    QueryField,
    Range,
    ReindexReport,
    SearchField,
    SearchHit,
    SearchQuery,
    SearchResult,
)

_WORD_SCORE = 64  # per matched query word in a field; minus its edits
_FIELD_SCALE = 16  # room below a field's word score for its weight (<= 15)
_TEXT_SCALE = 16  # room below the best field's score for the number of matched fields (<= 8)
_FACET_SEPARATOR = "\x1f"
_FACET_BUCKETS = 10_000
_TOKENIZER = "lyceum_bytes"


def _as_bytes_text(word: str) -> str:
    """One character per UTF-8 byte: tantivy then measures edit distance in bytes."""
    return word.encode().decode("latin-1")


def _f32(value: float) -> float:
    """Typesense keeps float fields as 32-bit floats; compare and sort the same way."""
    result: float = struct.unpack("f", struct.pack("f", value))[0]
    return result


def _search_field(name: str) -> str:
    return f"s_{name}"


def _keyword_field(name: str) -> str:
    return f"k_{name}"


def _facet_field(name: str) -> str:
    return f"f_{name}"


def _value_field(name: str) -> str:
    return f"v_{name}"


def _schema_to_json(schema: CollectionSchema) -> dict[str, Any]:
    return dataclasses.asdict(schema)


def _schema_from_json(data: dict[str, Any]) -> CollectionSchema:
    return CollectionSchema(
        name=data["name"],
        fields=tuple(SearchField(**field) for field in data["fields"]),
        default_sorting_field=data.get("default_sorting_field"),
    )


class _Collection:
    """One open physical collection: its tantivy index, schema and bookkeeping."""

    def __init__(self, physical: str, path: Path, schema: CollectionSchema) -> None:
        self.physical = physical
        self.path = path
        self.schema = schema
        self.write_lock = threading.Lock()
        self.users = 0
        self.retired = False
        self.tantivy_schema = self._build_tantivy_schema(schema)
        path.mkdir(parents=True, exist_ok=True)
        self.index = tantivy.Index(self.tantivy_schema, path=str(path), reuse=True)
        self.index.register_tokenizer(
            _TOKENIZER, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(r"[^ ]+")).build()
        )

    @staticmethod
    def _build_tantivy_schema(schema: CollectionSchema) -> tantivy.Schema:
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", tokenizer_name="raw", index_option="basic")
        builder.add_bytes_field("_src", stored=True)
        builder.add_integer_field(ORDER_FIELD, fast=True)
        for field in schema.fields:
            if field.search:
                builder.add_text_field(_search_field(field.name), tokenizer_name=_TOKENIZER, index_option="freq")
            if field.type in ("string", "string[]"):
                if field.filterable:
                    builder.add_text_field(_keyword_field(field.name), tokenizer_name="raw", index_option="basic")
                if field.facet:
                    builder.add_text_field(_facet_field(field.name), tokenizer_name="raw", fast=True)
            elif field.type == "int":
                builder.add_integer_field(_value_field(field.name), indexed=True, fast=True)
            elif field.type == "float":
                builder.add_float_field(_value_field(field.name), indexed=True, fast=True)
            else:
                builder.add_boolean_field(_value_field(field.name), indexed=True, fast=True)
        return builder.build()

    def to_tantivy(self, document: dict[str, Any]) -> tantivy.Document:
        doc = tantivy.Document()
        doc_id = str(document["id"])
        doc.add_text("id", doc_id)
        doc.add_bytes("_src", json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode())
        doc.add_integer(ORDER_FIELD, doc_order(doc_id))
        for field in self.schema.fields:
            value = document.get(field.name)
            if value is None:
                continue
            if field.type in ("string", "string[]"):
                values = [value] if isinstance(value, str) else list(value)
                if field.search:
                    for text in values:
                        doc.add_text(_search_field(field.name), " ".join(_as_bytes_text(w) for w in words(text)))
                seen: set[str] = set()
                for text in values:
                    key = keyword_key(text)
                    if not key or key in seen:
                        continue
                    seen.add(key)
                    if field.filterable:
                        doc.add_text(_keyword_field(field.name), key)
                    if field.facet:
                        doc.add_text(_facet_field(field.name), f"{key}{_FACET_SEPARATOR}{text}")
            elif field.type == "int":
                doc.add_integer(_value_field(field.name), int(value))
            elif field.type == "float":
                doc.add_float(_value_field(field.name), _f32(float(value)))
            else:
                doc.add_boolean(_value_field(field.name), bool(value))
        return doc


@dataclasses.dataclass(frozen=True)
class _Compiled:
    query: tantivy.Query  # scores every match (relevance), for ranking
    matches: tantivy.Query  # the same documents without scoring work, for counting and facets
    text: bool
    # For multi-word queries, whose relevance is refined with word proximity in Python.
    words: tuple[tuple[str, int], ...] = ()
    fields: tuple[QueryField, ...] = ()


def _within_edits(a: bytes, b: bytes, limit: int) -> int | None:
    """Optimal-string-alignment distance of two byte strings, or None beyond ``limit``."""
    if a == b:
        return 0
    if limit == 0 or abs(len(a) - len(b)) > limit:
        return None
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        row_min = i
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            row_min = min(row_min, value)
        if row_min > limit:
            return None
        previous2, previous = previous, current
    distance = previous[len(b)]
    return distance if distance <= limit else None


class _ProximityScorer:
    """Relevance of one document for a multi-word query, Typesense's order: in the best field
    (most query words, then fewest edits, then closest together, then heaviest), then how many
    fields match. Encoded as one integer."""

    _ELEMENT_GAP = 1_000  # positions between the elements of a string[] field
    _MAX_COMBINATIONS = 64

    def __init__(self, query_words: tuple[tuple[str, int], ...], fields: tuple[QueryField, ...]) -> None:
        self._words = [(w.encode(), budget) for w, budget in query_words]
        self._grams = [_bigrams(word) for word, _ in self._words]
        self._fields = fields
        # token -> ((query word index, edits), ...) for the query words it matches; mostly empty
        self._costs: dict[str, tuple[tuple[int, int], ...]] = {}

    def _token_costs(self, token: str) -> tuple[tuple[int, int], ...]:
        known = self._costs.get(token)
        if known is None:
            raw = token.encode()
            grams: tuple[set[bytes], int] | None = None
            matches = []
            for index, (word, budget) in enumerate(self._words):
                if abs(len(word) - len(raw)) > budget:
                    continue
                if raw != word:
                    # Each edit breaks at most 3 byte pairs: too few shared pairs, too many edits.
                    grams = grams or _bigrams(raw)
                    word_grams, word_dups = self._grams[index]
                    shared = len(word_grams & grams[0])
                    if shared < max(len(word), len(raw)) - 1 - 3 * budget - word_dups - grams[1]:
                        continue
                cost = _within_edits(word, raw, budget)
                if cost is not None:
                    matches.append((index, cost))
            known = tuple(matches)
            self._costs[token] = known
        return known

    def score(self, document: dict[str, Any]) -> int:
        # Per field: token -> positions, for the tokens matching some query word.
        fields: list[tuple[int, dict[str, list[int]]]] = []
        candidates: list[dict[str, int]] = [{} for _ in self._words]  # per query word: token -> edits
        token_costs = self._token_costs
        for field in self._fields:
            value = document.get(field.name)
            if value is None:
                continue
            texts = [value] if isinstance(value, str) else list(value)
            where: dict[str, list[int]] = {}
            position = 0
            for text in texts:
                for token in words(text):
                    matched = token_costs(token)
                    if matched:
                        where.setdefault(token, []).append(position)
                        for index, cost in matched:
                            candidates[index][token] = cost
                    position += 1
                position += self._ELEMENT_GAP
            if where:
                fields.append((field.weight, where))
        if not fields or not all(candidates):
            return 0
        # Typesense scores a document once per combination of candidate words (one per query
        # word) and keeps the best; few documents have more than a couple of candidates.
        options = [sorted(c.items(), key=lambda tc: (tc[1], tc[0])) for c in candidates]
        combinations = itertools.product(*options)
        best = 0
        for combination in itertools.islice(combinations, self._MAX_COMBINATIONS):
            best = max(best, self._combination_score(combination, fields))
        return best

    @staticmethod
    def _combination_score(
        combination: tuple[tuple[str, int], ...], fields: list[tuple[int, dict[str, list[int]]]]
    ) -> int:
        best: tuple[int, int, int, int] | None = None
        fields_matched = 0
        for weight, where in fields:
            present = [(where[token], cost) for token, cost in combination if token in where]
            if not present:
                continue
            fields_matched += 1
            key = (len(present), -sum(cost for _, cost in present), -_span([p for p, _ in present]), weight)
            if best is None or key > best:
                best = key
        if best is None:
            return 0
        found, edits, span, weight = best
        tier = _WORD_SCORE * found + edits
        closeness = max(0, 100 + span)
        return (tier << 14) | (closeness << 7) | (weight << 3) | min(fields_matched, 7)


def _bigrams(raw: bytes) -> tuple[set[bytes], int]:
    """The byte pairs of ``raw`` and how many repeat (a set loses repeats; bounds allow for them)."""
    pairs = {raw[i : i + 2] for i in range(len(raw) - 1)}
    return pairs, max(0, len(raw) - 1) - len(pairs)


def _upper_bounds(scores: Iterable[float]) -> list[float]:
    """tantivy's relevance (tier * 256 + weight * 16 + fields) in _ProximityScorer's encoding,
    with the closeness it cannot know set to its best (100 for one word in the field, else 99:
    words at distance 1): an upper bound of the refined score, equal to it for most documents."""
    bounds = []
    for score in scores:
        value = int(score)
        tier = value >> 8
        closeness = 100 if tier <= _WORD_SCORE else 99
        bounds.append(float((tier << 14) | (closeness << 7) | (((value >> 4) & 15) << 3) | min(value & 15, 7)))
    return bounds


def _span(position_lists: list[list[int]]) -> int:
    """The smallest distance between the first and last position of a window holding one
    position of every list (0 for a single list)."""
    if len(position_lists) < 2:
        return 0
    events = sorted((p, k) for k, positions in enumerate(position_lists) for p in positions)
    need = len(position_lists)
    seen: dict[int, int] = {}
    best = 1 << 30
    left = 0
    for position, kind in events:
        seen[kind] = seen.get(kind, 0) + 1
        while len(seen) == need:
            best = min(best, position - events[left][0])
            left_kind = events[left][1]
            seen[left_kind] -= 1
            if not seen[left_kind]:
                del seen[left_kind]
            left += 1
    return best


class EmbeddedSearchIndex:
    """``SearchIndex`` on tantivy under ``directory``. Safe for concurrent use within one
    process; another process may read the same directory, but only one may write a collection
    at a time (tantivy's lock; the loser gets ``SearchUnavailable``)."""

    name = "search"
    kind = "tantivy"

    def __init__(self, directory: str | os.PathLike[str], *, writer_heap_bytes: int = 64_000_000) -> None:
        self._root = Path(directory)
        self._collections_dir = self._root / "collections"
        self._aliases_path = self._root / "aliases.json"
        self._lock_path = self._root / "aliases.lock"
        self._heap = writer_heap_bytes
        self._mutex = threading.Lock()  # guards the fields below
        self._aliases: dict[str, str] = {}
        self._aliases_stamp: tuple[int, int] | None = None
        self._open: dict[str, _Collection] = {}

    # -- SearchIndex ------------------------------------------------------------------------

    async def check(self) -> None:
        await asyncio.to_thread(self._check)

    async def ensure_collection(self, schema: CollectionSchema) -> None:
        validate_schema(schema)
        await asyncio.to_thread(self._ensure_collection, schema)

    async def drop_collection(self, name: str) -> None:
        check_collection_name(name)
        await asyncio.to_thread(self._drop_collection, name)

    async def upsert(self, collection: str, documents: Sequence[Document]) -> None:
        if documents:
            await asyncio.to_thread(self._upsert, collection, documents)

    async def delete(self, collection: str, ids: Sequence[str]) -> None:
        if ids:
            await asyncio.to_thread(self._delete, collection, ids)

    async def search(self, collection: str, query: SearchQuery) -> SearchResult:
        return await asyncio.to_thread(self._search, collection, query)

    async def reindex(
        self, schema: CollectionSchema, documents: Iterable[Document] | AsyncIterable[Document]
    ) -> ReindexReport:
        validate_schema(schema)
        physical = new_physical_name(schema.name)
        built = await asyncio.to_thread(self._create_physical, physical, schema)
        count = 0
        try:
            writer = await asyncio.to_thread(self._writer, built)
            try:
                async for batch in document_batches(documents, BATCH_SIZE):
                    count += await asyncio.to_thread(self._add_batch, built, writer, batch)
                await asyncio.to_thread(self._commit, built, writer)
            except BaseException:
                with contextlib.suppress(Exception):
                    await asyncio.to_thread(writer.rollback)
                raise
        except BaseException:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self._discard, built)
            raise
        await asyncio.to_thread(self._swap_alias, schema.name, built)
        return ReindexReport(schema.name, physical, count)

    # -- aliases ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _catalog_lock(self) -> Iterator[None]:
        """Exclusive across threads (``_mutex`` is not held here) and processes (``flock``)."""
        self._root.mkdir(parents=True, exist_ok=True)
        with open(self._lock_path, "a+b") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    def _load_aliases(self) -> dict[str, str]:
        """The alias map, re-read when another process (or thread) replaced the file."""
        try:
            stat = self._aliases_path.stat()
        except FileNotFoundError:
            with self._mutex:
                self._aliases, self._aliases_stamp = {}, None
                return dict(self._aliases)
        stamp = (stat.st_mtime_ns, stat.st_ino)
        with self._mutex:
            if stamp == self._aliases_stamp:
                return dict(self._aliases)
        data = json.loads(self._aliases_path.read_text(encoding="utf-8"))
        aliases = {str(k): str(v) for k, v in data.get("aliases", {}).items()}
        with self._mutex:
            self._aliases, self._aliases_stamp = aliases, stamp
        return dict(aliases)

    def _write_aliases(self, aliases: dict[str, str]) -> None:
        tmp = self._aliases_path.with_name(f".aliases.{os.getpid()}.{threading.get_ident()}.tmp")
        with open(tmp, "w", encoding="utf-8") as out:
            json.dump({"aliases": aliases}, out, ensure_ascii=False, indent=1, sort_keys=True)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self._aliases_path)
        self._load_aliases()

    # -- collections ------------------------------------------------------------------------

    def _physical_path(self, physical: str) -> Path:
        return self._collections_dir / physical

    def _create_physical(self, physical: str, schema: CollectionSchema) -> _Collection:
        try:
            self._collections_dir.mkdir(parents=True, exist_ok=True)
            schema_path = self._physical_path(physical).with_suffix(".json")
            schema_path.write_text(json.dumps(_schema_to_json(schema), ensure_ascii=False), encoding="utf-8")
            return _Collection(physical, self._physical_path(physical), schema)
        except (OSError, ValueError) as exc:
            raise SearchUnavailable("the embedded search index cannot be written", {"error": str(exc)}) from exc

    def _discard(self, collection: _Collection) -> None:
        shutil.rmtree(collection.path, ignore_errors=True)
        collection.path.with_suffix(".json").unlink(missing_ok=True)

    def _open_physical(self, physical: str) -> _Collection:
        with self._mutex:
            existing = self._open.get(physical)
            if existing is not None:
                return existing
        path = self._physical_path(physical)
        try:
            schema = _schema_from_json(json.loads(path.with_suffix(".json").read_text(encoding="utf-8")))
            opened = _Collection(physical, path, schema)
        except FileNotFoundError as exc:
            raise UnknownCollection(details={"physical": physical}) from exc
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SearchUnavailable("the embedded search index cannot be opened", {"error": str(exc)}) from exc
        with self._mutex:
            return self._open.setdefault(physical, opened)

    @contextlib.contextmanager
    def _using(self, alias: str) -> Iterator[_Collection]:
        """The collection ``alias`` points to, kept from deletion while in use."""
        check_collection_name(alias)
        collection = self._acquire(alias)
        try:
            yield collection
        finally:
            with self._mutex:
                collection.users -= 1
                delete_now = collection.retired and collection.users == 0
            if delete_now:
                self._discard(collection)

    def _acquire(self, alias: str) -> _Collection:
        # A reindex may retire the collection between reading the alias and taking it: then
        # the alias already names the new one, so read it again.
        for _ in range(5):
            physical = self._load_aliases().get(alias)
            if physical is None:
                raise UnknownCollection(details={"collection": alias})
            try:
                collection = self._open_physical(physical)
            except UnknownCollection:
                continue  # dropped under us
            with self._mutex:
                if not collection.retired:
                    collection.users += 1
                    return collection
        raise SearchUnavailable("the collection keeps changing under this search", {"collection": alias})

    def _retire(self, physical: str) -> None:
        with self._mutex:
            collection = self._open.pop(physical, None)
            if collection is not None:
                collection.retired = True
                if collection.users:
                    return  # the last search deletes it
        path = self._physical_path(physical)
        shutil.rmtree(path, ignore_errors=True)
        path.with_suffix(".json").unlink(missing_ok=True)

    def _check(self) -> None:
        try:
            self._root.mkdir(parents=True, exist_ok=True)
            self._load_aliases()
            if not os.access(self._root, os.R_OK | os.W_OK | os.X_OK):
                raise PermissionError(f"{self._root} is not readable and writable")
        except (OSError, ValueError) as exc:
            raise SearchUnavailable("the embedded search index is not usable", {"error": str(exc)}) from exc

    def _ensure_collection(self, schema: CollectionSchema) -> None:
        with self._guard(), self._catalog_lock():
            aliases = self._load_aliases()
            if schema.name in aliases:
                return
            physical = new_physical_name(schema.name)
            self._create_physical(physical, schema)
            aliases[schema.name] = physical
            self._write_aliases(aliases)

    def _drop_collection(self, name: str) -> None:
        with self._guard(), self._catalog_lock():
            aliases = self._load_aliases()
            physical = aliases.pop(name, None)
            if physical is None:
                return
            self._write_aliases(aliases)
        self._retire(physical)

    def _swap_alias(self, alias: str, built: _Collection) -> None:
        with self._guard(), self._catalog_lock():
            aliases = self._load_aliases()
            old = aliases.get(alias)
            aliases[alias] = built.physical
            self._write_aliases(aliases)
        with self._mutex:
            self._open.setdefault(built.physical, built)
        if old is not None and old != built.physical:
            self._retire(old)

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        """tantivy and file-system failures become ``SearchUnavailable``; ours pass through."""
        try:
            yield
        except DomainError:
            raise
        except (OSError, ValueError, RuntimeError) as exc:
            raise SearchUnavailable("the embedded search index failed", {"error": str(exc)[:300]}) from exc

    # -- writes -----------------------------------------------------------------------------

    def _writer(self, collection: _Collection) -> tantivy.IndexWriter:
        with self._guard():
            return collection.index.writer(heap_size=self._heap, num_threads=1)

    def _add_batch(self, collection: _Collection, writer: tantivy.IndexWriter, batch: Sequence[Document]) -> int:
        documents = validate_documents(collection.schema, batch)
        converted = [collection.to_tantivy(document) for document in documents]
        with self._guard():
            for document, converted_doc in zip(documents, converted, strict=True):
                writer.delete_documents_by_term("id", str(document["id"]))
                writer.add_document(converted_doc)
        return len(documents)

    def _commit(self, collection: _Collection, writer: tantivy.IndexWriter) -> None:
        with self._guard():
            writer.commit()
            writer.wait_merging_threads()
            collection.index.reload()

    def _upsert(self, alias: str, documents: Sequence[Document]) -> None:
        with self._using(alias) as collection:
            validated = validate_documents(collection.schema, documents)
            converted = [collection.to_tantivy(document) for document in validated]
            with collection.write_lock, self._guard():
                writer = collection.index.writer(heap_size=self._heap, num_threads=1)
                try:
                    for document, converted_doc in zip(validated, converted, strict=True):
                        writer.delete_documents_by_term("id", str(document["id"]))
                        writer.add_document(converted_doc)
                    self._commit(collection, writer)
                except BaseException:
                    with contextlib.suppress(Exception):
                        writer.rollback()
                    raise

    def _delete(self, alias: str, ids: Sequence[str]) -> None:
        with self._using(alias) as collection, collection.write_lock, self._guard():
            writer = collection.index.writer(heap_size=self._heap, num_threads=1)
            for doc_id in ids:
                writer.delete_documents_by_term("id", str(doc_id))
            self._commit(collection, writer)

    # -- search -----------------------------------------------------------------------------

    def _search(self, alias: str, query: SearchQuery) -> SearchResult:
        with self._using(alias) as collection:
            query_words = validate_query(collection.schema, query)
            compiled = self._compile(collection, query, query_words)
            with self._guard():
                collection.index.reload()  # ~15 µs: commits of other processes become visible
                searcher = collection.index.searcher()
                # Every match is ranked here: tantivy orders by one key, we need up to three.
                # Bounded by the collection size; the embedded index is for small deployments.
                found = searcher.search(compiled.query, limit=max(1, searcher.num_docs), count=True)
                total = found.count  # type: ignore[attr-defined]  # missing from tantivy's stubs
                hits = self._page(collection, searcher, compiled, query, found.hits)
                facets = self._facets(collection, searcher, compiled.matches, query)
        return SearchResult(hits=hits, found=total, page=query.page, per_page=query.per_page, facets=facets)

    def _compile(self, collection: _Collection, query: SearchQuery, query_words: list[str]) -> _Compiled:
        schema = collection.tantivy_schema
        filters: list[tuple[tantivy.Occur, tantivy.Query]] = [
            (tantivy.Occur.Must, tantivy.Query.const_score_query(self._filter(collection, flt), 0.0))
            for flt in query.filters
        ]
        if not query_words:
            everything = tantivy.Query.boolean_query([*filters, (tantivy.Occur.Must, tantivy.Query.all_query())])
            return _Compiled(everything, everything, text=False)
        budgets = tuple((w, typo_budget(w) if query.typo_tolerance else 0) for w in query_words)

        fields = sorted(query.query_by, key=lambda f: -f.weight)
        encoded = [(_as_bytes_text(w), typo_budget(w) if query.typo_tolerance else 0) for w in query_words]
        # Every word must match in some field, within its budget (one automaton per word and field).
        must = []
        for term, budget in encoded:
            per_field = [self._within(schema, field, term, budget) for field in fields]
            any_field = tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in per_field])
            must.append((tantivy.Occur.Must, tantivy.Query.const_score_query(any_field, 0.0)))
        matches = tantivy.Query.boolean_query([*filters, *must])
        if len(encoded) == 1:
            # The relevance query matches exactly the documents the word matches: it is the Must.
            relevance = self._one_word_relevance(schema, fields, *encoded[0])
            scored = tantivy.Query.boolean_query([*filters, (tantivy.Occur.Must, relevance)])
            return _Compiled(scored, matches, text=True, words=budgets, fields=tuple(fields))
        else:
            # word_in_field[w][f]: the word matches in the field; scored 64 - edits of its best match.
            word_in_field = [
                [self._word_query(schema, field, term, budget) for field in fields] for term, budget in encoded
            ]
            relevance = self._words_relevance(fields, word_in_field)
            scored = tantivy.Query.boolean_query([*filters, *must, (tantivy.Occur.Should, relevance)])
            return _Compiled(scored, matches, text=True, words=budgets, fields=tuple(fields))

    @staticmethod
    def _within(schema: tantivy.Schema, field: QueryField, term: str, budget: int) -> tantivy.Query:
        name = _search_field(field.name)
        if budget == 0:
            return tantivy.Query.term_query(schema, name, term)
        return tantivy.Query.fuzzy_term_query(schema, name, term, distance=budget, transposition_cost_one=True)

    @staticmethod
    def _one_word_relevance(schema: tantivy.Schema, fields: list[QueryField], term: str, budget: int) -> tantivy.Query:
        """Edits, then the heaviest field matching with that few edits, then how many fields
        match with that few edits (Typesense scores a document at the edit count it was found with)."""
        levels = []
        for distance in range(budget + 1):
            at_level = []
            for field in fields:
                name = _search_field(field.name)
                if distance == 0:
                    at_level.append((field, tantivy.Query.term_query(schema, name, term)))
                else:
                    fuzzy = tantivy.Query.fuzzy_term_query(
                        schema, name, term, distance=distance, transposition_cost_one=True
                    )
                    at_level.append((field, fuzzy))
            heaviest = tantivy.Query.disjunction_max_query(
                [tantivy.Query.const_score_query(q, float(f.weight * _TEXT_SCALE)) for f, q in at_level]
            )
            clauses = [(tantivy.Occur.Should, tantivy.Query.const_score_query(q, 1.0)) for _, q in at_level]
            clauses.append((tantivy.Occur.Should, heaviest))
            levels.append(
                tantivy.Query.boolean_query(
                    [
                        (tantivy.Occur.Must, tantivy.Query.boolean_query(clauses)),
                        (
                            tantivy.Occur.Should,
                            tantivy.Query.const_score_query(
                                tantivy.Query.all_query(), float((_WORD_SCORE - distance) * _FIELD_SCALE * _TEXT_SCALE)
                            ),
                        ),
                    ]
                )
            )
        return levels[0] if len(levels) == 1 else tantivy.Query.disjunction_max_query(levels)

    @staticmethod
    def _words_relevance(fields: list[QueryField], word_in_field: list[list[tantivy.Query]]) -> tantivy.Query:
        """Per field: 64 per matched word minus its edits; the best field, then its weight,
        then how many fields match at all."""
        clauses = []
        field_scores = []
        for index, field in enumerate(fields):
            in_field = tantivy.Query.boolean_query([(tantivy.Occur.Should, per[index]) for per in word_in_field])
            weight = tantivy.Query.const_score_query(in_field, float(field.weight))
            field_scores.append(
                tantivy.Query.boolean_query(
                    [
                        (tantivy.Occur.Should, tantivy.Query.boost_query(in_field, float(_FIELD_SCALE))),
                        (tantivy.Occur.Should, weight),
                    ]
                )
            )
            clauses.append((tantivy.Occur.Should, tantivy.Query.const_score_query(in_field, 1.0)))
        best_field = tantivy.Query.disjunction_max_query(field_scores)
        clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(best_field, float(_TEXT_SCALE))))
        return tantivy.Query.boolean_query(clauses)

    @staticmethod
    def _word_query(schema: tantivy.Schema, field: QueryField, term: str, budget: int) -> tantivy.Query:
        name = _search_field(field.name)
        options = [tantivy.Query.const_score_query(tantivy.Query.term_query(schema, name, term), float(_WORD_SCORE))]
        for distance in range(1, budget + 1):
            fuzzy = tantivy.Query.fuzzy_term_query(schema, name, term, distance=distance, transposition_cost_one=True)
            options.append(tantivy.Query.const_score_query(fuzzy, float(_WORD_SCORE - distance)))
        return options[0] if len(options) == 1 else tantivy.Query.disjunction_max_query(options)

    @staticmethod
    def _filter(collection: _Collection, flt: Filter) -> tantivy.Query:
        schema = collection.tantivy_schema
        field = collection.schema.field(flt.field)
        assert field is not None  # validate_query checked it
        if isinstance(flt, Range):
            kind = tantivy.FieldType.Integer if field.type == "int" else tantivy.FieldType.Float

            def bound(value: float | None) -> int | float | None:
                if value is None:
                    return None
                return int(value) if field.type == "int" else _f32(float(value))

            lower = flt.gte if flt.gte is not None else flt.gt
            upper = flt.lte if flt.lte is not None else flt.lt
            return tantivy.Query.range_query(
                schema,
                _value_field(field.name),
                kind,
                bound(lower),
                bound(upper),
                include_lower=flt.gt is None,
                include_upper=flt.lt is None,
            )
        values = [flt.value] if isinstance(flt, Equals) else list(flt.values)
        if field.type in ("string", "string[]"):
            name = _keyword_field(field.name)
            keys = [keyword_key(str(v)) for v in values]
            if len(keys) == 1:
                return tantivy.Query.term_query(schema, name, keys[0])
            return tantivy.Query.term_set_query(schema, name, keys)
        name = _value_field(field.name)
        typed = [bool(v) if field.type == "bool" else int(v) for v in values]
        if len(typed) == 1:
            return tantivy.Query.term_query(schema, name, typed[0])
        return tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(schema, name, v)) for v in typed]
        )

    def _page(
        self,
        collection: _Collection,
        searcher: tantivy.Searcher,
        compiled: _Compiled,
        query: SearchQuery,
        matches: list[tuple[Any, tantivy.DocAddress]],
    ) -> tuple[SearchHit, ...]:
        start = (query.page - 1) * query.per_page
        if start >= len(matches):
            return ()
        addresses = [address for _, address in matches]
        keys = effective_sort(collection.schema, query, text=compiled.text)
        # tantivy's scores are upper bounds of the relevance (see _ProximityScorer): exact for
        # most documents, refined from the stored text for those that reach the page.
        relevance = _upper_bounds(score for score, _ in matches) if compiled.text else []
        columns: list[list[Any]] = []
        for key in keys:
            if key.field == TEXT_MATCH:
                values: list[Any] = relevance
            elif key.field == ORDER_FIELD:
                values = searcher.fast_field_values(ORDER_FIELD, addresses)
            else:
                values = searcher.fast_field_values(_value_field(key.field), addresses)
                values = [int(v) if isinstance(v, bool) else v for v in values]
            columns.append([-v for v in values] if key.descending else values)
        rows = [(*(column[i] for column in columns), i) for i in range(len(addresses))]
        needed = start + query.per_page
        text_at = [n for n, key in enumerate(keys) if key.field == TEXT_MATCH]
        if not compiled.text or not text_at:
            order = [row[-1] for row in heapq.nsmallest(needed, rows)]
        elif all(keys[n].descending for n in text_at):
            order = self._refine_lazily(searcher, compiled, addresses, rows, relevance, text_at[0], needed)
        else:  # relevance ascending: refining can move documents up, so refine them all
            order = self._refine_all(searcher, compiled, addresses, rows, relevance, text_at[0], needed)
        hits = []
        for i in order[start:needed]:
            stored = searcher.doc(addresses[i])["_src"][0]
            document = json.loads(bytes(stored))
            hits.append(SearchHit(document=document, text_match=int(relevance[i]) if compiled.text else 0))
        return tuple(hits)

    @staticmethod
    def _refine_lazily(
        searcher: tantivy.Searcher,
        compiled: _Compiled,
        addresses: list[tantivy.DocAddress],
        rows: list[tuple[Any, ...]],
        relevance: list[float],
        text_at: int,
        needed: int,
    ) -> list[int]:
        """The first ``needed`` documents in exact order. Refining only ever lowers relevance,
        so a refined document at the top of the heap is final (lazy top-k)."""
        scorer = _ProximityScorer(compiled.words, compiled.fields)
        heap = [(row, False) for row in rows]
        heapq.heapify(heap)
        order: list[int] = []
        while heap and len(order) < needed:
            row, refined = heapq.heappop(heap)
            i = row[-1]
            if refined:
                order.append(i)
                continue
            document = json.loads(bytes(searcher.doc(addresses[i])["_src"][0]))
            relevance[i] = float(scorer.score(document))
            heapq.heappush(heap, ((*row[:text_at], -relevance[i], *row[text_at + 1 :]), True))
        return order

    @staticmethod
    def _refine_all(
        searcher: tantivy.Searcher,
        compiled: _Compiled,
        addresses: list[tantivy.DocAddress],
        rows: list[tuple[Any, ...]],
        relevance: list[float],
        text_at: int,
        needed: int,
    ) -> list[int]:
        scorer = _ProximityScorer(compiled.words, compiled.fields)
        refined = []
        for row in rows:
            i = row[-1]
            relevance[i] = float(scorer.score(json.loads(bytes(searcher.doc(addresses[i])["_src"][0]))))
            refined.append((*row[:text_at], relevance[i], *row[text_at + 1 :]))
        return [row[-1] for row in heapq.nsmallest(needed, refined)]

    @staticmethod
    def _facets(
        collection: _Collection, searcher: tantivy.Searcher, query: tantivy.Query, search: SearchQuery
    ) -> tuple[FacetCounts, ...]:
        if not search.facet_by:
            return ()
        aggregations: dict[str, Any] = {}
        for index, name in enumerate(search.facet_by):
            field = collection.schema.field(name)
            assert field is not None
            source = _facet_field(name) if field.type in ("string", "string[]") else _value_field(name)
            aggregations[f"a{index}"] = {"terms": {"field": source, "size": _FACET_BUCKETS}}
        result = searcher.aggregate(query, aggregations)
        facets = []
        for index, name in enumerate(search.facet_by):
            field = collection.schema.field(name)
            assert field is not None
            buckets = result.get(f"a{index}", {}).get("buckets", [])
            counts: dict[str, int] = {}
            labels: dict[str, str] = {}
            for bucket in buckets:
                if field.type in ("string", "string[]"):
                    key, _, original = str(bucket["key"]).partition(_FACET_SEPARATOR)
                    labels[key] = min(labels.get(key, original), original)
                elif field.type == "bool":
                    key = str(bucket.get("key_as_string") or facet_value(bool(bucket["key"])))
                    labels[key] = key
                else:
                    key = facet_value(int(bucket["key"]))
                    labels[key] = key
                counts[key] = counts.get(key, 0) + int(bucket["doc_count"])
            ranked = sorted(counts.items(), key=lambda kv: (-kv[1], labels[kv[0]]))[: search.max_facet_values]
            facets.append(FacetCounts(name, tuple(FacetValue(labels[k], c) for k, c in ranked)))
        return tuple(facets)
