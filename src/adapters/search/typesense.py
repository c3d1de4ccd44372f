"""Typesense (0.24+) through the ``typesense`` client's asyncio API (httpx underneath).

Collections are aliases: ``ensure_collection`` creates ``<name>__<version>`` and the alias
``<name>``; ``reindex`` imports into a fresh physical collection, moves the alias (one atomic
call on the server) and drops the old collection. Searches always address the alias.

To give the answers the port promises (and the embedded index gives), each searchable field
``f`` is indexed as a hidden ``_s_f`` holding ``adapters.search.words`` joined by spaces: the
port's Unicode normalisation (Typesense's default tokenizer does not lower-case Cyrillic), and
the same words on both adapters. Searches run with ``prefix=false``, ``drop_tokens_threshold=0``
(every word must match), typo budget 4/8 bytes, ``typo_tokens_threshold`` high (typo variants
are found even when exact matches exist) and an explicit ``sort_by`` ending with the stable
tie-breaker ``_ord``.

Every failure becomes a ``DomainError``: unreachable, timed out, 5xx or a refused key ->
``SearchUnavailable``; 404 -> ``UnknownCollection``; 400/422 -> ``InvalidQuery`` (or
``InvalidSearchSchema`` / ``InvalidSearchDocument`` where that is what was sent).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import warnings
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Sequence
from typing import Any, Final
from urllib.parse import urlsplit

import httpx
import typesense
from typesense import exceptions as ts_errors

from adapters.search import (
    BATCH_SIZE,
    ORDER_FIELD,
    VERSION_SEPARATOR,
    check_collection_name,
    doc_order,
    effective_sort,
    facet_value,
    keyword_key,
    new_physical_name,
    validate_documents,
    validate_query,
    validate_schema,
    words,
)
from adapters.search import batches as document_batches
from core.shared.errors import (
    DomainError,
    InvalidQuery,
    InvalidSearchDocument,
    InvalidSearchSchema,
    SearchUnavailable,
    UnknownCollection,
)
from ports.shared.search import (
    MIN_LEN_1TYPO,
    MIN_LEN_2TYPO,
    TEXT_MATCH,
    CollectionSchema,
    Document,
    Equals,
    FacetCounts,
    FacetValue,
    Filter,
    Range,
    ReindexReport,
    SearchField,
    SearchHit,
    SearchQuery,
    SearchResult,
)

_SHADOW_PREFIX: Final = "_s_"
_TYPES: Final = {"string": "string", "string[]": "string[]", "int": "int64", "float": "float", "bool": "bool"}
_TYPES_BACK: Final = {"string": "string", "string[]": "string[]", "int64": "int", "int32": "int", "float": "float"}
# Above any result size: Typesense then always looks for typo variants, as the port promises.
_TYPO_TOKENS_THRESHOLD: Final = 2_147_483_647
# Words within the typo budget Typesense considers per query word and edit count.
_MAX_CANDIDATES: Final = 100
# Facet values asked for beyond the requested ones: Typesense cuts ties at the limit in an
# order of its own; with the slack we rank the tied values ourselves (count, then value).
_FACET_SLACK: Final = 200
_SCHEMA_TTL_S: Final = 30.0
# Bytes per import request: large bodies were seen corrupted by the 0.24 server.
MAX_IMPORT_BYTES: Final = 256 * 1024


def shadow(name: str) -> str:
    return f"{_SHADOW_PREFIX}{name}"


def collection_fields(schema: CollectionSchema) -> list[dict[str, Any]]:
    """The Typesense fields of ``schema``."""
    fields: list[dict[str, Any]] = []
    for field in schema.fields:
        if field.search:
            fields.append({"name": shadow(field.name), "type": field.type, "optional": field.optional})
        if field.facet or field.filter or field.sort:
            fields.append(
                {"name": field.name, "type": _TYPES[field.type], "facet": field.facet, "optional": field.optional}
            )
    fields.append({"name": ORDER_FIELD, "type": "int64"})
    return fields


def schema_from_typesense(alias: str, data: dict[str, Any]) -> CollectionSchema:
    """Our schema, recovered from a collection this adapter created (for processes that use
    a collection without having called ``ensure_collection``)."""
    declared = {f["name"]: f for f in data.get("fields", [])}
    fields: list[SearchField] = []
    for name, spec in declared.items():
        if name == ORDER_FIELD or name.startswith(_SHADOW_PREFIX):
            continue
        kind = "bool" if spec["type"] == "bool" else _TYPES_BACK.get(spec["type"], "string")
        fields.append(
            SearchField(
                name,
                kind,  # type: ignore[arg-type]
                search=shadow(name) in declared,
                facet=bool(spec.get("facet")),
                filter=True,
                sort=kind in ("int", "float", "bool"),
                optional=bool(spec.get("optional")),
            )
        )
    for name, spec in declared.items():
        if name.startswith(_SHADOW_PREFIX) and name[len(_SHADOW_PREFIX) :] not in declared:
            fields.append(
                SearchField(name[len(_SHADOW_PREFIX) :], spec["type"], search=True, optional=bool(spec.get("optional")))
            )
    return CollectionSchema(alias, tuple(fields), None)


def indexed_document(schema: CollectionSchema, document: dict[str, Any]) -> dict[str, Any]:
    """``document`` plus its hidden fields: normalised words of searchable fields, tie-breaker."""
    out = dict(document)
    for field in schema.fields:
        if not field.search:
            continue
        value = document.get(field.name)
        if value is None:
            continue
        if isinstance(value, str):
            out[shadow(field.name)] = " ".join(words(value))
        else:
            out[shadow(field.name)] = [" ".join(words(v)) for v in value]
    out[ORDER_FIELD] = doc_order(str(document["id"]))
    return out


def _number(value: float) -> str:
    if isinstance(value, int):
        return str(value)
    text = repr(float(value))
    return format(value, "f") if "e" in text else text


def _string_literal(value: str) -> str:
    # Backticks quote values with commas, spaces, '&&'...; a value with a backtick is sent as
    # its keyword key: the same words for Typesense, without the quote character.
    return f"`{value}`" if "`" not in value else f"`{keyword_key(value)}`"


def filter_expression(schema: CollectionSchema, flt: Filter) -> str:
    field = schema.field(flt.field)
    assert field is not None
    if isinstance(flt, Range):
        parts = []
        if flt.gte is not None:
            parts.append(f"{flt.field}:>={_number(int(flt.gte) if field.type == 'int' else flt.gte)}")
        if flt.gt is not None:
            parts.append(f"{flt.field}:>{_number(int(flt.gt) if field.type == 'int' else flt.gt)}")
        if flt.lte is not None:
            parts.append(f"{flt.field}:<={_number(int(flt.lte) if field.type == 'int' else flt.lte)}")
        if flt.lt is not None:
            parts.append(f"{flt.field}:<{_number(int(flt.lt) if field.type == 'int' else flt.lt)}")
        return " && ".join(parts)
    values = [flt.value] if isinstance(flt, Equals) else list(flt.values)

    def literal(value: str | int | bool) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return str(value)
        return _string_literal(value)

    if len(values) == 1:
        return f"{flt.field}:={literal(values[0])}"
    return f"{flt.field}:=[{','.join(literal(v) for v in values)}]"


def search_parameters(schema: CollectionSchema, query: SearchQuery, query_words: list[str]) -> dict[str, Any]:
    """The Typesense search parameters for ``query`` (also what the benchmark sends directly)."""
    text = bool(query_words)
    fields = sorted(query.query_by, key=lambda f: -f.weight)
    hidden = [ORDER_FIELD, *(shadow(f.name) for f in schema.fields if f.search)]
    params: dict[str, Any] = {
        "q": " ".join(query_words) if text else "*",
        "query_by": ",".join(shadow(f.name) for f in fields) if fields else shadow(_first_searchable(schema)),
        "page": query.page,
        "per_page": query.per_page,
        "exclude_fields": ",".join(hidden),
        "highlight_fields": ORDER_FIELD,  # a non-text field: no highlighting work
        "sort_by": ",".join(
            f"{key.field}:{'desc' if key.descending else 'asc'}" for key in effective_sort(schema, query, text=text)
        ),
    }
    if text:
        params.update(
            {
                "query_by_weights": ",".join(str(f.weight) for f in fields),
                "prefix": "false",
                "drop_tokens_threshold": 0,
                "typo_tokens_threshold": _TYPO_TOKENS_THRESHOLD,
                "num_typos": 2 if query.typo_tolerance else 0,
                "min_len_1typo": MIN_LEN_1TYPO,
                "min_len_2typo": MIN_LEN_2TYPO,
                "max_candidates": _MAX_CANDIDATES,
                "prioritize_exact_match": "false",
                "split_join_tokens": "off",
            }
        )
    if query.filters:
        params["filter_by"] = " && ".join(filter_expression(schema, flt) for flt in query.filters)
    if query.facet_by:
        params["facet_by"] = ",".join(query.facet_by)
        params["max_facet_values"] = query.max_facet_values + _FACET_SLACK
    return params


def _first_searchable(schema: CollectionSchema) -> str:
    for field in schema.fields:
        if field.search:
            return field.name
    # Typesense wants a query_by even for "*"; any string field will do, the alias has one.
    for field in schema.fields:
        if field.type in ("string", "string[]"):
            return field.name
    return ORDER_FIELD


def parse_result(query: SearchQuery, data: dict[str, Any], *, text: bool) -> SearchResult:
    hits = tuple(
        SearchHit(document=hit["document"], text_match=int(hit.get("text_match") or 0) if text else 0)
        for hit in data.get("hits", [])
    )
    facets = []
    counts_by_field = {f["field_name"]: f.get("counts", []) for f in data.get("facet_counts", [])}
    for name in query.facet_by:
        values = [FacetValue(facet_value(c["value"]), int(c["count"])) for c in counts_by_field.get(name, [])]
        values.sort(key=lambda v: (-v.count, v.value))
        facets.append(FacetCounts(name, tuple(values[: query.max_facet_values])))
    return SearchResult(
        hits=hits, found=int(data.get("found", 0)), page=query.page, per_page=query.per_page, facets=tuple(facets)
    )


class TypesenseSearchIndex:
    """``SearchIndex`` on a Typesense server (``url`` like ``http://127.0.0.1:8108``).

    Open it in the running event loop and ``await aclose()`` at shutdown (it owns an httpx pool).
    """

    name = "search"
    kind = "typesense"

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        timeout_s: float = 5.0,
        retries: int = 1,
        retry_interval_s: float = 0.1,
        max_connections: int = 100,
    ) -> None:
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError:
            port = -1
        if parts.scheme not in ("http", "https") or not parts.hostname or port == -1:
            raise SearchUnavailable("the Typesense URL must be http(s)://host:port", {"url": url[:100]})
        node: Any = {
            "host": parts.hostname,
            "port": port or (443 if parts.scheme == "https" else 8108),
            "protocol": parts.scheme,
            "path": parts.path.rstrip("/"),
        }
        try:
            with warnings.catch_warnings():  # the client warns about APIs of newer servers it sets up
                warnings.simplefilter("ignore", DeprecationWarning)
                self._client = typesense.AsyncClient(
                    {
                        "nodes": [node],
                        "api_key": api_key,
                        "connection_timeout_seconds": timeout_s,
                        "num_retries": retries,
                        "retry_interval_seconds": retry_interval_s,
                        "max_connections": max_connections,
                        "max_keepalive_connections": max_connections,
                        "suppress_deprecation_warnings": True,
                    }
                )
        except ts_errors.TypesenseClientError as exc:
            raise SearchUnavailable("the Typesense client cannot be configured", {"error": str(exc)}) from exc
        self._schemas: dict[str, tuple[CollectionSchema, float | None]] = {}

    async def aclose(self) -> None:
        with contextlib.suppress(Exception):
            await self._client.api_call.aclose()

    # -- SearchIndex ------------------------------------------------------------------------

    async def check(self) -> None:
        async with self._errors("check"):
            healthy = await self._client.operations.is_healthy()
            if not healthy:
                raise SearchUnavailable("Typesense reports it is not healthy")
            await self._client.aliases.retrieve()  # the key is accepted

    async def ensure_collection(self, schema: CollectionSchema) -> None:
        validate_schema(schema)
        async with self._errors("ensure_collection", schema=True):
            if await self._alias_target(schema.name) is None:
                physical = new_physical_name(schema.name)
                await self._create(physical, schema)
                await self._client.aliases.upsert(schema.name, {"collection_name": physical})
                # Two processes may race here: the alias names one of the two, drop the other.
                if await self._alias_target(schema.name) != physical:
                    await self._drop_physical(physical)
        self._remember(schema)

    async def drop_collection(self, name: str) -> None:
        check_collection_name(name)
        async with self._errors("drop_collection"):
            physical = await self._alias_target(name)
            if physical is not None:
                await self._client.aliases[name].delete()
                await self._drop_physical(physical)
        self._schemas.pop(name, None)

    async def upsert(self, collection: str, documents: Sequence[Document]) -> None:
        if not documents:
            return
        schema = await self._schema(collection)
        validated = validate_documents(schema, documents)
        for start in range(0, len(validated), BATCH_SIZE):
            await self._import(collection, schema, validated[start : start + BATCH_SIZE])

    async def delete(self, collection: str, ids: Sequence[str]) -> None:
        check_collection_name(collection)
        unique = list(dict.fromkeys(str(i) for i in ids))
        plain = [i for i in unique if "`" not in i]
        quoted = [i for i in unique if "`" in i]  # cannot be quoted in a filter: one by one
        async with self._errors("delete", collection=collection):
            target = self._collection(collection)
            for start in range(0, len(plain), 100):
                expression = ",".join(f"`{i}`" for i in plain[start : start + 100])
                await target.documents.delete({"filter_by": f"id:[{expression}]"})
            for doc_id in quoted:
                with contextlib.suppress(ts_errors.ObjectNotFound):
                    await target.documents[doc_id].delete()

    async def search(self, collection: str, query: SearchQuery) -> SearchResult:
        schema = await self._schema(collection)
        query_words = validate_query(schema, query)
        params = search_parameters(schema, query, query_words)
        async with self._errors("search", collection=collection, query=True):
            data = await self._collection(collection).documents.search(params)
        return parse_result(query, dict(data), text=bool(query_words))

    async def reindex(
        self, schema: CollectionSchema, documents: Iterable[Document] | AsyncIterable[Document]
    ) -> ReindexReport:
        validate_schema(schema)
        physical = new_physical_name(schema.name)
        async with self._errors("reindex", schema=True):
            await self._create(physical, schema)
        count = 0
        try:
            async for batch in document_batches(documents, BATCH_SIZE):
                validated = validate_documents(schema, batch)
                await self._import(physical, schema, validated)
                count += len(validated)
            async with self._errors("reindex"):
                old = await self._alias_target(schema.name)
                await self._client.aliases.upsert(schema.name, {"collection_name": physical})
        except BaseException:
            with contextlib.suppress(Exception):
                await self._drop_physical(physical)
            raise
        self._remember(schema)
        if old is not None and old != physical:
            async with self._errors("reindex"):
                await self._drop_physical(old)
        return ReindexReport(schema.name, physical, count)

    # -- internals --------------------------------------------------------------------------

    def _collection(self, name: str) -> Any:
        """The client's handle of a collection (cached by the client; built once per name)."""
        cached = self._client.collections.collections.get(name)
        if cached is not None:
            return cached
        with warnings.catch_warnings():  # overrides/synonyms handles warn about newer servers
            warnings.simplefilter("ignore", DeprecationWarning)
            return self._client.collections[name]

    def _remember(self, schema: CollectionSchema) -> None:
        self._schemas[schema.name] = (schema, None)  # declared by this process: no expiry

    async def _schema(self, alias: str) -> CollectionSchema:
        check_collection_name(alias)
        known = self._schemas.get(alias)
        if known is not None and (known[1] is None or known[1] > time.monotonic()):
            return known[0]
        async with self._errors("schema", collection=alias):
            data = await self._collection(alias).retrieve()
        schema = schema_from_typesense(alias, dict(data))
        self._schemas[alias] = (schema, time.monotonic() + _SCHEMA_TTL_S)
        return schema

    async def _alias_target(self, alias: str) -> str | None:
        try:
            found = await self._client.aliases[alias].retrieve()
        except ts_errors.ObjectNotFound:
            return None
        return str(found["collection_name"])

    async def _create(self, physical: str, schema: CollectionSchema) -> None:
        await self._client.collections.create(
            {"name": physical, "fields": collection_fields(schema)}  # type: ignore[typeddict-item]
        )

    async def _drop_physical(self, physical: str) -> None:
        if VERSION_SEPARATOR not in physical:  # never drop something we did not create
            return
        with contextlib.suppress(ts_errors.ObjectNotFound):
            await self._collection(physical).delete()
        self._client.collections.collections.pop(physical, None)

    async def _import(self, target: str, schema: CollectionSchema, documents: list[dict[str, Any]]) -> None:
        lines = await asyncio.to_thread(_jsonl_lines, schema, documents)
        failures = []
        start = 0
        for chunk in _chunks_by_size(lines, MAX_IMPORT_BYTES):
            async with self._errors("upsert", collection=target, documents=True):
                answer = await self._collection(target).documents.import_("\n".join(chunk), {"action": "upsert"})
            chunk_documents = documents[start : start + len(chunk)]
            start += len(chunk)
            for line, document in zip(str(answer).splitlines(), chunk_documents, strict=False):
                result = json.loads(line)
                if not result.get("success"):
                    failures.append({"id": document.get("id"), "error": str(result.get("error"))[:200]})
        if failures:
            raise InvalidSearchDocument(
                "Typesense rejected documents", {"collection": target, "failures": failures[:10]}
            )

    @contextlib.asynccontextmanager
    async def _errors(
        self,
        operation: str,
        *,
        collection: str | None = None,
        query: bool = False,
        schema: bool = False,
        documents: bool = False,
    ) -> AsyncIterator[None]:
        """Translate every client, HTTP and server error into a ``DomainError``."""
        details: dict[str, Any] = {"operation": operation}
        if collection is not None:
            details["collection"] = collection
        try:
            yield
        except DomainError:
            raise
        except ts_errors.ObjectNotFound as exc:
            if collection is not None:
                self._schemas.pop(collection, None)
            raise UnknownCollection(details=details) from exc
        except (ts_errors.RequestMalformed, ts_errors.ObjectUnprocessable, ts_errors.ObjectAlreadyExists) as exc:
            details["error"] = _message(exc)
            if collection is not None:
                self._schemas.pop(collection, None)  # the schema may have changed under us
            if schema:
                raise InvalidSearchSchema(f"Typesense refused the collection: {details['error']}", details) from exc
            if documents:
                raise InvalidSearchDocument(f"Typesense refused documents: {details['error']}", details) from exc
            if query:
                raise InvalidQuery(f"Typesense refused the query: {details['error']}", details) from exc
            raise SearchUnavailable(f"Typesense refused {operation}: {details['error']}", details) from exc
        except (ts_errors.RequestUnauthorized, ts_errors.RequestForbidden) as exc:
            raise SearchUnavailable("Typesense refused the API key", details) from exc
        except (ts_errors.TypesenseClientError, httpx.HTTPError, OSError, ValueError) as exc:
            # Timeout, ServerError, ServiceUnavailable, HTTPStatus0Error, connection errors,
            # undecodable answers: the server is not usable right now.
            details["error"] = f"{type(exc).__name__}: {_message(exc)}"
            raise SearchUnavailable("Typesense is unreachable or failing", details) from exc


def _message(exc: BaseException) -> str:
    args = getattr(exc, "args", ())
    text = str(args[-1]) if args else str(exc)
    return text[:300]


def _jsonl_lines(schema: CollectionSchema, documents: list[dict[str, Any]]) -> list[str]:
    # ASCII-only JSON (non-ASCII as \u escapes): Typesense 0.24 was seen dropping two bytes of
    # a Cyrillic letter from large UTF-8 import bodies; escaped text cannot be cut mid-letter.
    return [json.dumps(indexed_document(schema, d), ensure_ascii=True, separators=(",", ":")) for d in documents]


def _chunks_by_size(lines: list[str], limit: int) -> Iterator[list[str]]:
    """Consecutive groups of lines whose joined size stays under ``limit`` (a single larger
    line goes alone): small request bodies, whatever the batch's document count."""
    chunk: list[str] = []
    size = 0
    for line in lines:
        if chunk and size + len(line) + 1 > limit:
            yield chunk
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
    if chunk:
        yield chunk


__all__ = ["TEXT_MATCH", "TypesenseSearchIndex", "search_parameters"]
