# ruff: noqa: RUF001 - Russian and Hebrew text
"""The catalog's search documents: schemas, builders, price bands, HTML to text, highlights."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from adapters.search import validate_document, validate_schema
from core.catalog.domain import quizzes
from core.catalog.domain.course import Course
from core.catalog.domain.search_documents import (
    CONTENT_SCHEMA,
    COURSE_SCHEMA,
    INSTRUCTORS,
    PUBLIC,
    content_documents,
    course_document,
    highlight,
    html_to_text,
    instructor_key,
    price_band,
    query_terms,
    quiz_texts,
)
from core.shared.money import Money
from ports.catalog.courses import CatalogEntry

NOW = dt.datetime(2026, 11, 25, 12, 30, tzinfo=dt.UTC)
OWNER, CO = uuid.uuid4(), uuid.uuid4()
ROOT, CHILD, LEAF = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

QUIZ = quizzes.to_dict(
    quizzes.Quiz(
        title="Проверь себя",
        instructions="Выберите один ответ",
        items=(
            quizzes.SingleChoiceQuestion.create(
                prompt="Что выведет print(len('שלום'))?", options=["4", "8"], correct=0, explanation="секрет"
            ),
            quizzes.QuestionPool(
                title="Циклы",
                draw_count=1,
                questions=(
                    quizzes.TrueFalseQuestion(prompt="Цикл for перебирает итератор", correct_answer=True),
                    quizzes.ShortAnswerQuestion(prompt="Ключевое слово цикла?", accepted_answers=("while",)),
                ),
            ),
        ),
    )
)


def published_course() -> tuple[Course, dict[str, object]]:
    course = Course.create(title="Python для начинающих", owner_id=OWNER, now=NOW, language="ru")
    intro = course.add_section("Введение", NOW)
    course.add_lesson(intro.id, "Добро пожаловать", "video", NOW, media_key="videos/a", free_preview=True)
    course.add_lesson(
        intro.id,
        "Переменные",
        "article",
        NOW,
        article_html="<h2>Переменные</h2><p>x&nbsp;=&nbsp;1 &amp; y</p><script>alert(1)</script><ul><li>один</li></ul>",
    )
    course.add_lesson(intro.id, "Проверь себя", "quiz", NOW, quiz=QUIZ)
    course.set_price(Money(4900, "USD"), None, NOW)
    course.update_details(NOW, description_html="<p>Учим <b>Python</b></p><p>с нуля</p>", tags=["python"])
    course.set_co_instructors([CO], NOW)
    return course, course.snapshot()


def entry_of(course: Course, *, category_id: uuid.UUID | None = LEAF, views: int = 7) -> CatalogEntry:
    return CatalogEntry(
        course_id=course.id,
        slug=course.slug,
        revision=1,
        title=course.title,
        subtitle="Курс для всех",
        description_html=course.description_html,
        language=course.language,
        difficulty=course.difficulty,
        duration_minutes=90,
        price_amount=course.price.amount_minor if course.price else 0,
        price_currency=course.price.currency if course.price else "USD",
        price_overrides={},
        category_id=category_id,
        tags=tuple(course.tags),
        cover_key=None,
        owner_id=OWNER,
        instructor_ids=(OWNER, CO),
        prerequisite_ids=(),
        objectives=(),
        capacity=None,
        syllabus=(),
        lesson_count=3,
        published_at=NOW,
        updated_at=NOW,
        views=views,
    )


def test_schemas_are_valid_for_the_index() -> None:
    validate_schema(COURSE_SCHEMA)
    validate_schema(CONTENT_SCHEMA)


@pytest.mark.parametrize(
    ("amount", "currency", "band"),
    [
        (0, "USD", "free"),
        (1, "USD", "under_20"),
        (1999, "USD", "under_20"),
        (2000, "USD", "20_50"),
        (4999, "EUR", "20_50"),
        (5000, "ILS", "50_100"),
        (9999, "RUB", "50_100"),
        (10000, "USD", "over_100"),
        (1_000_000, "RUB", "over_100"),
    ],
)
def test_price_bands_in_major_units(amount: int, currency: str, band: str) -> None:
    assert price_band(amount, currency) == band


def test_course_document() -> None:
    course, _ = published_course()
    doc = course_document(entry_of(course), [LEAF, CHILD, ROOT])
    validate_document(COURSE_SCHEMA, doc)
    assert doc["id"] == str(course.id)
    assert doc["description"] == "Учим Python\nс нуля"
    assert doc["category_ids"] == [str(LEAF), str(CHILD), str(ROOT)]
    assert (doc["price_band"], doc["price_amount"], doc["currency"]) == ("20_50", 4900, "USD")
    assert doc["instructor_ids"] == [str(OWNER), str(CO)]
    assert doc["published_at"] == int(NOW.timestamp())
    assert (doc["views"], doc["language"], doc["slug"]) == (7, "ru", course.slug)


def test_course_without_category_or_with_an_empty_chain() -> None:
    course, _ = published_course()
    assert course_document(entry_of(course, category_id=None), [])["category_ids"] == []
    assert course_document(entry_of(course), [])["category_ids"] == [str(LEAF)]


def test_content_documents_split_public_and_instructor_text() -> None:
    course, snapshot = published_course()
    docs = content_documents(entry_of(course), snapshot)
    for doc in docs:
        validate_document(CONTENT_SCHEMA, doc)
    video, article, quiz_public, quiz_private = docs
    lessons = course.lessons()
    assert [d["id"] for d in docs] == [
        str(lessons[0].id),
        str(lessons[1].id),
        str(lessons[2].id),
        f"{lessons[2].id}.quiz",
    ]
    assert [d["position"] for d in docs] == [0, 1, 2, 2]
    assert video["text"] == "" and video["audience"] == PUBLIC and video["visible_to"] == [PUBLIC]
    assert article["text"] == "Переменные\nx = 1 & y\nодин"  # no script text
    assert quiz_public["text"] == "" and quiz_public["lesson_title"] == "Проверь себя"
    assert quiz_private["audience"] == INSTRUCTORS
    assert quiz_private["visible_to"] == [instructor_key(course.id)]
    text = quiz_private["text"]
    for expected in ("Проверь себя", "Выберите один ответ", "print(len('שלום'))", "Циклы", "перебирает", "8"):
        assert expected in text
    assert "секрет" not in text and "while" not in text  # no explanations or accepted answers
    assert all(d["course_title"] == course.title and d["course_id"] == str(course.id) for d in docs)


def test_quiz_texts_tolerate_odd_shapes() -> None:
    assert quiz_texts({"title": "T", "items": [None, {"type": "pool"}, {"prompt": "P", "options": [{}]}]}) == [
        "T",
        "P",
    ]


def test_instructor_key_is_alphanumeric() -> None:
    key = instructor_key(uuid.UUID(int=5))
    assert key.isalnum() and key.isascii()


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("plain text", "plain text"),
        ("<p>a</p><p>b<br>c</p>", "a\nb\nc"),
        ("<p>  many   spaces\n here </p>", "many spaces here"),
        ("<style>p{}</style><p>שָׁלוֹם &lt;עולם&gt;</p>", "שָׁלוֹם <עולם>"),
        ("<table><tr><td>1</td><td>2</td></tr></table>", "1\n2"),
        ("", ""),
    ],
)
def test_html_to_text(markup: str, text: str) -> None:
    assert html_to_text(markup) == text


def test_highlight_marks_exact_and_typo_matches_in_any_script() -> None:
    mark = highlight("title", "Программирование на Python", query_terms("програмирование pyhton"))
    assert mark is not None
    assert [mark.snippet[a:b] for a, b in mark.marks] == ["Программирование", "Python"]
    hebrew = highlight("title", "תִּכְנוּת בפייתון", query_terms("תכנות"))
    assert hebrew is not None and [hebrew.snippet[a:b] for a, b in hebrew.marks] == ["תִּכְנוּת"]
    assert highlight("title", "Учёт", query_terms("учет")) is not None
    assert query_terms("Мой Учёт café") == ["мой", "учет", "cafe"]  # й is a letter of its own
    assert highlight("title", "Python", query_terms("java")) is None
    assert highlight("title", "Python", query_terms("*")) is None


def test_highlight_window_cuts_long_text_around_the_first_match() -> None:
    text = " ".join(["filler"] * 100) + " target " + " ".join(["tail"] * 100)
    mark = highlight("text", text, query_terms("target"), window=60)
    assert mark is not None
    assert mark.snippet.startswith("…") and mark.snippet.endswith("…") and len(mark.snippet) < 80
    assert [mark.snippet[a:b] for a, b in mark.marks] == ["target"]
