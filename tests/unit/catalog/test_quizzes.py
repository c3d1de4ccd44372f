# Cyrillic and Hebrew test strings are intentional (RUF001 would flag look-alike letters).
# ruff: noqa: RUF001
from __future__ import annotations

import dataclasses
import json
import random
import unicodedata
import uuid
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.catalog.domain.quizzes import (
    MAX_OPTIONS,
    MAX_QUESTIONS,
    MAX_TIME_LIMIT_SECONDS,
    SCHEMA_VERSION,
    ChoiceQuestion,
    EssayQuestion,
    GradeResult,
    MultipleChoiceQuestion,
    Option,
    Question,
    QuestionPool,
    Quiz,
    QuizDraft,
    QuizSettings,
    ReviewPolicy,
    ScoringPolicy,
    ShortAnswerQuestion,
    SingleChoiceQuestion,
    TrueFalseQuestion,
    WhitespaceRule,
    answer_to_json,
    count_words,
    draw,
    from_dict,
    grade,
    max_points,
    parse_answer,
    question_from_dict,
    question_to_dict,
    to_dict,
)
from core.shared.errors import InvalidInput, NotFound

# -- builders ---------------------------------------------------------------------------------------


def single(points: int = 1, **kw: Any) -> SingleChoiceQuestion:
    return SingleChoiceQuestion.create(
        prompt=kw.pop("prompt", "What does len('abc') return?"),
        options=kw.pop("options", ["2", "3", "'abc'", "an error"]),
        correct=kw.pop("correct", 1),
        points=points,
        **kw,
    )


def multi(points: int = 1, **kw: Any) -> MultipleChoiceQuestion:
    return MultipleChoiceQuestion.create(
        prompt=kw.pop("prompt", "Which of these are mutable?"),
        options=kw.pop("options", ["list", "tuple", "dict", "str"]),
        correct=kw.pop("correct", [0, 2]),
        points=points,
        **kw,
    )


def true_false(points: int = 1, answer: bool = True) -> TrueFalseQuestion:
    return TrueFalseQuestion(prompt="Python lists are ordered.", correct_answer=answer, points=points)


def short(*accepted: str, points: int = 1, **kw: Any) -> ShortAnswerQuestion:
    return ShortAnswerQuestion(prompt="Name it", accepted_answers=accepted or ("print",), points=points, **kw)


def essay(points: int = 5, **kw: Any) -> EssayQuestion:
    return EssayQuestion(prompt="Explain the GIL.", points=points, **kw)


def quiz_of(*items: Question | QuestionPool, **settings_kw: Any) -> Quiz:
    return Quiz(title="Check yourself", items=items, settings=QuizSettings(**settings_kw))


def pool_of(size: int, draw_count: int, points: int = 1) -> QuestionPool:
    return QuestionPool(
        title="Loops",
        questions=tuple(short(f"answer {i}", points=points) for i in range(size)),
        draw_count=draw_count,
    )


def code_of(make: Callable[[], object]) -> str:
    with pytest.raises(InvalidInput) as err:
        make()
    return err.value.code


def ids(options: tuple[Option, ...], *indexes: int) -> frozenset[uuid.UUID]:
    return frozenset(options[i].id for i in indexes)


# -- validation ---------------------------------------------------------------------------------------

OPTS = (Option(text="a"), Option(text="b"), Option(text="c"))


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: single(prompt="   "), "quiz.prompt_empty"),
        (lambda: single(prompt="x" * 10_001), "quiz.prompt_too_long"),
        (lambda: single(prompt="bad\x00prompt"), "quiz.prompt_invalid"),
        (lambda: single(explanation="x" * 10_001), "quiz.explanation_too_long"),
        (lambda: single(explanation="\x07"), "quiz.explanation_invalid"),
        (lambda: single(points=0), "quiz.points_invalid"),
        (lambda: single(points=-3), "quiz.points_invalid"),
        (lambda: single(points=1001), "quiz.points_invalid"),
        (lambda: single(points=True), "quiz.points_invalid"),
        (lambda: single(points=1.5), "quiz.points_invalid"),  # type: ignore[arg-type]
        (lambda: single(options=["only one"], correct=0), "quiz.too_few_options"),
        (lambda: single(options=[str(i) for i in range(MAX_OPTIONS + 1)], correct=0), "quiz.too_many_options"),
        (lambda: single(options=["yes", " yes "], correct=0), "quiz.duplicate_option"),
        (lambda: single(options=["ok", ""], correct=0), "quiz.option_empty"),
        (lambda: single(options=["ok", "x" * 1001], correct=0), "quiz.option_too_long"),
        (lambda: single(correct=4), "quiz.correct_option_unknown"),
        (lambda: single(correct=-1), "quiz.correct_option_unknown"),
        (
            lambda: SingleChoiceQuestion(prompt="p", options=OPTS, correct_option_ids=ids(OPTS, 0, 1)),
            "quiz.single_choice_needs_one_correct",
        ),
        (
            lambda: SingleChoiceQuestion(prompt="p", options=OPTS, correct_option_ids=frozenset()),
            "quiz.single_choice_needs_one_correct",
        ),
        (lambda: multi(correct=[]), "quiz.multiple_choice_needs_correct"),
        (lambda: multi(correct=[9]), "quiz.correct_option_unknown"),
        (
            lambda: MultipleChoiceQuestion(prompt="p", options=OPTS, correct_option_ids=frozenset({uuid.uuid4()})),
            "quiz.correct_option_unknown",
        ),
        (
            lambda: SingleChoiceQuestion(
                prompt="p",
                options=(OPTS[0], Option(id=OPTS[0].id, text="other")),
                correct_option_ids=ids(OPTS, 0),
            ),
            "quiz.duplicate_option_id",
        ),
        (
            lambda: SingleChoiceQuestion(prompt="p", options=("a", "b"), correct_option_ids=frozenset()),  # type: ignore[arg-type]
            "quiz.option_invalid",
        ),
        (lambda: multi(keep_option_order="yes"), "quiz.keep_option_order_invalid"),
        (lambda: TrueFalseQuestion(prompt="p", correct_answer=1), "quiz.correct_answer_invalid"),  # type: ignore[arg-type]
        (lambda: short(""), "quiz.accepted_answer_empty"),
        (lambda: ShortAnswerQuestion(prompt="p", accepted_answers=()), "quiz.accepted_answers_empty"),
        (lambda: ShortAnswerQuestion(prompt="p", accepted_answers="print"), "quiz.accepted_answer_invalid"),  # type: ignore[arg-type]
        (lambda: short(*(f"a{i}" for i in range(51))), "quiz.too_many_accepted_answers"),
        (lambda: short("x" * 501), "quiz.accepted_answer_too_long"),
        (lambda: short("two\nlines"), "quiz.accepted_answer_invalid"),
        (lambda: short("Paris", "paris"), "quiz.duplicate_accepted_answer"),
        (lambda: short("x = 1", "x=1", whitespace=WhitespaceRule.IGNORE), "quiz.duplicate_accepted_answer"),
        (lambda: short("\u200f"), "quiz.accepted_answer_empty"),  # only a right-to-left mark
        (lambda: short("\u05b8", ignore_marks=True), "quiz.accepted_answer_empty"),  # only a niqqud mark
        (lambda: short("x", whitespace="squeeze"), "quiz.whitespace_invalid"),
        (lambda: short("x", case_sensitive=None), "quiz.case_sensitive_invalid"),
        (lambda: essay(max_words=0), "quiz.max_words_invalid"),
        (lambda: essay(max_words=100_001), "quiz.max_words_invalid"),
        (lambda: essay(rubric="x" * 10_001), "quiz.rubric_too_long"),
        (lambda: essay(id="not-a-uuid"), "quiz.id_invalid"),
    ],
)
def test_invalid_questions_are_rejected_with_stable_codes(make: Callable[[], object], code: str) -> None:
    assert code_of(make) == code


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"time_limit_seconds": 0}, "quiz.time_limit_invalid"),
        ({"time_limit_seconds": MAX_TIME_LIMIT_SECONDS + 1}, "quiz.time_limit_invalid"),
        ({"time_limit_seconds": True}, "quiz.time_limit_invalid"),
        ({"attempts_allowed": 0}, "quiz.attempts_allowed_invalid"),
        ({"attempts_allowed": 1001}, "quiz.attempts_allowed_invalid"),
        ({"passing_score": -1}, "quiz.passing_score_invalid"),
        ({"passing_score": 101}, "quiz.passing_score_invalid"),
        ({"passing_score": 70.5}, "quiz.passing_score_invalid"),
        ({"scoring_policy": "median"}, "quiz.scoring_policy_invalid"),
        ({"review_policy": "sometimes"}, "quiz.review_policy_invalid"),
        ({"shuffle_questions": 1}, "quiz.shuffle_questions_invalid"),
        ({"shuffle_options": "no"}, "quiz.shuffle_options_invalid"),
    ],
)
def test_invalid_settings_are_rejected_with_stable_codes(changes: dict[str, Any], code: str) -> None:
    assert code_of(lambda: QuizSettings(**changes)) == code


def test_settings_bounds_and_enum_strings_are_accepted() -> None:
    s = QuizSettings(
        time_limit_seconds=MAX_TIME_LIMIT_SECONDS,
        attempts_allowed=1,
        passing_score=100,
        scoring_policy="average",  # type: ignore[arg-type]
        review_policy="never",  # type: ignore[arg-type]
    )
    assert s.scoring_policy is ScoringPolicy.AVERAGE and s.review_policy is ReviewPolicy.NEVER
    assert QuizSettings().attempts_allowed is None and QuizSettings().time_limit_seconds is None


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: QuestionPool(questions=(), draw_count=1), "quiz.pool_empty"),
        (lambda: pool_of(3, 0), "quiz.pool_draw_invalid"),
        (lambda: pool_of(3, 4), "quiz.pool_draw_too_large"),
        (lambda: QuestionPool(questions=(short("a"), short("b", points=2)), draw_count=1), "quiz.pool_points_differ"),
        (lambda: QuestionPool(questions=(q := short("a"), q), draw_count=1), "quiz.duplicate_id"),
        (lambda: QuestionPool(questions=(pool_of(2, 1),), draw_count=1), "quiz.item_invalid"),  # type: ignore[arg-type]
        (lambda: QuestionPool(title="x" * 201, questions=(short("a"),), draw_count=1), "quiz.pool_title_too_long"),
        (lambda: Quiz(title="Empty", items=()), "quiz.empty"),
        (lambda: Quiz(title="  ", items=(short("a"),)), "quiz.title_empty"),
        (lambda: Quiz(title="x" * 201, items=(short("a"),)), "quiz.title_too_long"),
        (lambda: Quiz(title="Quiz", instructions="\x1b[31m", items=(short("a"),)), "quiz.instructions_invalid"),
        (lambda: quiz_of(q := short("a"), q), "quiz.duplicate_id"),
        (lambda: quiz_of(p := pool_of(2, 1), p.questions[0]), "quiz.duplicate_id"),
        (lambda: quiz_of(p := pool_of(2, 1), dataclasses.replace(pool_of(2, 1), id=p.id)), "quiz.duplicate_id"),
        (lambda: quiz_of("not a question"), "quiz.item_invalid"),  # type: ignore[arg-type]
        (lambda: Quiz(title="Quiz", items=(short("a"),), settings={}), "quiz.settings_invalid"),  # type: ignore[arg-type]
        (
            lambda: quiz_of(pool_of(MAX_QUESTIONS, 1), pool_of(1, 1)),
            "quiz.too_many_questions",
        ),
    ],
)
def test_invalid_pools_and_quizzes_are_rejected_with_stable_codes(make: Callable[[], object], code: str) -> None:
    assert code_of(make) == code


def test_text_is_nfc_normalised_and_trimmed_but_inner_layout_is_kept() -> None:
    prompt = "  What does this print?\r\n\n    for i in range(2):\n\tprint(i)  "
    q = single(prompt=prompt, options=["Cafe\u0301", "0\n1"], correct=1)
    assert q.prompt == "What does this print?\n\n    for i in range(2):\n\tprint(i)"
    assert q.options[0].text == "Café" and unicodedata.is_normalized("NFC", q.options[0].text)
    assert q.options[1].text == "0\n1"


def test_option_texts_are_unique_exactly_so_case_distinguishes_python_values() -> None:
    q = single(options=["None", "none", "NONE"], correct=0)
    assert [o.text for o in q.options] == ["None", "none", "NONE"]


def test_case_sensitive_short_answer_accepts_case_variants() -> None:
    q = short("Paris", "paris", case_sensitive=True)
    assert q.accepted_answers == ("Paris", "paris")


def test_choice_question_is_abstract() -> None:
    with pytest.raises(NotImplementedError):
        ChoiceQuestion(prompt="p", options=OPTS, correct_option_ids=ids(OPTS, 0))


def test_create_gives_options_fresh_stable_ids_and_replace_revalidates() -> None:
    q = multi()
    assert len({o.id for o in q.options}) == 4
    assert [o.text for o in q.correct_options] == ["list", "dict"]
    renamed = dataclasses.replace(q, prompt="Which are mutable? ")
    assert renamed.prompt == "Which are mutable?" and renamed.options == q.options
    with pytest.raises(InvalidInput):
        dataclasses.replace(q, correct_option_ids=frozenset())


def test_quiz_totals_and_questions() -> None:
    pool = pool_of(5, 2, points=3)
    quiz = quiz_of(single(2), pool, essay(4))
    assert quiz.total_points == 2 + 2 * 3 + 4
    assert quiz.questions_per_attempt == 4
    assert len(quiz.questions) == 7
    assert pool.points_per_question == 3 and pool.total_points == 6


# -- draw -----------------------------------------------------------------------------------------


def big_quiz(**settings_kw: Any) -> Quiz:
    return quiz_of(
        single(),
        pool_of(6, 2),
        multi(),
        true_false(),
        pool_of(4, 4),
        single(options=["A", "B", "C", "All of the above"], correct=3, keep_option_order=True),
        essay(),
        **settings_kw,
    )


def test_draw_is_deterministic_for_a_seed() -> None:
    quiz = big_quiz(shuffle_questions=True, shuffle_options=True)
    first = draw(quiz, random.Random(42))
    assert first == draw(quiz, random.Random(42))
    orders = {
        tuple((q.id, *(o.id for o in getattr(q, "options", ()))) for q in draw(quiz, random.Random(s)))
        for s in range(20)
    }
    assert len(orders) > 1


def test_draw_without_shuffling_keeps_authoring_order_and_samples_pools() -> None:
    quiz = big_quiz()
    pool = quiz.items[1]
    assert isinstance(pool, QuestionPool)
    for seed in range(30):
        drawn = draw(quiz, random.Random(seed))
        assert len(drawn) == quiz.questions_per_attempt == 11
        assert drawn[0] is quiz.items[0]
        picked = drawn[1:3]
        assert len({q.id for q in picked}) == 2
        positions = [pool.questions.index(q) for q in picked]
        assert positions == sorted(positions)  # drawn pool questions stay in pool order
        assert drawn[3:5] == [quiz.items[2], quiz.items[3]]
        assert drawn[5:9] == list(quiz.items[4].questions)  # type: ignore[union-attr]
        assert max_points(drawn) == quiz.total_points


def test_every_pool_question_gets_drawn_sometimes() -> None:
    quiz = quiz_of(pool_of(6, 2))
    seen = {q.id for seed in range(200) for q in draw(quiz, random.Random(seed))}
    assert seen == {q.id for q in quiz.questions}


def test_shuffled_options_keep_their_ids_and_correct_answers() -> None:
    quiz = big_quiz(shuffle_options=True)
    originals = {q.id: q for q in quiz.questions}
    moved = False
    for seed in range(30):
        for q in draw(quiz, random.Random(seed)):
            original = originals[q.id]
            if isinstance(q, ChoiceQuestion):
                assert isinstance(original, ChoiceQuestion)
                assert sorted(q.options, key=lambda o: o.id) == sorted(original.options, key=lambda o: o.id)
                assert q.correct_option_ids == original.correct_option_ids
                assert {o.text for o in q.correct_options} == {o.text for o in original.correct_options}
                moved |= q.options != original.options
                if original.keep_option_order:
                    assert q.options == original.options
                answer = (
                    next(iter(q.correct_option_ids)) if isinstance(q, SingleChoiceQuestion) else q.correct_option_ids
                )
                assert grade(q, answer).correct is True
            else:
                assert q == original
    assert moved


def test_question_shuffle_permutes_the_drawn_questions() -> None:
    quiz = big_quiz(shuffle_questions=True)
    plain = {item.id for item in quiz.items if not isinstance(item, QuestionPool)}
    for seed in range(10):
        drawn = draw(quiz, random.Random(seed))
        assert plain <= {q.id for q in drawn} and len(drawn) == 11


# -- grading --------------------------------------------------------------------------------------


def test_single_choice_grading() -> None:
    q = single(points=2)
    right, wrong = q.options[1].id, q.options[0].id
    assert grade(q, right) == GradeResult(Fraction(2), 2, needs_manual=False, correct=True)
    assert grade(q, wrong) == GradeResult(Fraction(0), 2, needs_manual=False, correct=False)
    for odd in (None, uuid.uuid4(), str(right), {right}, True, ""):
        assert grade(q, odd) == GradeResult(Fraction(0), 2, needs_manual=False, correct=False)


@pytest.mark.parametrize(
    ("chosen", "expected", "correct"),
    [
        # options: list, tuple, dict, str — correct: list, dict (2 right, 2 wrong); worth 4 points
        ({0, 2}, Fraction(4), True),
        ({0}, Fraction(2), False),  # half the right ones
        ({0, 1}, Fraction(0), False),  # +1/2 - 1/2
        ({0, 2, 1}, Fraction(2), False),  # 1 - 1/2
        ({0, 1, 2, 3}, Fraction(0), False),  # ticking everything earns nothing
        ({1, 3}, Fraction(0), False),  # floored at 0, never negative
        (set(), Fraction(0), False),
    ],
)
def test_multiple_choice_is_proportional_with_penalty_floored_at_zero(
    chosen: set[int], expected: Fraction, correct: bool
) -> None:
    q = multi(points=4)
    result = grade(q, {q.options[i].id for i in chosen})
    assert result == GradeResult(expected, 4, needs_manual=False, correct=correct)


def test_multiple_choice_partial_credit_is_an_exact_fraction() -> None:
    q = multi(points=1, options=["a", "b", "c", "d", "e"], correct=[0, 1, 2])
    assert grade(q, {q.options[0].id, q.options[1].id}).points_awarded == Fraction(2, 3)
    assert grade(q, {q.options[0].id, q.options[1].id, q.options[3].id}).points_awarded == Fraction(1, 6)  # 2/3 - 1/2
    assert grade(q, {q.options[0].id, q.options[3].id}).points_awarded == 0  # 1/3 - 1/2, floored


def test_multiple_choice_edge_cases() -> None:
    q = multi(points=2)
    right = q.correct_option_ids
    assert grade(q, right | {uuid.uuid4()}) == grade(q, right)  # unknown ids are ignored
    assert grade(q, {uuid.uuid4()}).points_awarded == 0
    assert grade(q, [*right]).correct is True  # type: ignore[arg-type]  # a list works too
    assert grade(q, None).points_awarded == 0
    assert grade(q, next(iter(right))).points_awarded == 0  # a bare id is not a selection
    assert grade(q, "list").points_awarded == 0
    everything = multi(options=["a", "b"], correct=[0, 1])
    assert grade(everything, {everything.options[0].id}).points_awarded == Fraction(1, 2)
    assert grade(everything, everything.correct_option_ids).correct is True


def test_true_false_grading() -> None:
    q = true_false(points=3, answer=False)
    assert grade(q, False) == GradeResult(Fraction(3), 3, needs_manual=False, correct=True)
    assert grade(q, True).correct is False
    assert grade(q, None).correct is False
    assert grade(q, "false").points_awarded == 0
    assert grade(true_false(answer=True), 1).points_awarded == 0  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("question", "answer", "ok"),
    [
        (short("print"), "print", True),
        (short("print"), "  PRINT ", True),
        (short("print"), "", False),
        (short("print"), "   ", False),
        (short("print"), None, False),
        (short("print"), "prin", False),
        (short("print"), True, False),
        (short("print"), "print" + " " * 996, False),  # over the answer length limit
        (short("print", case_sensitive=True), "Print", False),
        (short("print", case_sensitive=True), " print ", True),
        (short("Guido van Rossum"), "guido   van\trossum", True),
        (short("Guido van Rossum"), "guidovan rossum", False),
        (short("Guido van Rossum", whitespace=WhitespaceRule.TRIM), "guido  van rossum", False),
        (short("Guido van Rossum", whitespace=WhitespaceRule.TRIM), " guido van rossum\n", True),
        (short("x = 1", whitespace=WhitespaceRule.IGNORE), "x=1", True),
        (short("x = 1", whitespace=WhitespaceRule.COLLAPSE), "x=1", False),
        (short("Strasse"), "STRASSE", True),
        (short("straße"), "STRASSE", True),  # casefold
        (short("a", "b", "c"), "B", True),
        # Russian
        (short("Москва"), "москва", True),
        (short("Москва"), "МОСКВА", True),
        (short("Москва", case_sensitive=True), "москва", False),
        (short("Москва"), "Mосква", False),  # the first letter is a Latin M
        (short("йогурт"), "и\u0306огурт", True),  # decomposed й (NFD) is the same text
        (short("ёлка"), "елка", False),
        (short("ёлка", ignore_marks=True), "елка", True),
        (short("ёлка", ignore_marks=True), "ЕЛКА", True),
        (short("Москва"), "Москва\u00a0", True),  # trailing no-break space
        (short("Новый Год"), "новый\u00a0год", True),
        # Hebrew
        (short("שלום"), "\u200fשלום\u200f", True),  # right-to-left marks from an RTL keyboard
        (short("שלום"), "שָׁלוֹם", False),  # with niqqud
        (short("שלום", ignore_marks=True), "שָׁלוֹם", True),
        (short("שָׁלוֹם", ignore_marks=True), "שלום", True),
        (short("שׁ"), "\ufb2a", True),  # presentation form of shin with shin dot, NFKC folds it
        (short("שׁ", unicode_folding=False), "\ufb2a", True),  # FB2A is a canonical composition exclusion
        # NFKC folding
        (short("42"), "\uff14\uff12", True),  # full-width digits
        (short("42", unicode_folding=False), "\uff14\uff12", False),
        (short("file"), "\ufb01le", True),  # "fi" ligature
        (short("print"), "pr\u200bint", True),  # zero-width space removed
    ],
)
def test_short_answer_grading(question: ShortAnswerQuestion, answer: object, ok: bool) -> None:
    result = grade(question, answer)  # type: ignore[arg-type]
    assert result == GradeResult(Fraction(1 if ok else 0), 1, needs_manual=False, correct=ok)


def test_essay_needs_manual_grading_unless_blank() -> None:
    q = essay(points=10, rubric="Mentions threads and reference counting.", max_words=300)
    assert grade(q, "The GIL is a mutex ...") == GradeResult(Fraction(0), 10, needs_manual=True, correct=None)
    assert grade(q, "Глобальная блокировка интерпретатора").needs_manual is True
    for blank in (None, "", "  \n "):
        assert grade(q, blank) == GradeResult(Fraction(0), 10, needs_manual=False, correct=False)


def test_max_points_sums_question_points() -> None:
    assert max_points([]) == 0
    assert max_points([single(2), multi(3), essay(5)]) == 10


def test_passing_is_exact_and_inclusive() -> None:
    settings_70 = QuizSettings(passing_score=70)
    assert settings_70.passed(7, 10)
    assert settings_70.passed(Fraction(14, 3), 6)  # 4.67 of 6 is 77.8%
    assert not settings_70.passed(Fraction(41, 10), 6)  # 4.1 of 6 is 68.3%
    assert not settings_70.passed(Fraction(699, 100), 10)
    assert QuizSettings().passed(0, 10)  # passing score 0: any submitted attempt passes
    assert not settings_70.passed(5, 0)
    assert QuizSettings(passing_score=100).passed(Fraction(10), 10)


@pytest.mark.parametrize(
    ("policy", "submitted", "passed", "shown"),
    [
        (ReviewPolicy.AFTER_SUBMIT, False, False, False),
        (ReviewPolicy.AFTER_SUBMIT, True, False, True),
        (ReviewPolicy.AFTER_PASSING, True, False, False),
        (ReviewPolicy.AFTER_PASSING, True, True, True),
        (ReviewPolicy.AFTER_PASSING, False, True, False),
        (ReviewPolicy.NEVER, True, True, False),
    ],
)
def test_review_policy(policy: ReviewPolicy, submitted: bool, passed: bool, shown: bool) -> None:
    assert QuizSettings(review_policy=policy).shows_review(submitted=submitted, passed=passed) is shown


# -- answers from clients ---------------------------------------------------------------------------


def test_parse_answer_types_client_json() -> None:
    s, m = single(), multi()
    assert parse_answer(s, str(s.options[2].id)) == s.options[2].id
    assert parse_answer(s, s.options[2].id) == s.options[2].id
    assert parse_answer(s, None) is None
    assert parse_answer(m, [str(m.options[0].id), str(m.options[0].id)]) == frozenset({m.options[0].id})
    assert parse_answer(m, None) == frozenset()
    assert parse_answer(m, []) == frozenset()
    assert parse_answer(true_false(), False) is False
    assert parse_answer(true_false(), None) is None
    assert parse_answer(short("x"), " שלום ") == " שלום "
    assert parse_answer(essay(max_words=3), "one two  three") == "one two  three"


@pytest.mark.parametrize(
    ("question", "raw", "code"),
    [
        (single(), "nope", "quiz.answer_invalid"),
        (single(), 3, "quiz.answer_invalid"),
        (single(), str(uuid.uuid4()), "quiz.answer_unknown_option"),
        (multi(), "not a list", "quiz.answer_invalid"),
        (multi(), [str(uuid.uuid4())], "quiz.answer_unknown_option"),
        (multi(), [None], "quiz.answer_invalid"),
        (true_false(), "true", "quiz.answer_invalid"),
        (true_false(), 1, "quiz.answer_invalid"),
        (short("x"), 42, "quiz.answer_invalid"),
        (short("x"), "x" * 1001, "quiz.answer_too_long"),
        (essay(), "x" * 100_001, "quiz.answer_too_long"),
        (essay(max_words=3), "one two three four", "quiz.answer_too_many_words"),
    ],
)
def test_parse_answer_rejects_bad_answers(question: Question, raw: object, code: str) -> None:
    assert code_of(lambda: parse_answer(question, raw)) == code


def test_answers_survive_json() -> None:
    m = multi()
    cases: list[tuple[Question, Any]] = [
        (single(), None),
        (m, frozenset({m.options[3].id, m.options[0].id})),
        (m, frozenset()),
        (true_false(), True),
        (short("x"), "Москва"),
        (essay(), None),
    ]
    s = cases[0][0]
    assert isinstance(s, SingleChoiceQuestion)
    cases.append((s, s.options[0].id))
    for question, answer in cases:
        stored = json.loads(json.dumps(answer_to_json(answer)))
        assert parse_answer(question, stored) == answer


def test_count_words() -> None:
    assert count_words("") == 0
    assert count_words("  Привет,  мир!\nשלום עולם ") == 4


# -- drafts -----------------------------------------------------------------------------------------


def test_draft_editing_operations() -> None:
    draft = QuizDraft(title="  Week 1  ")
    assert draft.title == "Week 1" and draft.items == []
    a, b, c = single(), multi(), true_false()
    draft.add(a)
    draft.add(c)
    draft.add(b, position=1)
    assert [i.id for i in draft.items] == [a.id, b.id, c.id]
    draft.move(c.id, 0)
    assert [i.id for i in draft.items] == [c.id, a.id, b.id]
    draft.move(c.id, 2)
    assert [i.id for i in draft.items] == [a.id, b.id, c.id]
    draft.reorder([b.id, c.id, a.id])
    assert [i.id for i in draft.items] == [b.id, c.id, a.id]
    assert draft.remove(c.id) == c
    edited = dataclasses.replace(a, prompt="Edited", points=3)
    draft.replace(edited)
    assert draft.item(a.id) == edited and [i.id for i in draft.items] == [b.id, a.id]
    draft.rename("Неделя 1")
    draft.set_instructions("Answer all questions.\nGood luck!")
    draft.update_settings(QuizSettings(time_limit_seconds=600, attempts_allowed=2, passing_score=80))
    quiz = draft.freeze()
    assert quiz.title == "Неделя 1" and quiz.items == (b, edited) and quiz.settings.time_limit_seconds == 600
    assert quiz.id == draft.id


def test_draft_replace_question_inside_a_pool() -> None:
    pool = pool_of(3, 2)
    draft = QuizDraft(title="Pools", items=[single(), pool])
    target = pool.questions[1]
    assert isinstance(target, ShortAnswerQuestion)
    draft.replace_question(dataclasses.replace(target, accepted_answers=("changed",)))
    new_pool = draft.item(pool.id)
    assert isinstance(new_pool, QuestionPool)
    assert new_pool.questions[1].accepted_answers == ("changed",)  # type: ignore[union-attr]
    assert new_pool.questions[0] == pool.questions[0] and new_pool.draw_count == 2
    top = draft.items[0]
    assert isinstance(top, SingleChoiceQuestion)
    draft.replace_question(dataclasses.replace(top, points=4))
    assert draft.items[0].points == 4  # type: ignore[union-attr]
    with pytest.raises(InvalidInput) as err:  # the pool's points would differ
        draft.replace_question(dataclasses.replace(target, points=9))
    assert err.value.code == "quiz.pool_points_differ"
    with pytest.raises(NotFound):
        draft.replace_question(essay())


def test_draft_rejects_bad_edits_and_keeps_its_items() -> None:
    a = single()
    pool = pool_of(2, 1)
    draft = QuizDraft(title="Draft", items=[a, pool])
    before = list(draft.items)
    assert code_of(lambda: draft.add(a)) == "quiz.duplicate_id"
    assert code_of(lambda: draft.add(pool.questions[0])) == "quiz.duplicate_id"
    assert code_of(lambda: draft.add(multi(), position=3)) == "quiz.position_invalid"
    assert code_of(lambda: draft.add(multi(), position=-1)) == "quiz.position_invalid"
    assert code_of(lambda: draft.move(a.id, 2)) == "quiz.position_invalid"
    assert code_of(lambda: draft.reorder([a.id])) == "quiz.reorder_mismatch"
    assert code_of(lambda: draft.reorder([a.id, a.id])) == "quiz.reorder_mismatch"
    assert code_of(lambda: draft.reorder([a.id, uuid.uuid4()])) == "quiz.reorder_mismatch"
    assert code_of(lambda: draft.rename("")) == "quiz.title_empty"
    assert code_of(lambda: draft.update_settings({"shuffle_options": True})) == "quiz.settings_invalid"  # type: ignore[arg-type]
    assert (
        code_of(lambda: draft.replace(dataclasses.replace(pool, questions=(*pool.questions, a)))) == "quiz.duplicate_id"
    )
    missing_ops: list[Callable[[], object]] = [
        lambda: draft.remove(uuid.uuid4()),
        lambda: draft.move(uuid.uuid4(), 0),
        lambda: draft.item(uuid.uuid4()),
        lambda: draft.replace(multi()),
    ]
    for missing in missing_ops:
        with pytest.raises(NotFound) as err:
            missing()
        assert err.value.code == "quiz.item_not_found"
    assert draft.items == before
    draft.add(multi(), position=2)  # position == len appends
    assert len(draft.items) == 3


def test_empty_draft_serialises_but_does_not_freeze() -> None:
    draft = QuizDraft(title="Not yet")
    data = json.loads(json.dumps(draft.to_dict()))
    assert data["items"] == []
    assert QuizDraft.from_dict(data) == draft
    assert code_of(draft.freeze) == "quiz.empty"
    assert code_of(lambda: from_dict(data)) == "quiz.empty"


def test_draft_from_quiz_and_back() -> None:
    quiz = big_quiz(shuffle_options=True)
    draft = QuizDraft.from_quiz(quiz)
    assert draft.freeze() == quiz
    assert draft.to_dict() == to_dict(quiz)
    draft.remove(quiz.items[0].id)
    assert quiz.items[0] in quiz.items and len(quiz.items) == 7  # the frozen quiz is untouched


# -- JSON ---------------------------------------------------------------------------------------------


def test_to_dict_shape_is_json_safe_and_round_trips_exactly() -> None:
    quiz = Quiz(
        title="Итоговый тест — מבחן",
        instructions="You have 10 minutes.",
        settings=QuizSettings(
            shuffle_questions=True,
            shuffle_options=True,
            time_limit_seconds=600,
            attempts_allowed=3,
            passing_score=75,
            scoring_policy=ScoringPolicy.LAST,
            review_policy=ReviewPolicy.AFTER_PASSING,
        ),
        items=(
            single(explanation="len counts items"),
            multi(points=2),
            true_false(answer=False),
            short("Москва", "Moscow", whitespace=WhitespaceRule.TRIM, ignore_marks=True, unicode_folding=False),
            essay(rubric="Threads", max_words=250),
            pool_of(3, 2, points=2),
        ),
    )
    data = to_dict(quiz)
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    assert from_dict(json.loads(text)) == quiz
    assert to_dict(from_dict(json.loads(text))) == data
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["settings"] == {
        "shuffle_questions": True,
        "shuffle_options": True,
        "time_limit_seconds": 600,
        "attempts_allowed": 3,
        "passing_score": 75,
        "scoring_policy": "last",
        "review_policy": "after_passing",
    }
    assert [item["type"] for item in data["items"]] == [
        "single_choice",
        "multiple_choice",
        "true_false",
        "short_answer",
        "essay",
        "pool",
    ]
    m = quiz.items[1]
    assert isinstance(m, MultipleChoiceQuestion)
    assert data["items"][1]["correct_option_ids"] == [str(o.id) for o in m.correct_options]
    assert data["items"][3]["whitespace"] == "trim"
    assert data["items"][5]["draw_count"] == 2 and len(data["items"][5]["questions"]) == 3


def test_drawn_questions_serialise_with_their_shuffled_options() -> None:
    quiz = big_quiz(shuffle_questions=True, shuffle_options=True)
    drawn = draw(quiz, random.Random(7))
    stored = json.loads(json.dumps([question_to_dict(q) for q in drawn]))
    assert [question_from_dict(d) for d in stored] == drawn


def test_from_dict_fills_defaults_for_optional_keys() -> None:
    qid, oid1, oid2 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    quiz = from_dict(
        {
            "id": str(uuid.uuid4()),
            "title": "Imported",
            "items": [
                {
                    "type": "single_choice",
                    "id": str(qid),
                    "prompt": "Pick",
                    "options": [{"id": str(oid1), "text": "a"}, {"id": str(oid2), "text": "b"}],
                    "correct_option_ids": [str(oid2)],
                },
                {"type": "short_answer", "id": str(uuid.uuid4()), "prompt": "Say", "accepted_answers": ["hi"]},
            ],
        }
    )
    assert quiz.settings == QuizSettings() and quiz.instructions == ""
    first, second = quiz.items
    assert isinstance(first, SingleChoiceQuestion) and first.points == 1 and first.correct_option_ids == {oid2}
    assert isinstance(second, ShortAnswerQuestion) and second.whitespace is WhitespaceRule.COLLAPSE


def _valid_dict() -> dict[str, Any]:
    return to_dict(quiz_of(single(), true_false(), pool_of(2, 1)))


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d.pop("id"), "quiz.id"),
        (lambda d: d.update(id="nope"), "quiz.id"),
        (lambda d: d.update(title=5), "quiz.title"),
        (lambda d: d.update(extra=1), "quiz.extra"),
        (lambda d: d.update(items={}), "quiz.items"),
        (lambda d: d.update(settings=[]), "quiz.settings"),
        (lambda d: d["settings"].update(shuffle_options="yes"), "quiz.settings.shuffle_options"),
        (lambda d: d["settings"].update(passing_score=True), "quiz.settings.passing_score"),
        (lambda d: d["settings"].update(time_limit_seconds="60"), "quiz.settings.time_limit_seconds"),
        (lambda d: d["items"][0].update(type="matching"), "quiz.items[0].type"),
        (lambda d: d["items"][0].update(points="1"), "quiz.items[0].points"),
        (lambda d: d["items"][0].pop("prompt"), "quiz.items[0].prompt"),
        (lambda d: d["items"][0]["options"][1].update(id=None), "quiz.items[0].options[1].id"),
        (lambda d: d["items"][0]["options"][1].update(colour="red"), "quiz.items[0].options[1].colour"),
        (lambda d: d["items"][0].update(correct_option_ids=[7]), "quiz.items[0].correct_option_ids[0]"),
        (lambda d: d["items"][1].update(correct_answer="true"), "quiz.items[1].correct_answer"),
        (lambda d: d["items"][1].update(options=[]), "quiz.items[1].options"),
        (lambda d: d["items"][2]["questions"].append(d["items"][2]), "quiz.items[2].questions[2].type"),
        (
            lambda d: d["items"][2]["questions"][0].update(accepted_answers=[1]),
            "quiz.items[2].questions[0].accepted_answers[0]",
        ),
        (lambda d: d["items"].append("question"), "quiz.items[3]"),
    ],
)
def test_from_dict_reports_malformed_data_with_a_path(mutate: Callable[[dict[str, Any]], object], path: str) -> None:
    data = _valid_dict()
    mutate(data)
    with pytest.raises(InvalidInput) as err:
        from_dict(data)
    assert (err.value.code, err.value.details["path"]) == ("quiz.malformed", path)


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda d: d.update(schema_version=2), "quiz.schema_unsupported"),
        (lambda d: d["settings"].update(scoring_policy="median"), "quiz.scoring_policy_invalid"),
        (lambda d: d["items"][0].update(correct_option_ids=[]), "quiz.single_choice_needs_one_correct"),
        (lambda d: d["items"][2].update(draw_count=3), "quiz.pool_draw_too_large"),
        (lambda d: d["items"][1].update(id=d["items"][0]["id"]), "quiz.duplicate_id"),
        (lambda d: d["items"][2]["questions"][0].update(whitespace="none"), "quiz.whitespace_invalid"),
    ],
)
def test_from_dict_applies_domain_validation(mutate: Callable[[dict[str, Any]], object], code: str) -> None:
    data = _valid_dict()
    mutate(data)
    assert code_of(lambda: from_dict(data)) == code


# -- properties -------------------------------------------------------------------------------------

WORDS = ["Москва", "ёжик", "שָׁלוֹם", "ירושלים", "print()", "x = 1", "Ελλάδα", "naïve", "42", "ﬁle"]
texts = st.one_of(
    st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=20),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join),
).filter(lambda t: t.strip())
titles = st.one_of(  # titles follow core.shared.text.clean_name: no format or unassigned characters
    st.text(st.characters(exclude_categories=["C"]), min_size=1, max_size=40),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join),
).filter(lambda t: t.strip())
multiline = st.lists(texts, min_size=1, max_size=3).map("\n".join)
optional_text = st.one_of(st.just(""), multiline)


@st.composite
def questions(draw_: st.DrawFn, points: int | None = None) -> Question:
    pts = points if points is not None else draw_(st.integers(1, 1000))
    prompt, explanation = draw_(multiline), draw_(optional_text)
    kind = draw_(st.sampled_from(["single", "multi", "tf", "short", "essay"]))
    if kind in ("single", "multi"):
        n = draw_(st.integers(2, 6))
        option_texts = [f"{i}) {t}" for i, t in enumerate(draw_(st.lists(texts, min_size=n, max_size=n)))]
        keep = draw_(st.booleans())
        if kind == "single":
            return SingleChoiceQuestion.create(
                prompt=prompt,
                options=option_texts,
                correct=draw_(st.integers(0, n - 1)),
                points=pts,
                explanation=explanation,
                keep_option_order=keep,
            )
        correct = draw_(st.sets(st.integers(0, n - 1), min_size=1))
        return MultipleChoiceQuestion.create(
            prompt=prompt,
            options=option_texts,
            correct=correct,
            points=pts,
            explanation=explanation,
            keep_option_order=keep,
        )
    if kind == "tf":
        return TrueFalseQuestion(
            prompt=prompt, points=pts, explanation=explanation, correct_answer=draw_(st.booleans())
        )
    if kind == "short":
        answers = draw_(st.lists(texts.filter(lambda t: "\n" not in t), min_size=1, max_size=4))
        return ShortAnswerQuestion(
            prompt=prompt,
            points=pts,
            explanation=explanation,
            accepted_answers=tuple(f"#{i}#{a}" for i, a in enumerate(answers)),
            case_sensitive=draw_(st.booleans()),
            whitespace=draw_(st.sampled_from(WhitespaceRule)),
            unicode_folding=draw_(st.booleans()),
            ignore_marks=draw_(st.booleans()),
        )
    return EssayQuestion(
        prompt=prompt,
        points=pts,
        explanation=explanation,
        rubric=draw_(optional_text),
        max_words=draw_(st.none() | st.integers(1, 100_000)),
    )


@st.composite
def pools(draw_: st.DrawFn) -> QuestionPool:
    pts = draw_(st.integers(1, 10))
    members = draw_(st.lists(questions(points=pts), min_size=1, max_size=5))
    return QuestionPool(
        title=draw_(st.one_of(st.just(""), texts.filter(lambda t: "\n" not in t and len(t) <= 200))),
        questions=tuple(members),
        draw_count=draw_(st.integers(1, len(members))),
    )


quiz_settings = st.builds(
    QuizSettings,
    shuffle_questions=st.booleans(),
    shuffle_options=st.booleans(),
    time_limit_seconds=st.none() | st.integers(1, MAX_TIME_LIMIT_SECONDS),
    attempts_allowed=st.none() | st.integers(1, 1000),
    passing_score=st.integers(0, 100),
    scoring_policy=st.sampled_from(ScoringPolicy),
    review_policy=st.sampled_from(ReviewPolicy),
)


@st.composite
def quizzes(draw_: st.DrawFn) -> Quiz:
    return Quiz(
        title=draw_(titles),
        instructions=draw_(optional_text),
        settings=draw_(quiz_settings),
        items=tuple(draw_(st.lists(st.one_of(questions(), pools()), min_size=1, max_size=6))),
    )


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(quizzes())
def test_property_to_dict_from_dict_round_trips_exactly(quiz: Quiz) -> None:
    data = to_dict(quiz)
    restored = from_dict(json.loads(json.dumps(data)))
    assert restored == quiz
    assert to_dict(restored) == data
    assert QuizDraft.from_dict(data).freeze() == quiz


@PROPERTY
@given(quizzes(), st.integers(0, 2**32))
def test_property_draw_is_deterministic_and_sized_by_the_quiz(quiz: Quiz, seed: int) -> None:
    drawn = draw(quiz, random.Random(seed))
    assert drawn == draw(quiz, random.Random(seed))
    assert len(drawn) == quiz.questions_per_attempt
    assert len({q.id for q in drawn}) == len(drawn)
    assert max_points(drawn) == quiz.total_points > 0
    authored = {q.id: q for q in quiz.questions}
    for item in quiz.items:
        if isinstance(item, QuestionPool):
            assert sum(q.id in {p.id for p in item.questions} for q in drawn) == item.draw_count
    for q in drawn:
        original = authored[q.id]
        if isinstance(q, ChoiceQuestion):
            assert isinstance(original, ChoiceQuestion)
            assert set(q.options) == set(original.options)
            assert q.correct_option_ids == original.correct_option_ids
        else:
            assert q == original


@PROPERTY
@given(questions())
def test_property_correct_answers_earn_full_points(question: Question) -> None:
    result: GradeResult
    if isinstance(question, SingleChoiceQuestion):
        result = grade(question, next(iter(question.correct_option_ids)))
    elif isinstance(question, MultipleChoiceQuestion):
        result = grade(question, question.correct_option_ids)
    elif isinstance(question, TrueFalseQuestion):
        result = grade(question, question.correct_answer)
    elif isinstance(question, ShortAnswerQuestion):
        result = grade(question, question.accepted_answers[-1])
    else:
        assert grade(question, "some words").needs_manual
        return
    assert result == GradeResult(Fraction(question.points), question.points, needs_manual=False, correct=True)
    assert question_from_dict(json.loads(json.dumps(question_to_dict(question)))) == question


@PROPERTY
@given(questions().filter(lambda q: isinstance(q, MultipleChoiceQuestion)), st.data())
def test_property_multiple_choice_score_is_between_zero_and_full(question: Question, data: st.DataObject) -> None:
    assert isinstance(question, MultipleChoiceQuestion)
    chosen = data.draw(st.sets(st.sampled_from([o.id for o in question.options])))
    result = grade(question, chosen)
    assert 0 <= result.points_awarded <= question.points
    assert result.correct is (chosen == question.correct_option_ids)
    assert (result.points_awarded == question.points) is result.correct
