"""A deterministic fixture corpus: courses in English, Russian and Hebrew.

14 subjects x 3 levels x 3 languages = 126 courses. Every attribute is derived from the
position of the course (and a seeded ``random.Random``), so the corpus, and every answer
computed from it, is the same on every run and machine.

``reference_search`` answers a query by brute force from the port's written rules (the
words of ``adapters.search.words``, edit distance in UTF-8 bytes): the contract suite holds
both adapters to it, not only to each other.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from adapters.search import typo_budget, words
from ports.shared.search import CollectionSchema, SearchField

COLLECTION = "courses"

SCHEMA = CollectionSchema(
    name=COLLECTION,
    fields=(
        SearchField("title", "string", search=True),
        SearchField("description", "string", search=True),
        SearchField("tags", "string[]", search=True, facet=True),
        SearchField("category", "string", facet=True),
        SearchField("difficulty", "string", facet=True),
        SearchField("language", "string", facet=True),
        SearchField("price_band", "string", facet=True),
        SearchField("price_cents", "int", filter=True, sort=True),
        SearchField("rating", "float", filter=True, sort=True),
        SearchField("enrollments", "int", sort=True),
        SearchField("is_free", "bool", facet=True, sort=True),
        SearchField("instructor", "string", filter=True, optional=True),
    ),
    default_sorting_field="enrollments",
)

LEVELS = ("beginner", "intermediate", "advanced")
LANGUAGES = ("en", "ru", "he")

# key, category, then per language: subject as it appears in a title, a description phrase, tags
SUBJECTS: tuple[tuple[str, str, dict[str, tuple[str, str, tuple[str, ...]]]], ...] = (
    (
        "python",
        "programming",
        {
            "en": ("Python", "write Python programs, functions and tests", ("python", "programming")),
            "ru": ("Программирование на Python", "пишем программы на Python, функции и тесты", ("python",)),
            "he": ("פייתון", "כתיבת תוכניות בפייתון, פונקציות ובדיקות", ("פייתון", "תכנות")),
        },
    ),
    (
        "javascript",
        "programming",
        {
            "en": ("JavaScript", "build interactive web pages with JavaScript", ("javascript", "web")),
            "ru": ("JavaScript для веба", "интерактивные страницы на JavaScript", ("javascript", "веб")),
            "he": ("ג'אווהסקריפט", "בניית דפי אינטרנט אינטראקטיביים", ("javascript", "אינטרנט")),
        },
    ),
    (
        "rust",
        "programming",
        {
            "en": ("Rust Programming", "systems programming with ownership and borrowing", ("rust", "systems")),
            "ru": ("Программирование на Rust", "системное программирование и владение памятью", ("rust",)),
            "he": ("תכנות ב-Rust", "תכנות מערכות וניהול זיכרון", ("rust", "תכנות")),
        },
    ),
    (
        "sql",
        "data",
        {
            "en": ("SQL and Databases", "query relational databases with SQL joins", ("sql", "databases")),
            "ru": ("SQL и базы данных", "запросы к реляционным базам данных", ("sql", "базы")),
            "he": ("SQL ומסדי נתונים", "שאילתות במסדי נתונים רלציוניים", ("sql", "נתונים")),
        },
    ),
    (
        "data_analysis",
        "data",
        {
            "en": ("Data Analysis", "clean, explore and visualise data with pandas", ("data", "pandas")),
            "ru": ("Анализ данных", "очистка и визуализация данных в pandas", ("данные", "pandas")),
            "he": ("ניתוח נתונים", "ניקוי והצגה של נתונים עם pandas", ("נתונים", "pandas")),
        },
    ),
    (
        "machine_learning",
        "data",
        {
            "en": ("Machine Learning", "train and evaluate predictive models", ("ml", "models")),
            "ru": ("Машинное обучение", "обучение и оценка предсказательных моделей", ("ml", "модели")),
            "he": ("למידת מכונה", "אימון והערכה של מודלים חזויים", ("ml", "מודלים")),
        },
    ),
    (
        "statistics",
        "mathematics",
        {
            "en": ("Statistics", "probability, distributions and hypothesis testing", ("statistics", "probability")),
            "ru": ("Статистика", "вероятность, распределения и проверка гипотез", ("статистика",)),
            "he": ("סטטיסטיקה", "הסתברות, התפלגויות ובדיקת השערות", ("סטטיסטיקה",)),
        },
    ),
    (
        "calculus",
        "mathematics",
        {
            "en": ("Calculus", "limits, derivatives and integrals", ("calculus", "math")),
            "ru": ("Математический анализ", "пределы, производные и интегралы", ("математика",)),
            "he": ("חשבון אינפיניטסימלי", "גבולות, נגזרות ואינטגרלים", ("מתמטיקה",)),
        },
    ),
    (
        "algebra",
        "mathematics",
        {
            "en": ("Linear Algebra", "vectors, matrices and linear maps", ("algebra", "math")),
            "ru": ("Линейная алгебра", "векторы, матрицы и линейные отображения", ("алгебра", "математика")),
            "he": ("אלגברה לינארית", "וקטורים, מטריצות והעתקות לינאריות", ("אלגברה", "מתמטיקה")),
        },
    ),
    (
        "english",
        "languages",
        {
            "en": ("Business English", "emails, meetings and presentations in English", ("english",)),
            "ru": ("Английский язык", "грамматика и разговорная практика", ("английский", "язык")),
            "he": ("אנגלית", "דקדוק ושיחה באנגלית", ("אנגלית", "שפה")),
        },
    ),
    (
        "hebrew",
        "languages",
        {
            "en": ("Modern Hebrew", "read and speak everyday Hebrew", ("hebrew",)),
            "ru": ("Иврит", "чтение и разговорный иврит", ("иврит", "язык")),
            "he": ("עברית", "קריאה וכתיבה בעברית", ("עברית", "שפה")),
        },
    ),
    (
        "design",
        "design",
        {
            "en": ("Graphic Design", "typography, colour and layout", ("design", "typography")),
            "ru": ("Графический дизайн", "типографика, цвет и композиция", ("дизайн",)),
            "he": ("עיצוב גרפי", "טיפוגרפיה, צבע ועימוד", ("עיצוב",)),
        },
    ),
    (
        "marketing",
        "business",
        {
            "en": ("Digital Marketing", "campaigns, analytics and growth", ("marketing",)),
            "ru": ("Цифровой маркетинг", "кампании, аналитика и рост", ("маркетинг",)),
            "he": ("שיווק דיגיטלי", "קמפיינים, אנליטיקה וצמיחה", ("שיווק",)),
        },
    ),
    (
        "accounting",
        "business",
        {
            "en": ("Accounting", "bookkeeping, balance sheets and reports", ("accounting", "finance")),
            "ru": ("Бухгалтерский учёт", "проводки, баланс и отчётность", ("бухгалтерия", "финансы")),
            "he": ("הנהלת חשבונות", "רישום, מאזן ודוחות", ("חשבונות", "כספים")),
        },
    ),
)

TITLE_TEMPLATES = {
    "en": ("{s} for Beginners", "Practical {s}", "Advanced {s}"),
    "ru": ("{s} для начинающих", "{s} на практике", "{s}: продвинутый курс"),
    "he": ("{s} למתחילים", "{s} בפועל", "{s} למתקדמים"),
}
DESCRIPTION_TEMPLATES = {
    "en": "In this course you {d}. Level: {level}.",
    "ru": "На этом курсе вы будете {d}. Уровень: {level}.",  # noqa: RUF001 - Russian text
    "he": "בקורס הזה: {d}. רמה: {level}.",
}
LEVEL_NAMES = {
    "en": ("beginner", "intermediate", "advanced"),
    "ru": ("начальный", "средний", "продвинутый"),
    "he": ("מתחילים", "בינוני", "מתקדמים"),
}
PRICES = (0, 990, 1490, 2990, 4990, 7990, 12990)
INSTRUCTORS = ("Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra")


def price_band(cents: int) -> str:
    if cents == 0:
        return "free"
    if cents < 2000:
        return "under_20"
    if cents <= 5000:
        return "20_to_50"
    return "over_50"


def _courses() -> list[dict[str, Any]]:
    rng = random.Random(20261125)
    count = len(SUBJECTS) * len(LEVELS) * len(LANGUAGES)
    enrollments = rng.sample(range(10, 50_000), count)  # unique: no ties on the default sort
    courses: list[dict[str, Any]] = []
    for s_index, (key, category, per_language) in enumerate(SUBJECTS):
        for l_index, level in enumerate(LEVELS):
            for lang in LANGUAGES:
                subject, phrase, tags = per_language[lang]
                n = len(courses)
                cents = PRICES[rng.randrange(len(PRICES))]
                course: dict[str, Any] = {
                    "id": f"c{n:03d}-{key}-{level[:3]}-{lang}",
                    "title": TITLE_TEMPLATES[lang][l_index].format(s=subject),
                    "description": DESCRIPTION_TEMPLATES[lang].format(d=phrase, level=LEVEL_NAMES[lang][l_index]),
                    "tags": [*tags, level],
                    "category": category,
                    "difficulty": level,
                    "language": lang,
                    "price_cents": cents,
                    "price_band": price_band(cents),
                    "rating": round(3.0 + rng.random() * 2.0, 1),
                    "enrollments": enrollments[n],
                    "is_free": cents == 0,
                    "subject": key,  # stored, not indexed
                }
                if (s_index + l_index) % 3 == 0:
                    course["instructor"] = INSTRUCTORS[(s_index * 3 + l_index) % len(INSTRUCTORS)]
                courses.append(course)
    return courses


COURSES: tuple[dict[str, Any], ...] = tuple(_courses())
BY_ID: dict[str, dict[str, Any]] = {c["id"]: c for c in COURSES}


def iter_courses() -> Iterator[dict[str, Any]]:
    for course in COURSES:
        yield dict(course)


# ------------------------------------------------------------------------------------------
# The written rules, by brute force


def byte_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance between the UTF-8 bytes of ``a`` and ``b``
    (insert, delete, substitute, swap neighbours); ``limit + 1`` once it is exceeded."""
    x, y = a.encode(), b.encode()
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


def _field_words(course: dict[str, Any], field: str) -> set[str]:
    value = course.get(field)
    if value is None:
        return set()
    texts = value if isinstance(value, list) else [value]
    return {w for text in texts for w in words(text)}


_INVERTED: dict[tuple[int, tuple[str, ...]], tuple[tuple[dict[str, Any], ...], dict[str, frozenset[str]]]] = {}


def _inverted(courses: tuple[dict[str, Any], ...], fields: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """word -> ids of the courses having it in one of ``fields`` (cached per corpus)."""
    cached = _INVERTED.get((id(courses), fields))
    if cached is not None and cached[0] is courses:
        return cached[1]
    postings: dict[str, set[str]] = {}
    for course in courses:
        for field in fields:
            for word in _field_words(course, field):
                postings.setdefault(word, set()).add(course["id"])
    inverted = {word: frozenset(ids) for word, ids in postings.items()}
    _INVERTED[(id(courses), fields)] = (courses, inverted)
    return inverted


def reference_ids(q: str, fields: tuple[str, ...], courses: tuple[dict[str, Any], ...] = COURSES) -> set[str]:
    """The ids a text query must find, by the port's rules: every query word within its
    byte-edit budget of a word of one of ``fields``."""
    postings = _inverted(courses, fields)
    found: set[str] | None = None
    for query_word in words(q):
        budget = typo_budget(query_word)
        ids: set[str] = set()
        for word, having in postings.items():
            if word == query_word or byte_distance(query_word, word, budget) <= budget:
                ids |= having
        found = ids if found is None else found & ids
    return found if found is not None else {c["id"] for c in courses}


# ------------------------------------------------------------------------------------------
# A bigger generated catalogue (1,000 courses by default) for parity under load of variety

_VOCABULARY = {
    "en": [
        "python",
        "programming",
        "data",
        "analysis",
        "machine",
        "learning",
        "statistics",
        "calculus",
        "algebra",
        "design",
        "marketing",
        "accounting",
        "finance",
        "project",
        "management",
        "leadership",
        "writing",
        "english",
        "spanish",
        "hebrew",
        "photography",
        "music",
        "guitar",
        "piano",
        "drawing",
        "painting",
        "cooking",
        "nutrition",
        "fitness",
        "yoga",
        "history",
        "philosophy",
        "psychology",
        "economics",
        "biology",
        "chemistry",
        "physics",
        "astronomy",
        "geography",
        "networks",
        "security",
        "cloud",
        "databases",
        "testing",
        "web",
        "mobile",
    ],
    "ru": [
        "программирование",
        "анализ",
        "данных",
        "машинное",
        "обучение",
        "статистика",
        "алгебра",
        "дизайн",
        "маркетинг",
        "бухгалтерия",
        "финансы",
        "управление",
        "проектами",
        "лидерство",
        "письмо",
        "английский",
        "испанский",
        "иврит",
        "фотография",
        "музыка",
        "гитара",
        "фортепиано",
        "рисование",
        "живопись",
        "кулинария",
        "питание",
        "фитнес",
        "йога",
        "история",
        "философия",
        "психология",
        "экономика",
        "биология",
        "химия",
        "физика",
        "астрономия",
        "география",
        "сети",
        "безопасность",
        "облака",
        "базы",
        "тестирование",
        "мобильные",
    ],
    "he": [
        "תכנות",
        "ניתוח",
        "נתונים",
        "למידת",
        "מכונה",
        "סטטיסטיקה",
        "אלגברה",
        "עיצוב",
        "שיווק",
        "חשבונאות",
        "כספים",
        "ניהול",
        "פרויקטים",
        "מנהיגות",
        "כתיבה",
        "אנגלית",
        "ספרדית",
        "עברית",
        "צילום",
        "מוזיקה",
        "גיטרה",
        "פסנתר",
        "ציור",
        "בישול",
        "תזונה",
        "כושר",
        "יוגה",
        "היסטוריה",
        "פילוסופיה",
        "פסיכולוגיה",
        "כלכלה",
        "ביולוגיה",
        "כימיה",
        "פיזיקה",
        "אסטרונומיה",
        "גאוגרפיה",
        "רשתות",
        "אבטחה",
        "ענן",
        "מסדי",
        "בדיקות",
        "אינטרנט",
    ],
}
_CATEGORIES = ("programming", "data", "mathematics", "languages", "design", "business", "arts", "science")


def generated_courses(count: int = 1_000, seed: int = 7) -> tuple[dict[str, Any], ...]:
    rng = random.Random(seed)
    enrollments = rng.sample(range(1, 10 * count + 1), count)
    courses = []
    for n in range(count):
        lang = LANGUAGES[n % 3]
        vocabulary = _VOCABULARY[lang]
        title = " ".join(rng.sample(vocabulary, rng.randint(2, 4))).capitalize()
        description = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(8, 20)))
        cents = PRICES[rng.randrange(len(PRICES))]
        courses.append(
            {
                "id": f"g{n:05d}",
                "title": title,
                "description": description,
                "tags": rng.sample(vocabulary, 2),
                "category": _CATEGORIES[rng.randrange(len(_CATEGORIES))],
                "difficulty": LEVELS[rng.randrange(3)],
                "language": lang,
                "price_cents": cents,
                "price_band": price_band(cents),
                "rating": round(1.0 + rng.random() * 4.0, 1),
                "enrollments": enrollments[n],
                "is_free": cents == 0,
            }
        )
    return tuple(courses)


def typo_queries(courses: tuple[dict[str, Any], ...], count: int, seed: int = 11) -> list[tuple[str, str]]:
    """(language, query) pairs: a word (or two) of a random course title with one edit.

    The edit is never in the first two letters: Typesense 0.24 misses an inserted, deleted or
    swapped letter there (docs/adr/0001-embedded-search.md), the embedded index does not."""
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    while len(out) < count:
        course = courses[rng.randrange(len(courses))]
        title_words = [w for w in words(course["title"]) if len(w) >= 5]
        if not title_words:
            continue
        word = rng.choice(title_words)
        i = rng.randrange(2, len(word) - 1)
        edit = rng.randrange(4)
        if edit == 0:
            typo = word[:i] + word[i + 1 :]
        elif edit == 1:
            typo = word[:i] + word[i] + word[i:]
        elif edit == 2:
            typo = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        else:
            typo = word[:i] + word[i - 1] + word[i + 1 :]
        if rng.random() < 0.3:
            others = [w for w in words(course["title"]) if w != word]
            if others:
                typo = f"{typo} {rng.choice(others)}"
        out.append((course["language"], typo))
    return out
