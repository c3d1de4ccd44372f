"""What the catalog puts in the search index: two collections and their documents.

* ``courses`` — one document per published course (its catalog entry). ``category_ids`` holds
  the course's category and all its ancestors, so a filter on a parent category matches the
  courses of every descendant, and the category facet counts a course under each ancestor.
  ``price_band`` buckets the base price in major units of its currency (see ``price_band``).
* ``course_content`` — the searchable content of published revisions, split by audience:

  - one ``public`` document per lesson (id = the lesson id): the lesson title, plus the plain
    text of the article for article lessons. Everyone may see these.
  - one ``instructors`` document per quiz lesson (id = ``<lesson id>.quiz``): the lesson title
    and the quiz's title, instructions, question prompts and options (never correct answers,
    explanations or rubrics). Only instructors of that course and admins may see these.

  ``visible_to`` is the access list a search filters on with ``AnyOf``: ``["public"]`` or
  ``[instructor_key(course_id)]``. Every search names the keys its caller holds, so access is
  one ANDed filter (the port has no OR).

Everything here is pure: builders take the catalog entry, the category chain and the
revision snapshot (``Course.snapshot()``) and return JSON-like dicts. Text is kept as written
(any script); the index does its own normalisation. ``highlight`` marks query words in a text
for result snippets, following the port's word and typo rules closely enough for display.
"""

from __future__ import annotations

import dataclasses
import html.parser
import unicodedata
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Final

from core.shared.money import MINOR_UNITS
from ports.catalog.courses import CatalogEntry
from ports.shared.search import MIN_LEN_1TYPO, MIN_LEN_2TYPO, CollectionSchema, QueryField, SearchField

COURSES: Final = "courses"
CONTENT: Final = "course_content"

PUBLIC: Final = "public"
INSTRUCTORS: Final = "instructors"
AUDIENCES: Final = (PUBLIC, INSTRUCTORS)

PRICE_BANDS: Final = ("free", "under_20", "20_50", "50_100", "over_100")

# The plain text of one content document is cut here: articles longer than this are rare, and
# the embedded index re-reads stored text to rank the top hits.
MAX_CONTENT_TEXT: Final = 20_000
MAX_DESCRIPTION_TEXT: Final = 10_000

COURSE_SCHEMA: Final = CollectionSchema(
    name=COURSES,
    fields=(
        SearchField("title", "string", search=True),
        SearchField("subtitle", "string", search=True),
        SearchField("description", "string", search=True),
        SearchField("tags", "string[]", search=True, facet=True),
        SearchField("language", "string", facet=True),
        SearchField("difficulty", "string", facet=True),
        SearchField("category_ids", "string[]", facet=True),
        SearchField("price_band", "string", facet=True),
        SearchField("price_amount", "int", filter=True, sort=True),
        SearchField("currency", "string", facet=True),
        SearchField("duration_minutes", "int", filter=True, sort=True),
        SearchField("instructor_ids", "string[]", filter=True),
        SearchField("published_at", "int", filter=True, sort=True),
        SearchField("views", "int", sort=True),
    ),
    default_sorting_field="views",
)
COURSE_QUERY_BY: Final = (
    QueryField("title", 4),
    QueryField("tags", 3),
    QueryField("subtitle", 2),
    QueryField("description", 1),
)

CONTENT_SCHEMA: Final = CollectionSchema(
    name=CONTENT,
    fields=(
        SearchField("course_id", "string", filter=True),
        SearchField("lesson_id", "string", filter=True),
        SearchField("lesson_title", "string", search=True),
        SearchField("text", "string", search=True),
        SearchField("kind", "string", facet=True),
        SearchField("audience", "string", facet=True),
        SearchField("visible_to", "string[]", filter=True),
        SearchField("position", "int", sort=True),
    ),
)
CONTENT_QUERY_BY: Final = (QueryField("lesson_title", 2), QueryField("text", 1))


def price_band(amount_minor: int, currency: str) -> str:
    """The band of a price in major units of its own currency: ``free`` (0), ``under_20``
    (below 20), ``20_50`` (20 to below 50), ``50_100`` (50 to below 100), ``over_100``
    (100 and more). Bands do not convert currencies: 20 RUB and 20 USD share a band."""
    if amount_minor <= 0:
        return "free"
    scale = 10 ** MINOR_UNITS.get(currency, 2)
    if amount_minor < 20 * scale:
        return "under_20"
    if amount_minor < 50 * scale:
        return "20_50"
    if amount_minor < 100 * scale:
        return "50_100"
    return "over_100"


def instructor_key(course_id: uuid.UUID) -> str:
    """The ``visible_to`` key of a course's instructor-only content (letters and digits only:
    the index compares filter values without punctuation)."""
    return f"instructors{course_id.hex}"


def content_ids_for_lesson(lesson_id: uuid.UUID) -> tuple[str, str]:
    """(public document id, instructors document id) of a lesson."""
    return str(lesson_id), f"{lesson_id}.quiz"


# -- builders --------------------------------------------------------------------------------------


def course_document(entry: CatalogEntry, category_ancestors: Sequence[uuid.UUID]) -> dict[str, Any]:
    """The ``courses`` document of a catalog entry. ``category_ancestors`` is the chain from the
    course's category up to the root (``core.catalog.domain.category.ancestors``)."""
    categories = [*([entry.category_id] if entry.category_id else []), *category_ancestors]
    return {
        "id": str(entry.course_id),
        "title": entry.title,
        "subtitle": entry.subtitle,
        "description": html_to_text(entry.description_html)[:MAX_DESCRIPTION_TEXT],
        "tags": list(entry.tags),
        "language": entry.language,
        "difficulty": entry.difficulty,
        "category_ids": [str(c) for c in dict.fromkeys(categories)],
        "price_band": price_band(entry.price_amount, entry.price_currency),
        "price_amount": entry.price_amount,
        "currency": entry.price_currency,
        "duration_minutes": entry.duration_minutes,
        "instructor_ids": [str(i) for i in entry.instructor_ids],
        "published_at": int(entry.published_at.timestamp()),
        "views": entry.views,
        # stored, not indexed
        "slug": entry.slug,
    }


def content_documents(entry: CatalogEntry, snapshot: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ``course_content`` documents of a published revision (``Course.snapshot()``)."""
    documents: list[dict[str, Any]] = []
    position = 0
    for section in snapshot.get("sections") or ():
        for lesson in section.get("lessons") or ():
            lesson_id = uuid.UUID(str(lesson["id"]))
            public_id, quiz_id = content_ids_for_lesson(lesson_id)
            kind = str(lesson.get("kind", ""))
            base = {
                "course_id": str(entry.course_id),
                "lesson_id": str(lesson_id),
                "lesson_title": str(lesson.get("title", "")),
                "kind": kind,
                "position": position,
                "course_title": entry.title,
                "course_slug": entry.slug,
            }
            article = html_to_text(str(lesson.get("article_html") or "")) if kind == "article" else ""
            documents.append(
                {
                    **base,
                    "id": public_id,
                    "text": article[:MAX_CONTENT_TEXT],
                    "audience": PUBLIC,
                    "visible_to": [PUBLIC],
                }
            )
            quiz = lesson.get("quiz")
            if kind == "quiz" and isinstance(quiz, Mapping):
                documents.append(
                    {
                        **base,
                        "id": quiz_id,
                        "text": "\n".join(quiz_texts(quiz))[:MAX_CONTENT_TEXT],
                        "audience": INSTRUCTORS,
                        "visible_to": [instructor_key(entry.course_id)],
                    }
                )
            position += 1
    return documents


def quiz_texts(quiz: Mapping[str, Any]) -> list[str]:
    """Searchable text of a quiz dict (``quizzes.to_dict``): title, instructions, each
    question's prompt and options (pooled questions too). Answers, explanations and rubrics
    are left out."""
    texts = [str(quiz.get("title") or ""), str(quiz.get("instructions") or "")]
    for item in quiz.get("items") or ():
        if not isinstance(item, Mapping):
            continue
        questions: Iterable[Any] = (item,)
        if item.get("type") == "pool":
            texts.append(str(item.get("title") or ""))
            questions = item.get("questions") or ()
        for question in questions:
            if not isinstance(question, Mapping):
                continue
            texts.append(str(question.get("prompt") or ""))
            texts.extend(str(o.get("text") or "") for o in question.get("options") or () if isinstance(o, Mapping))
    return [text for text in texts if text.strip()]


# -- HTML to plain text ------------------------------------------------------------------------------

_BLOCK_TAGS: Final = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure",
        "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
        "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
_SKIPPED_TAGS: Final = frozenset({"script", "style", "template", "noscript", "iframe", "object", "svg", "math"})


class _TextExtractor(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self.skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self.skipping = max(self.skipping - 1, 0)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:  # line breaks in the source are only whitespace
            self.parts.append(data.replace("\r", " ").replace("\n", " "))


def html_to_text(markup: str) -> str:
    """Plain text of (already sanitised) rich text: tags dropped, entities decoded, block
    boundaries as newlines, other whitespace runs as one space, empty lines dropped."""
    if "<" not in markup and "&" not in markup:
        raw = markup
    else:
        parser = _TextExtractor()
        parser.feed(markup)
        parser.close()
        raw = "".join(parser.parts)
    lines = (" ".join(line.split()) for line in raw.splitlines())
    return "\n".join(line for line in lines if line)


# -- highlights --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Highlight:
    """Where the words of a query appear in one field: ``snippet`` is plain text (the whole
    value, or a window of it with ``…`` at cut ends) and ``marks`` are ``(start, end)``
    character offsets of matched words in ``snippet``. Entry points render the marks."""

    field: str
    snippet: str
    marks: tuple[tuple[int, int], ...]


_ELLIPSIS: Final = "…"


def highlight(field: str, text: str, query_words: Sequence[str], *, window: int | None = None) -> Highlight | None:
    """Mark the words of ``text`` that match one of ``query_words`` (``query_terms(q)``) exactly
    or within the port's typo budget; ``None`` when nothing matches. With ``window``, the snippet
    is at most about that many characters around the first match."""
    if not query_words or not text:
        return None
    marks = [(a, b) for a, b in _word_spans(text) if any(_matches(q, _fold(text[a:b])) for q in query_words)]
    if not marks:
        return None
    if window is None or len(text) <= window:
        return Highlight(field, text, tuple(marks))
    start = max(marks[0][0] - window // 4, 0)
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    end = min(start + window, len(text))
    while end < len(text) and not text[end].isspace():
        end += 1
    prefix = _ELLIPSIS if start > 0 else ""
    suffix = _ELLIPSIS if end < len(text) else ""
    shift = len(prefix) - start
    kept = tuple((a + shift, b + shift) for a, b in marks if a >= start and b <= end)
    return Highlight(field, f"{prefix}{text[start:end]}{suffix}", kept)


def query_terms(q: str) -> list[str]:
    """The words of a query, folded the way ``highlight`` compares them."""
    if q.strip() == "*":
        return []
    return [_fold(q[a:b]) for a, b in _word_spans(q)]


def _word_spans(text: str) -> Iterator[tuple[int, int]]:
    """Runs of letters and digits (any script) with their combining marks (Hebrew points,
    accents): the words of the port, located in the original text."""
    start = -1
    for i, char in enumerate(text):
        if char.isalnum() or (start >= 0 and unicodedata.combining(char)):
            if start < 0:
                start = i
        elif start >= 0:
            yield start, i
            start = -1
    if start >= 0:
        yield start, len(text)


def _fold(word: str) -> str:
    """Case-folded, compatibility-normalised, without Latin accents, Hebrew points or the ``ё``
    diaeresis (``й`` keeps its breve: it is a letter of its own)."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", word).casefold())
    out: list[str] = []
    for char in decomposed:
        if unicodedata.combining(char) and not (char == "\u0306" and out and out[-1] == "\u0438"):
            continue
        out.append(char)
    return unicodedata.normalize("NFC", "".join(out))


def _budget(word: str) -> int:
    size = len(word.encode())
    return 2 if size >= MIN_LEN_2TYPO else 1 if size >= MIN_LEN_1TYPO else 0


def _matches(query_word: str, word: str) -> bool:
    if query_word == word:
        return True
    budget = _budget(query_word)
    return budget > 0 and _byte_distance(query_word.encode(), word.encode(), budget) <= budget


def _byte_distance(x: bytes, y: bytes, limit: int) -> int:
    """Optimal-string-alignment distance of two byte strings, ``limit + 1`` once exceeded."""
    if abs(len(x) - len(y)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(y) + 1))
    for i in range(1, len(x) + 1):
        current = [i] + [0] * len(y)
        for j in range(1, len(y) + 1):
            cost = 0 if x[i - 1] == y[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and x[i - 1] == y[j - 2] and x[i - 2] == y[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return min(previous[len(y)], limit + 1)
