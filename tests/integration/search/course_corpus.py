# ruff: noqa: RUF001 - Cyrillic and Hebrew test data is the point
"""A deterministic catalogue for course search tests: 1,000 published courses in English,
Russian and Hebrew, a three-level category tree, prices in four currencies, lessons with
articles and quizzes; plus in-memory stand-ins for the catalog ports the use cases read
(``CorpusCatalog`` for ``CatalogReader``, ``CorpusUnitOfWork`` for the revision snapshots and
the category tree).

Everything derives from a seeded ``random.Random`` and the course's position: ids, words,
prices, view counts (all distinct, so relevance ties fall back to views, never to chance) and
publication times are the same on every run and machine.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import uuid
from types import TracebackType
from typing import Any, Self

from adapters.search import typo_budget
from core.catalog.domain import quizzes
from core.catalog.domain.category import Category
from core.catalog.domain.course import Difficulty
from core.shared.events import DomainEvent
from ports.catalog.courses import CatalogEntry, CourseRevision
from tests.integration.search.corpus import byte_distance

LANGUAGES = ("en", "ru", "he")
DIFFICULTIES = tuple(d.value for d in Difficulty)
PRICES = {  # minor units; 0 is free (currency "USD")
    "USD": (0, 0, 999, 1999, 2000, 4999, 5000, 9900, 14900),
    "EUR": (0, 1500, 3900, 7900, 12000),
    "ILS": (0, 4900, 9900, 19900),
    "RUB": (0, 1500, 4900, 99000),
}
EPOCH = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

VOCABULARY: dict[str, tuple[str, ...]] = {
    "en": (
        "python", "programming", "machine", "learning", "statistics", "calculus", "algebra", "design",
        "marketing", "accounting", "finance", "project", "management", "leadership", "writing", "photography",
        "music", "guitar", "piano", "drawing", "painting", "cooking", "nutrition", "fitness", "history",
        "philosophy", "psychology", "economics", "biology", "chemistry", "physics", "astronomy", "geography",
        "networks", "security", "databases", "testing", "mobile", "practical", "complete", "modern", "essential",
    ),
    "ru": (
        "программирование", "анализ", "данных", "машинное", "обучение", "статистика", "алгебра", "дизайн",
        "маркетинг", "бухгалтерия", "финансы", "управление", "проектами", "лидерство", "фотография", "музыка",
        "гитара", "фортепиано", "рисование", "живопись", "кулинария", "питание", "фитнес", "история",
        "философия", "психология", "экономика", "биология", "химия", "физика", "астрономия", "география",
        "сети", "безопасность", "тестирование", "практический", "полный", "современный", "основы", "учёт",
    ),
    "he": (
        "תכנות", "ניתוח", "נתונים", "למידת", "מכונה", "סטטיסטיקה", "אלגברה", "עיצוב", "שיווק", "חשבונאות",
        "כספים", "ניהול", "פרויקטים", "מנהיגות", "כתיבה", "צילום", "מוזיקה", "גיטרה", "פסנתר", "ציור",
        "בישול", "תזונה", "כושר", "היסטוריה", "פילוסופיה", "פסיכולוגיה", "כלכלה", "ביולוגיה", "כימיה",
        "פיזיקה", "אסטרונומיה", "גאוגרפיה", "רשתות", "אבטחה", "בדיקות", "מעשי", "מלא", "מודרני", "יסודות",
    ),
}  # fmt: skip
FILLER = {
    "en": ("in", "this", "course", "you", "will", "learn", "and", "with", "for", "the"),
    "ru": ("в", "этом", "курсе", "вы", "изучите", "и", "с", "для", "на"),
    "he": ("ב", "הזה", "קורס", "תלמדו", "ו", "עם", "של", "על"),
}
QUIZ_WORDS = {
    "en": ("quizword", "examination", "checkpoint"),
    "ru": ("контрольная", "экзаменационный", "проверочная"),
    "he": ("מבחנון", "בחינה", "בוחן"),
}


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


@dataclasses.dataclass(frozen=True)
class Corpus:
    entries: tuple[CatalogEntry, ...]
    revisions: dict[uuid.UUID, CourseRevision]
    categories: tuple[Category, ...]
    instructors: tuple[uuid.UUID, ...]

    @property
    def parents(self) -> dict[uuid.UUID, uuid.UUID | None]:
        return {c.id: c.parent_id for c in self.categories}

    def by_id(self, course_id: uuid.UUID) -> CatalogEntry:
        return next(e for e in self.entries if e.course_id == course_id)


def _categories(rng: random.Random) -> tuple[Category, ...]:
    """6 roots, 2 children each, one grandchild under every first child: 24 categories."""
    out: list[Category] = []

    def add(name: str, parent: uuid.UUID | None, position: int) -> uuid.UUID:
        category = Category(
            id=_uuid(rng),
            name=name,
            slug=name.lower().replace(" ", "-"),
            parent_id=parent,
            position=position,
            created_at=EPOCH,
            updated_at=EPOCH,
        )
        out.append(category)
        return category.id

    for r in range(6):
        root = add(f"Root {r}", None, r)
        for c in range(2):
            child = add(f"Child {r}.{c}", root, c)
            if c == 0:
                add(f"Leaf {r}.{c}.0", child, 0)
    return tuple(out)


def _title(rng: random.Random, lang: str) -> str:
    words = rng.sample(VOCABULARY[lang], rng.randint(2, 4))
    return " ".join(words).capitalize()


def _prose(rng: random.Random, lang: str, count: int) -> str:
    pool = VOCABULARY[lang] + FILLER[lang]
    return " ".join(rng.choice(pool) for _ in range(count))


def _quiz(rng: random.Random, lang: str, title: str) -> dict[str, Any]:
    word = rng.choice(QUIZ_WORDS[lang])
    options = [{"id": str(_uuid(rng)), "text": rng.choice(VOCABULARY[lang])} for _ in range(3)]
    quiz = {
        "schema_version": quizzes.SCHEMA_VERSION,
        "id": str(_uuid(rng)),
        "title": title,
        "instructions": "",
        "items": [
            {
                "type": "single_choice",
                "id": str(_uuid(rng)),
                "prompt": f"{word} {_prose(rng, lang, 5)}?",
                "points": 1,
                "explanation": "",
                "options": options,
                "correct_option_ids": [options[0]["id"]],
                "keep_option_order": False,
            }
        ],
    }
    return quiz


def _snapshot(rng: random.Random, lang: str, title: str) -> dict[str, Any]:
    sections = []
    for s in range(rng.randint(1, 2)):
        lessons = []
        for _ in range(rng.randint(1, 3)):
            kind = rng.choice(("video", "article", "article", "quiz"))
            lesson_title = _title(rng, lang)
            lessons.append(
                {
                    "id": str(_uuid(rng)),
                    "title": lesson_title,
                    "kind": kind,
                    "free_preview": False,
                    "drip_days": None,
                    "media_key": "videos/x" if kind == "video" else None,
                    "article_html": f"<h2>{lesson_title}</h2><p>{_prose(rng, lang, 30)}</p>"
                    if kind == "article"
                    else "",
                    "quiz": _quiz(rng, lang, lesson_title) if kind == "quiz" else None,
                    "assignment": None,
                }
            )
        sections.append({"id": str(_uuid(rng)), "title": f"{title} {s}", "lessons": lessons})
    return {"title": title, "sections": sections}


def build_corpus(count: int = 1_000, seed: int = 20261201) -> Corpus:
    rng = random.Random(seed)
    categories = _categories(rng)
    instructors = tuple(_uuid(rng) for _ in range(12))
    views = rng.sample(range(1, 100 * count), count)
    entries: list[CatalogEntry] = []
    revisions: dict[uuid.UUID, CourseRevision] = {}
    for n in range(count):
        lang = LANGUAGES[n % 3]
        course_id = _uuid(rng)
        title = _title(rng, lang)
        currency = rng.choice(tuple(PRICES))
        amount = rng.choice(PRICES[currency])
        currency = currency if amount else "USD"
        snapshot = _snapshot(rng, lang, title)
        lessons = sum(len(s["lessons"]) for s in snapshot["sections"])
        owner = instructors[rng.randrange(len(instructors))]
        co = (instructors[rng.randrange(len(instructors))],) if rng.random() < 0.3 else ()
        entries.append(
            CatalogEntry(
                course_id=course_id,
                slug=f"course-{n:04d}",
                revision=1,
                title=title,
                subtitle=_prose(rng, lang, 4),
                description_html=f"<p>{_prose(rng, lang, rng.randint(10, 25))}</p>",
                language=lang,
                difficulty=rng.choice(DIFFICULTIES),
                duration_minutes=rng.randrange(30, 1200, 15),
                price_amount=amount,
                price_currency=currency,
                price_overrides={},
                category_id=rng.choice(categories).id if rng.random() < 0.95 else None,
                tags=tuple(rng.sample(VOCABULARY[lang], 2)),
                cover_key=None,
                owner_id=owner,
                instructor_ids=tuple(dict.fromkeys((owner, *co))),
                prerequisite_ids=(),
                objectives=(),
                capacity=None,
                syllabus=(),
                lesson_count=lessons,
                published_at=EPOCH + dt.timedelta(hours=n, minutes=rng.randrange(60)),
                updated_at=EPOCH + dt.timedelta(hours=n),
                views=views[n],
            )
        )
        revisions[course_id] = CourseRevision(course_id, 1, snapshot, owner, EPOCH)
    entries.sort(key=lambda e: e.course_id)
    return Corpus(tuple(entries), revisions, categories, instructors)


# -- typo queries --------------------------------------------------------------------------------


def typo(word: str, rng: random.Random) -> str:
    """One edit (delete, double, swap with the next letter, substitute with the previous letter)
    never among the first two letters: Typesense 0.24 misses edits there
    (docs/adr/0001-embedded-search.md)."""
    i = rng.randrange(2, len(word) - 1)
    edit = rng.randrange(4)
    if edit == 0:
        return word[:i] + word[i + 1 :]
    if edit == 1:
        return word[:i] + word[i] + word[i:]
    if edit == 2 and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + word[i - 1] + word[i + 1 :]


def within_budget(typo_word: str, word: str) -> bool:
    """The port's rule (``corpus.byte_distance``): a swap of two Cyrillic or Hebrew letters,
    or two edits in a short word, is more than a query word of that length forgives."""
    budget = typo_budget(typo_word)
    return byte_distance(typo_word, word, budget) <= budget


def typo_queries(corpus: Corpus, per_language: int, seed: int = 5) -> list[tuple[str, str, uuid.UUID]]:
    """(language, query, the course the query was made from): one title word with one edit,
    a second edit on words of 8+ letters in a third of them, a second title word in a third.
    Only typos within the port's byte budget are kept (the rest find nothing, by the rule)."""
    rng = random.Random(seed)
    out: list[tuple[str, str, uuid.UUID]] = []
    for lang in LANGUAGES:
        courses = [e for e in corpus.entries if e.language == lang]
        made = 0
        while made < per_language:
            entry = courses[rng.randrange(len(courses))]
            title_words = [w.lower() for w in entry.title.split() if len(w) >= 5]
            if not title_words:
                continue
            word = rng.choice(title_words)
            query = typo(word, rng)
            if len(word) >= 8 and rng.random() < 0.33:
                query = typo(query, rng)
            if query == word or not within_budget(query, word):
                continue
            if rng.random() < 0.33:
                others = [w.lower() for w in entry.title.split() if w.lower() != word]
                if others:
                    query = f"{query} {rng.choice(others)}"
            out.append((lang, query, entry.course_id))
            made += 1
    return out


# -- the catalog ports, in memory -----------------------------------------------------------------


class CorpusCatalog:
    """``CatalogReader`` over a corpus (the reads search indexing needs)."""

    def __init__(self, corpus: Corpus) -> None:
        self.entries_by_id = {e.course_id: e for e in corpus.entries}

    async def get_entry(self, course_id: uuid.UUID) -> CatalogEntry | None:
        return self.entries_by_id.get(course_id)

    async def entries(self, *, after: uuid.UUID | None, limit: int) -> list[CatalogEntry]:
        ordered = sorted(self.entries_by_id.values(), key=lambda e: e.course_id)
        return [e for e in ordered if after is None or e.course_id > after][:limit]

    async def count(self) -> int:
        return len(self.entries_by_id)

    async def list_courses(self, query: Any) -> Any:
        raise NotImplementedError

    async def get_entry_by_slug(self, slug: str) -> CatalogEntry | None:
        raise NotImplementedError


class _Courses:
    def __init__(self, revisions: dict[uuid.UUID, CourseRevision]) -> None:
        self.revisions = revisions

    async def get_revision(self, course_id: uuid.UUID, number: int) -> CourseRevision | None:
        revision = self.revisions.get(course_id)
        return revision if revision is not None and revision.number == number else None


class _Categories:
    def __init__(self, categories: list[Category]) -> None:
        self.rows = categories

    async def list_all(self) -> list[Category]:
        return list(self.rows)


class CorpusUnitOfWork:
    """The read-only slice of ``CatalogUnitOfWork`` the search use cases use; call it to get a
    unit of work (it is its own factory). ``opened`` counts units of work."""

    def __init__(self, corpus: Corpus) -> None:
        self.courses = _Courses(dict(corpus.revisions))
        self.categories = _Categories(list(corpus.categories))
        self.opened = 0

    def __call__(self) -> CorpusUnitOfWork:
        return self

    async def __aenter__(self) -> Self:
        self.opened += 1
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def publish(self, event: DomainEvent) -> None:
        raise NotImplementedError

    async def commit(self) -> None:
        raise AssertionError("search indexing never commits")

    async def rollback(self) -> None:
        return None
