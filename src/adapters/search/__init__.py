"""Search index adapters (``ports.shared.search.SearchIndex``): ``typesense`` and ``embedded``.

What both adapters must do alike lives here: text normalisation and the typo budget (so the
two engines see the same words), keyword keys for filters and facets (Typesense's rules),
validation of schemas, documents and queries (so both raise the same typed errors), the
stable tie-breaker and the effective sort order. Standard library only.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
import re
import secrets
import time
import unicodedata
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping, Sequence
from typing import Any, Final

from core.shared.errors import InvalidQuery, InvalidSearchDocument, InvalidSearchSchema
from ports.shared.search import (
    FIELD_TYPES,
    MAX_ID_LENGTH,
    MAX_QUERY_WORDS,
    MIN_LEN_1TYPO,
    MIN_LEN_2TYPO,
    NAME_PATTERN,
    TEXT_MATCH,
    AnyOf,
    CollectionSchema,
    Document,
    Equals,
    Range,
    SearchField,
    SearchQuery,
    SortBy,
)

# Physical collections are "<alias>__<version>"; logical names cannot contain "__".
VERSION_SEPARATOR: Final = "__"
# Hidden per-document field: a stable tie-breaker derived from the id.
ORDER_FIELD: Final = "_ord"
BATCH_SIZE: Final = 1_000
INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1

# ------------------------------------------------------------------------------------------
# Text


def _build_fold_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    # Latin letters that do not decompose into an ASCII letter plus marks (U+0131 is dotless i).
    specials = {"æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "\u0131": "i", "ŀ": "l"}
    latin = [*range(0x00C0, 0x0250), *range(0x1E00, 0x1F00)]
    for code in latin:
        char = chr(code)
        if not char.isalpha():
            continue
        lower = char.casefold()
        if lower in specials:
            table[code] = specials[lower]
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", lower) if not unicodedata.combining(c))
        if base != char:
            table[code] = base
    for char, replacement in specials.items():
        table[ord(char)] = replacement
    for code in range(0x0300, 0x0370):  # combining diacritical marks left over after NFKC
        table[code] = None
    for code in range(0x0591, 0x05C8):  # Hebrew points and cantillation marks
        if unicodedata.category(chr(code)) == "Mn":
            table[code] = None
    table[0x0451] = "\u0435"  # Cyrillic small io -> ie: one letter for search, as in Russian practice
    return table


_FOLD = _build_fold_table()
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The words of ``text`` as both adapters index and query them (see the port's docstring)."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_FOLD)
    return _WORD.findall(folded)


def typo_budget(word: str) -> int:
    """Edits (in UTF-8 bytes) a query word may be away from an indexed word."""
    size = len(word.encode())
    if size >= MIN_LEN_2TYPO:
        return 2
    if size >= MIN_LEN_1TYPO:
        return 1
    return 0


def keyword_key(value: str) -> str:
    """The value a string filter or facet compares, as Typesense 0.24's tokenizer sees it:
    ASCII letters lower-cased, ASCII punctuation dropped, Latin letters with diacritics
    transliterated, ASCII whitespace separating words; other characters kept as they are."""
    out: list[str] = []
    word: list[str] = []
    for char in value:
        if char.isascii():
            if char.isalnum():
                word.append(char.lower())
            elif char.isspace() and word:
                out.append("".join(word))
                word = []
            continue
        word.extend(_ascii_translit(char))
    if word:
        out.append("".join(word))
    return " ".join(out)


@functools.lru_cache(maxsize=4096)
def _ascii_translit(char: str) -> str:
    folded = _FOLD.get(ord(char.lower()), char)
    if folded is None:
        return ""
    if folded.isascii():
        return "".join(c.lower() for c in folded if c.isalnum())
    decomposed = unicodedata.normalize("NFKD", char)
    if decomposed.isascii():  # compatibility characters: ligatures, full-width letters, superscripts
        return "".join(c.lower() for c in decomposed if c.isalnum())
    return char


def doc_order(doc_id: str) -> int:
    """A stable, well-spread signed 64-bit tie-breaker for ``doc_id``."""
    return int.from_bytes(hashlib.blake2b(doc_id.encode(), digest_size=8).digest(), "big", signed=True)


def facet_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ------------------------------------------------------------------------------------------
# Names


def new_physical_name(alias: str) -> str:
    """A fresh physical collection name; sortable by creation time."""
    return f"{alias}{VERSION_SEPARATOR}{time.time_ns():020d}{secrets.token_hex(2)}"


def check_collection_name(name: str) -> None:
    if not isinstance(name, str) or not NAME_PATTERN.match(name) or VERSION_SEPARATOR in name:
        raise InvalidSearchSchema(
            "a collection name is 1-63 of a-z, 0-9 and single underscores, starting with a letter",
            {"collection": str(name)[:80]},
        )


# ------------------------------------------------------------------------------------------
# Validation


def validate_schema(schema: CollectionSchema) -> None:
    check_collection_name(schema.name)
    if not schema.fields:
        raise InvalidSearchSchema("a collection needs at least one field", {"collection": schema.name})
    seen: set[str] = set()
    for field in schema.fields:
        details = {"collection": schema.name, "field": str(field.name)[:80]}
        if not isinstance(field.name, str) or not NAME_PATTERN.match(field.name) or field.name == "id":
            raise InvalidSearchSchema("field names are like collection names, and 'id' is implicit", details)
        if field.name in seen:
            raise InvalidSearchSchema("a field is declared twice", details)
        seen.add(field.name)
        if field.type not in FIELD_TYPES:
            raise InvalidSearchSchema(f"field type must be one of {sorted(FIELD_TYPES)}", details)
        if field.search and field.type not in ("string", "string[]"):
            raise InvalidSearchSchema("only string and string[] fields can be searchable", details)
        if field.facet and field.type == "float":
            raise InvalidSearchSchema("float fields cannot be facets: facet a band of them instead", details)
        if field.sort and (field.type not in ("int", "float", "bool") or field.optional):
            raise InvalidSearchSchema("only required int, float and bool fields can be sorted by", details)
        if not (field.search or field.facet or field.filter or field.sort):
            raise InvalidSearchSchema("an indexed field must be searchable, a facet, a filter or a sort", details)
    if schema.default_sorting_field is not None:
        sorting = schema.field(schema.default_sorting_field)
        if sorting is None or not sorting.sort or sorting.type not in ("int", "float") or sorting.optional:
            raise InvalidSearchSchema(
                "default_sorting_field must be a required int or float sort field",
                {"collection": schema.name, "field": schema.default_sorting_field},
            )


def _type_ok(field: SearchField, value: Any) -> bool:
    if field.type == "string":
        return isinstance(value, str)
    if field.type == "string[]":
        return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
    if field.type == "bool":
        return isinstance(value, bool)
    if field.type == "int":
        return isinstance(value, int) and not isinstance(value, bool) and INT64_MIN <= value <= INT64_MAX
    # float: ints are accepted, like Typesense does
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def validate_document(schema: CollectionSchema, document: Document) -> str:
    """Check one document against ``schema``; return its id."""
    if not isinstance(document, Mapping):
        raise InvalidSearchDocument("a document is a mapping", {"collection": schema.name})
    doc_id = document.get("id")
    if not isinstance(doc_id, str) or not 1 <= len(doc_id) <= MAX_ID_LENGTH or not doc_id.isprintable():
        raise InvalidSearchDocument(
            f"a document needs a printable string id of 1-{MAX_ID_LENGTH} characters",
            {"collection": schema.name, "id": str(doc_id)[:80]},
        )
    for field in schema.fields:
        value = document.get(field.name)
        if value is None:
            if field.optional:
                continue
            raise InvalidSearchDocument(
                f"field {field.name!r} is required", {"collection": schema.name, "id": doc_id, "field": field.name}
            )
        if not _type_ok(field, value):
            raise InvalidSearchDocument(
                f"field {field.name!r} must be {field.type}",
                {"collection": schema.name, "id": doc_id, "field": field.name},
            )
    return doc_id


def validate_documents(schema: CollectionSchema, documents: Sequence[Document]) -> list[dict[str, Any]]:
    """Validate a batch; return plain dicts with duplicate ids collapsed (the last one wins)."""
    by_id: dict[str, dict[str, Any]] = {}
    for document in documents:
        doc_id = validate_document(schema, document)
        by_id.pop(doc_id, None)
        by_id[doc_id] = dict(document)
    return list(by_id.values())


def _scalar_ok(field: SearchField, value: Any) -> bool:
    if field.type in ("string", "string[]"):
        return isinstance(value, str)
    if field.type == "bool":
        return isinstance(value, bool)
    if field.type == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    return False  # float fields take ranges only


def validate_query(schema: CollectionSchema, query: SearchQuery) -> list[str]:
    """Check ``query`` against ``schema``; return the query's words."""
    query_words = [] if query.q.strip() == "*" else words(query.q)
    if len(query_words) > MAX_QUERY_WORDS:
        raise InvalidQuery(f"q has more than {MAX_QUERY_WORDS} words")
    if query_words and not query.query_by:
        raise InvalidQuery("a text query needs query_by")
    for query_field in query.query_by:
        field = schema.field(query_field.name)
        if field is None or not field.search:
            raise InvalidQuery(f"{query_field.name!r} is not a searchable field", {"field": query_field.name})
    for flt in query.filters:
        field = schema.field(flt.field)
        if field is None or not field.filterable:
            raise InvalidQuery(f"{flt.field!r} is not a filter field", {"field": flt.field})
        if isinstance(flt, Range):
            if field.type not in ("int", "float"):
                raise InvalidQuery(f"Range needs an int or float field, {flt.field!r} is not", {"field": flt.field})
            if field.type == "int":
                for bound in (flt.gte, flt.gt, flt.lte, flt.lt):
                    if bound is not None and (not float(bound).is_integer() or not INT64_MIN <= bound <= INT64_MAX):
                        raise InvalidQuery(f"{flt.field!r} is an int field: integer bounds", {"field": flt.field})
            for bound in (flt.gte, flt.gt, flt.lte, flt.lt):
                if bound is not None and not math.isfinite(bound):
                    raise InvalidQuery("Range bounds must be finite", {"field": flt.field})
        elif isinstance(flt, Equals | AnyOf):
            values = (flt.value,) if isinstance(flt, Equals) else flt.values
            if field.type == "float":
                raise InvalidQuery(f"{flt.field!r} is a float field: filter it with Range", {"field": flt.field})
            for value in values:
                if not _scalar_ok(field, value):
                    raise InvalidQuery(f"{flt.field!r} takes {field.type} values", {"field": flt.field})
                if isinstance(value, str) and (not keyword_key(value) or len(value) > 256):
                    raise InvalidQuery(f"not a usable {flt.field!r} value", {"field": flt.field})
                if field.type == "int" and not INT64_MIN <= int(value) <= INT64_MAX:
                    raise InvalidQuery(f"{flt.field!r} value out of range", {"field": flt.field})
        else:  # pragma: no cover - the Filter union is closed
            raise InvalidQuery("unknown filter type")
    for name in query.facet_by:
        field = schema.field(name)
        if field is None or not field.facet:
            raise InvalidQuery(f"{name!r} is not a facet field", {"field": name})
    for sort in query.sort_by:
        if sort.field == TEXT_MATCH:
            continue
        field = schema.field(sort.field)
        if field is None or not field.sort:
            raise InvalidQuery(f"{sort.field!r} is not a sort field", {"field": sort.field})
    return query_words


def effective_sort(schema: CollectionSchema, query: SearchQuery, *, text: bool) -> list[SortBy]:
    """The full order both adapters apply: ``sort_by``, or by default relevance (text queries)
    then the default sorting field descending; then the stable tie-breaker. At most three keys,
    Typesense's limit."""
    if query.sort_by:
        keys = list(query.sort_by)
    else:
        keys = [SortBy(TEXT_MATCH, descending=True)]
        if schema.default_sorting_field:
            keys.append(SortBy(schema.default_sorting_field, descending=True))
    if not text:
        keys = [key for key in keys if key.field != TEXT_MATCH]
    return [*keys, SortBy(ORDER_FIELD)]


# ------------------------------------------------------------------------------------------
# Streams of documents


async def batches(documents: Iterable[Document] | AsyncIterable[Document], size: int) -> AsyncIterator[list[Document]]:
    """Yield ``documents`` in lists of at most ``size``, never holding more than one list."""
    batch: list[Document] = []
    if isinstance(documents, AsyncIterable):
        async for document in documents:
            batch.append(document)
            if len(batch) >= size:
                yield batch
                batch = []
    else:
        for document in documents:
            batch.append(document)
            if len(batch) >= size:
                yield batch
                batch = []
    if batch:
        yield batch


@dataclasses.dataclass(frozen=True)
class AliasTarget:
    alias: str
    physical: str
