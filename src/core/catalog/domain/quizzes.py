"""Quizzes: questions, pools, settings; drawing an attempt's questions; grading; JSON snapshots.

Everything here is a plain value with no I/O. Two shapes of a quiz:

* ``Quiz`` — a frozen, always-valid quiz (at least one item). This is what a published revision
  freezes (``to_dict``/``from_dict``, JSON-safe and exact on round trip) and what attempts are
  started from (``draw``).
* ``QuizDraft`` — the small mutable object an editor works on (add/replace/remove/move/reorder
  items, rename, change settings); it may be empty. Its items are the same frozen values, and
  every operation re-checks the draft's invariants, so a draft is never half-valid. ``freeze()``
  turns it into a ``Quiz``. Both serialise to the same dict shape (a lesson keeps it as JSON).

Questions are frozen dataclasses that normalise their text (NFC, trimmed) and validate in
``__post_init__``: a constructed question is valid, and so is one rebuilt by
``dataclasses.replace``. Invalid input raises ``InvalidInput`` with a stable ``quiz.*`` code.

Grading rules (``grade``):

* single choice, true/false, short answer: all or nothing.
* multiple answers: proportional with a penalty, floored at 0. Each correct option ticked earns
  ``1/len(correct)``, each wrong option ticked costs ``1/len(wrong)``; the fraction is never below
  0. Ticking every option (or none) therefore scores 0, a guesser gains nothing on average, and
  only the exact correct set earns full points (and ``correct=True``). Ids that are not options of
  the question are ignored (``parse_answer`` rejects them when answers are saved).
* essay: ``needs_manual=True``, 0 points until an instructor grades it — except a blank essay,
  which is graded 0 automatically (nothing to read).
* ``points_awarded`` is an exact ``Fraction`` (2 of 3 correct options of a 1-point question is
  2/3 of a point); persist it as ``str(fraction)``. Unanswered or wrongly-typed answers score 0:
  ``grade`` never raises, so an auto-submit at the time limit always completes.

Short answers compare a key of the learner's text with a key of each accepted answer: NFC
(NFKC when ``unicode_folding``: full-width digits, ligatures, Hebrew presentation forms); format
characters (bidi marks such as RLM, zero-width spaces, BOM, soft hyphens) removed; ``str.casefold``
unless ``case_sensitive``; combining marks removed when ``ignore_marks`` (Hebrew niqqud and
cantillation; Russian ``ё`` then reads as its unmarked base letter, and so does ``й``); then the
whitespace rule: trim the ends, collapse inner runs to one space (the default), or ignore all
whitespace. Unicode whitespace such as NBSP counts as whitespace.

``draw`` consumes ``rng`` in a fixed order (pools in item order, then the question shuffle, then
each question's options in final order), so a seed reproduces an attempt. A pool's questions all
carry the same points, so every attempt of a quiz is out of the same ``Quiz.total_points``.
"""

from __future__ import annotations

import dataclasses
import enum
import random
import unicodedata
import uuid
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from fractions import Fraction
from typing import Any, ClassVar, Literal, TypeAlias, TypeVar, assert_never

from core.shared.errors import InvalidInput, NotFound
from core.shared.ids import new_id
from core.shared.text import clean_name

SCHEMA_VERSION = 1
_E = TypeVar("_E", bound=enum.StrEnum)

TITLE_MAX_LENGTH = 200
TEXT_MAX_LENGTH = 10_000  # prompts, explanations, instructions, rubrics
OPTION_MAX_LENGTH = 1_000
ACCEPTED_ANSWER_MAX_LENGTH = 500
SHORT_ANSWER_MAX_LENGTH = 1_000  # a learner's short answer
ESSAY_MAX_LENGTH = 100_000  # a learner's essay
MIN_OPTIONS, MAX_OPTIONS = 2, 20
MAX_ACCEPTED_ANSWERS = 50
MAX_POINTS = 1_000  # per question
MAX_QUESTIONS = 500  # per quiz, fixed and pooled together
MAX_TIME_LIMIT_SECONDS = 24 * 60 * 60
MAX_ATTEMPTS = 1_000
MAX_WORDS_LIMIT = 100_000


class QuestionType(enum.StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    TRUE_FALSE = "true_false"
    SHORT_ANSWER = "short_answer"
    ESSAY = "essay"


class WhitespaceRule(enum.StrEnum):
    TRIM = "trim"  # ignore leading and trailing whitespace
    COLLAPSE = "collapse"  # ... and treat any run of whitespace inside as one space
    IGNORE = "ignore"  # ignore all whitespace ("x=1" matches "x = 1")


class ScoringPolicy(enum.StrEnum):
    """Which attempt counts when several are allowed (applied by the learning context)."""

    BEST = "best"
    LAST = "last"
    AVERAGE = "average"


class ReviewPolicy(enum.StrEnum):
    """When a learner may see correct answers and explanations of a submitted attempt."""

    AFTER_SUBMIT = "after_submit"
    AFTER_PASSING = "after_passing"
    NEVER = "never"


# -- settings ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class QuizSettings:
    shuffle_questions: bool = False
    shuffle_options: bool = False
    time_limit_seconds: int | None = None  # None: untimed
    attempts_allowed: int | None = None  # None: unlimited
    passing_score: int = 0  # percent of total points, 0..100; 0: every submitted attempt passes
    scoring_policy: ScoringPolicy = ScoringPolicy.BEST
    review_policy: ReviewPolicy = ReviewPolicy.AFTER_SUBMIT

    def __post_init__(self) -> None:
        _check_bool(self.shuffle_questions, "shuffle_questions")
        _check_bool(self.shuffle_options, "shuffle_options")
        if self.time_limit_seconds is not None and not _int_in(self.time_limit_seconds, 1, MAX_TIME_LIMIT_SECONDS):
            raise InvalidInput(
                "quiz.time_limit_invalid",
                f"time limit is 1 to {MAX_TIME_LIMIT_SECONDS} seconds, or none",
                {"field": "time_limit_seconds", "max": MAX_TIME_LIMIT_SECONDS},
            )
        if self.attempts_allowed is not None and not _int_in(self.attempts_allowed, 1, MAX_ATTEMPTS):
            raise InvalidInput(
                "quiz.attempts_allowed_invalid",
                f"attempts allowed is 1 to {MAX_ATTEMPTS}, or unlimited",
                {"field": "attempts_allowed", "max": MAX_ATTEMPTS},
            )
        if not _int_in(self.passing_score, 0, 100):
            raise InvalidInput(
                "quiz.passing_score_invalid", "passing score is a percentage from 0 to 100", {"field": "passing_score"}
            )
        _set(self, "scoring_policy", _enum(ScoringPolicy, self.scoring_policy, "scoring_policy"))
        _set(self, "review_policy", _enum(ReviewPolicy, self.review_policy, "review_policy"))

    def passed(self, points_awarded: Fraction | int, max_points: int) -> bool:
        """True when the score reaches the passing percentage (exact: 7/10 passes 70%)."""
        if max_points <= 0:
            return False
        return Fraction(points_awarded) * 100 >= self.passing_score * max_points

    def shows_review(self, *, submitted: bool, passed: bool) -> bool:
        """May the learner see correct answers and explanations? ``passed``: has the learner
        passed (the learning context decides whether that means this attempt or any)."""
        if not submitted or self.review_policy == ReviewPolicy.NEVER:
            return False
        return self.review_policy == ReviewPolicy.AFTER_SUBMIT or passed


# -- questions -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class Option:
    """A choice. Its id is stable: answers and the correct set refer to it, shuffling keeps it."""

    id: uuid.UUID = dataclasses.field(default_factory=new_id)
    text: str

    def __post_init__(self) -> None:
        _check_id(self.id, "option")
        _set(self, "text", _clean_text(self.text, field="option", max_length=OPTION_MAX_LENGTH, multiline=True))


@dataclasses.dataclass(frozen=True, kw_only=True)
class _QuestionBase:
    kind: ClassVar[QuestionType]

    id: uuid.UUID = dataclasses.field(default_factory=new_id)
    prompt: str  # plain text / Markdown rendered by clients; kept verbatim apart from NFC and trimming
    points: int = 1
    explanation: str = ""  # shown on review, per the quiz's review policy

    def __post_init__(self) -> None:
        _check_id(self.id, "question")
        _set(self, "prompt", _clean_text(self.prompt, field="prompt", max_length=TEXT_MAX_LENGTH, multiline=True))
        if not _int_in(self.points, 1, MAX_POINTS):
            raise InvalidInput(
                "quiz.points_invalid",
                f"points is a whole number from 1 to {MAX_POINTS}",
                {"field": "points", "max": MAX_POINTS},
            )
        _set(
            self,
            "explanation",
            _clean_text(
                self.explanation, field="explanation", max_length=TEXT_MAX_LENGTH, multiline=True, required=False
            ),
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class ChoiceQuestion(_QuestionBase):
    """Options with a correct set. Base of single- and multiple-answer questions."""

    options: tuple[Option, ...]
    correct_option_ids: frozenset[uuid.UUID]
    keep_option_order: bool = False  # e.g. "All of the above" last: never shuffled

    def __post_init__(self) -> None:
        super().__post_init__()
        options = tuple(self.options)
        _set(self, "options", options)
        _set(self, "correct_option_ids", frozenset(self.correct_option_ids))
        _check_bool(self.keep_option_order, "keep_option_order")
        if not all(isinstance(o, Option) for o in options):
            raise InvalidInput("quiz.option_invalid", "options must be Option values", {"field": "options"})
        if len(options) < MIN_OPTIONS:
            raise InvalidInput(
                "quiz.too_few_options", f"give at least {MIN_OPTIONS} options", {"field": "options", "min": MIN_OPTIONS}
            )
        if len(options) > MAX_OPTIONS:
            raise InvalidInput(
                "quiz.too_many_options", f"give at most {MAX_OPTIONS} options", {"field": "options", "max": MAX_OPTIONS}
            )
        ids = [o.id for o in options]
        if len(set(ids)) != len(ids):
            raise InvalidInput("quiz.duplicate_option_id", "option ids must be unique", {"field": "options"})
        texts: set[str] = set()
        for option in options:
            if option.text in texts:
                raise InvalidInput(
                    "quiz.duplicate_option", "two options have the same text", {"field": "options", "text": option.text}
                )
            texts.add(option.text)
        unknown = self.correct_option_ids - set(ids)
        if unknown:
            raise InvalidInput(
                "quiz.correct_option_unknown",
                "the correct answer must be one of the options",
                {"field": "correct_option_ids", "unknown": sorted(str(i) for i in unknown)},
            )
        self._check_correct_count()

    def _check_correct_count(self) -> None:
        raise NotImplementedError("use SingleChoiceQuestion or MultipleChoiceQuestion")

    @property
    def correct_options(self) -> tuple[Option, ...]:
        return tuple(o for o in self.options if o.id in self.correct_option_ids)


@dataclasses.dataclass(frozen=True, kw_only=True)
class SingleChoiceQuestion(ChoiceQuestion):
    kind: ClassVar[QuestionType] = QuestionType.SINGLE_CHOICE

    def _check_correct_count(self) -> None:
        if len(self.correct_option_ids) != 1:
            raise InvalidInput(
                "quiz.single_choice_needs_one_correct",
                "a single-answer question has exactly one correct option",
                {"field": "correct_option_ids"},
            )

    @classmethod
    def create(
        cls,
        *,
        prompt: str,
        options: Sequence[str],
        correct: int,
        points: int = 1,
        explanation: str = "",
        keep_option_order: bool = False,
    ) -> SingleChoiceQuestion:
        """Options from texts (fresh ids); ``correct`` is an index into ``options``."""
        built = tuple(Option(text=t) for t in options)
        return cls(
            prompt=prompt,
            options=built,
            correct_option_ids=frozenset(_ids_at(built, [correct])),
            points=points,
            explanation=explanation,
            keep_option_order=keep_option_order,
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class MultipleChoiceQuestion(ChoiceQuestion):
    kind: ClassVar[QuestionType] = QuestionType.MULTIPLE_CHOICE

    def _check_correct_count(self) -> None:
        if not self.correct_option_ids:
            raise InvalidInput(
                "quiz.multiple_choice_needs_correct",
                "a multiple-answer question has at least one correct option",
                {"field": "correct_option_ids"},
            )

    @classmethod
    def create(
        cls,
        *,
        prompt: str,
        options: Sequence[str],
        correct: Iterable[int],
        points: int = 1,
        explanation: str = "",
        keep_option_order: bool = False,
    ) -> MultipleChoiceQuestion:
        """Options from texts (fresh ids); ``correct`` are indexes into ``options``."""
        built = tuple(Option(text=t) for t in options)
        return cls(
            prompt=prompt,
            options=built,
            correct_option_ids=frozenset(_ids_at(built, correct)),
            points=points,
            explanation=explanation,
            keep_option_order=keep_option_order,
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class TrueFalseQuestion(_QuestionBase):
    kind: ClassVar[QuestionType] = QuestionType.TRUE_FALSE

    correct_answer: bool

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_bool(self.correct_answer, "correct_answer")


@dataclasses.dataclass(frozen=True, kw_only=True)
class ShortAnswerQuestion(_QuestionBase):
    """Typed answer compared with ``accepted_answers`` (see the module docstring for the key)."""

    kind: ClassVar[QuestionType] = QuestionType.SHORT_ANSWER

    accepted_answers: tuple[str, ...]
    case_sensitive: bool = False
    whitespace: WhitespaceRule = WhitespaceRule.COLLAPSE
    unicode_folding: bool = True  # NFKC instead of NFC
    ignore_marks: bool = False  # drop combining marks (niqqud, diacritics)

    def __post_init__(self) -> None:
        super().__post_init__()
        for flag in ("case_sensitive", "unicode_folding", "ignore_marks"):
            _check_bool(getattr(self, flag), flag)
        _set(self, "whitespace", _enum(WhitespaceRule, self.whitespace, "whitespace"))
        if isinstance(self.accepted_answers, str):
            raise InvalidInput(
                "quiz.accepted_answer_invalid", "accepted answers are a list of texts", {"field": "accepted_answers"}
            )
        answers = tuple(
            _clean_text(a, field="accepted_answer", max_length=ACCEPTED_ANSWER_MAX_LENGTH)
            for a in self.accepted_answers
        )
        _set(self, "accepted_answers", answers)
        if not answers:
            raise InvalidInput(
                "quiz.accepted_answers_empty", "give at least one accepted answer", {"field": "accepted_answers"}
            )
        if len(answers) > MAX_ACCEPTED_ANSWERS:
            raise InvalidInput(
                "quiz.too_many_accepted_answers",
                f"give at most {MAX_ACCEPTED_ANSWERS} accepted answers",
                {"field": "accepted_answers", "max": MAX_ACCEPTED_ANSWERS},
            )
        keys: set[str] = set()
        for answer in answers:
            key = self.answer_key(answer)
            if not key:
                raise InvalidInput(
                    "quiz.accepted_answer_empty",
                    "an accepted answer is empty under the comparison rules",
                    {"field": "accepted_answers", "answer": answer},
                )
            if key in keys:
                raise InvalidInput(
                    "quiz.duplicate_accepted_answer",
                    "two accepted answers are the same under the comparison rules",
                    {"field": "accepted_answers", "answer": answer},
                )
            keys.add(key)

    def answer_key(self, text: str) -> str:
        """What is compared: ``text`` normalised by this question's rules."""
        form: Literal["NFC", "NFKC"] = "NFKC" if self.unicode_folding else "NFC"
        value = unicodedata.normalize(form, text)
        value = "".join(ch for ch in value if unicodedata.category(ch) != "Cf")
        if not self.case_sensitive:
            value = unicodedata.normalize(form, value.casefold())
        if self.ignore_marks:
            decomposed = unicodedata.normalize("NFKD" if self.unicode_folding else "NFD", value)
            value = unicodedata.normalize(form, "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn"))
        if self.whitespace == WhitespaceRule.TRIM:
            return value.strip()
        if self.whitespace == WhitespaceRule.COLLAPSE:
            return " ".join(value.split())
        return "".join(value.split())

    def matches(self, answer: str) -> bool:
        key = self.answer_key(answer)
        return bool(key) and any(key == self.answer_key(a) for a in self.accepted_answers)


@dataclasses.dataclass(frozen=True, kw_only=True)
class EssayQuestion(_QuestionBase):
    """Graded by an instructor; ``rubric`` guides the grader (not shown to learners)."""

    kind: ClassVar[QuestionType] = QuestionType.ESSAY

    rubric: str = ""
    max_words: int | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        _set(
            self,
            "rubric",
            _clean_text(self.rubric, field="rubric", max_length=TEXT_MAX_LENGTH, multiline=True, required=False),
        )
        if self.max_words is not None and not _int_in(self.max_words, 1, MAX_WORDS_LIMIT):
            raise InvalidInput(
                "quiz.max_words_invalid",
                f"max words is 1 to {MAX_WORDS_LIMIT}, or none",
                {"field": "max_words", "max": MAX_WORDS_LIMIT},
            )


Question: TypeAlias = (
    SingleChoiceQuestion | MultipleChoiceQuestion | TrueFalseQuestion | ShortAnswerQuestion | EssayQuestion
)


# -- pools and quizzes -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class QuestionPool:
    """One slot of a quiz: ``draw_count`` questions drawn at random from ``questions``. All
    questions of a pool carry the same points, so every draw is worth the same."""

    id: uuid.UUID = dataclasses.field(default_factory=new_id)
    title: str = ""  # for instructors ("Loops, easy")
    questions: tuple[Question, ...]
    draw_count: int

    def __post_init__(self) -> None:
        _check_id(self.id, "pool")
        _set(
            self,
            "title",
            _clean_text(self.title, field="pool_title", max_length=TITLE_MAX_LENGTH, required=False),
        )
        questions = tuple(self.questions)
        _set(self, "questions", questions)
        if not questions:
            raise InvalidInput("quiz.pool_empty", "a pool needs at least one question", {"pool_id": str(self.id)})
        if not all(isinstance(q, _QuestionBase) for q in questions):
            raise InvalidInput("quiz.item_invalid", "a pool holds questions only", {"pool_id": str(self.id)})
        if not _int_in(self.draw_count, 1, MAX_QUESTIONS):
            raise InvalidInput(
                "quiz.pool_draw_invalid", "draw at least one question from a pool", {"pool_id": str(self.id)}
            )
        if self.draw_count > len(questions):
            raise InvalidInput(
                "quiz.pool_draw_too_large",
                "a pool cannot draw more questions than it holds",
                {"pool_id": str(self.id), "draw_count": self.draw_count, "size": len(questions)},
            )
        _check_unique_ids(questions)
        if len({q.points for q in questions}) != 1:
            raise InvalidInput(
                "quiz.pool_points_differ",
                "all questions of a pool must carry the same points",
                {"pool_id": str(self.id), "points": sorted({q.points for q in questions})},
            )

    @property
    def points_per_question(self) -> int:
        return self.questions[0].points

    @property
    def total_points(self) -> int:
        return self.draw_count * self.points_per_question


QuizItem: TypeAlias = Question | QuestionPool


@dataclasses.dataclass(frozen=True, kw_only=True)
class Quiz:
    """A complete quiz, as frozen into a revision. Always has at least one item, so its
    ``total_points`` is positive."""

    id: uuid.UUID = dataclasses.field(default_factory=new_id)
    title: str
    instructions: str = ""
    settings: QuizSettings = dataclasses.field(default_factory=QuizSettings)
    items: tuple[QuizItem, ...]

    def __post_init__(self) -> None:
        _check_id(self.id, "quiz")
        _set(self, "title", _clean_title(self.title))
        _set(self, "instructions", _clean_instructions(self.instructions))
        if not isinstance(self.settings, QuizSettings):
            raise InvalidInput("quiz.settings_invalid", "settings must be QuizSettings", {"field": "settings"})
        items = tuple(self.items)
        _set(self, "items", items)
        if not items:
            raise InvalidInput("quiz.empty", "a quiz needs at least one question", {"quiz_id": str(self.id)})
        _check_items(items)

    @property
    def questions(self) -> tuple[Question, ...]:
        """Every question, fixed and pooled, in authoring order."""
        return tuple(_all_questions(self.items))

    @property
    def questions_per_attempt(self) -> int:
        return sum(item.draw_count if isinstance(item, QuestionPool) else 1 for item in self.items)

    @property
    def total_points(self) -> int:
        """Maximum score of any attempt (equal to ``max_points(draw(self, rng))`` for every rng)."""
        return sum(item.total_points if isinstance(item, QuestionPool) else item.points for item in self.items)


@dataclasses.dataclass(kw_only=True)
class QuizDraft:
    """A quiz being edited. May be empty; otherwise obeys every rule a ``Quiz`` does.

    Item operations address top-level items (questions and pools) by id; positions are 0-based.
    Edit a pool by replacing it (``dataclasses.replace(pool, questions=..., draw_count=...)``),
    or change a question wherever it lives with ``replace_question``.
    """

    id: uuid.UUID = dataclasses.field(default_factory=new_id)
    title: str
    instructions: str = ""
    settings: QuizSettings = dataclasses.field(default_factory=QuizSettings)
    items: list[QuizItem] = dataclasses.field(default_factory=list)

    def __post_init__(self) -> None:
        _check_id(self.id, "quiz")
        self.title = _clean_title(self.title)
        self.instructions = _clean_instructions(self.instructions)
        self.items = list(self.items)
        _check_items(self.items)

    @classmethod
    def from_quiz(cls, quiz: Quiz) -> QuizDraft:
        """Start editing a frozen quiz (e.g. rolling back to an old revision)."""
        return cls(
            id=quiz.id, title=quiz.title, instructions=quiz.instructions, settings=quiz.settings, items=list(quiz.items)
        )

    def freeze(self) -> Quiz:
        """The complete quiz; ``quiz.empty`` while the draft has no items."""
        return Quiz(
            id=self.id,
            title=self.title,
            instructions=self.instructions,
            settings=self.settings,
            items=tuple(self.items),
        )

    def rename(self, title: str) -> None:
        self.title = _clean_title(title)

    def set_instructions(self, instructions: str) -> None:
        self.instructions = _clean_instructions(instructions)

    def update_settings(self, settings: QuizSettings) -> None:
        if not isinstance(settings, QuizSettings):
            raise InvalidInput("quiz.settings_invalid", "settings must be QuizSettings", {"field": "settings"})
        self.settings = settings

    def item(self, item_id: uuid.UUID) -> QuizItem:
        return self.items[self._index(item_id)]

    def add(self, item: QuizItem, *, position: int | None = None) -> None:
        """Insert a question or pool at ``position`` (default: at the end)."""
        index = len(self.items) if position is None else _position(position, len(self.items))
        self._commit([*self.items[:index], item, *self.items[index:]])

    def replace(self, item: QuizItem) -> None:
        """Swap the top-level item that has ``item.id`` for ``item``, in place."""
        index = self._index(item.id)
        self._commit([*self.items[:index], item, *self.items[index + 1 :]])

    def replace_question(self, question: Question) -> None:
        """Swap the question with ``question.id``, top-level or inside a pool."""
        for index, item in enumerate(self.items):
            if isinstance(item, QuestionPool) and any(q.id == question.id for q in item.questions):
                pooled = tuple(question if q.id == question.id else q for q in item.questions)
                new_item: QuizItem = dataclasses.replace(item, questions=pooled)
            elif item.id == question.id and not isinstance(item, QuestionPool):
                new_item = question
            else:
                continue
            self._commit([*self.items[:index], new_item, *self.items[index + 1 :]])
            return
        raise _item_not_found(question.id)

    def remove(self, item_id: uuid.UUID) -> QuizItem:
        index = self._index(item_id)
        removed = self.items[index]
        self.items = [*self.items[:index], *self.items[index + 1 :]]
        return removed

    def move(self, item_id: uuid.UUID, position: int) -> None:
        """Move an item so that it ends up at ``position`` (0 .. len - 1)."""
        index = self._index(item_id)
        target = _position(position, len(self.items) - 1)
        rest = [*self.items[:index], *self.items[index + 1 :]]
        self.items = [*rest[:target], self.items[index], *rest[target:]]

    def reorder(self, item_ids: Sequence[uuid.UUID]) -> None:
        """Put items in the given order; every item id exactly once."""
        by_id = {item.id: item for item in self.items}
        if len(item_ids) != len(by_id) or set(item_ids) != set(by_id):
            raise InvalidInput("quiz.reorder_mismatch", "give every item id exactly once", {"field": "item_ids"})
        self.items = [by_id[i] for i in item_ids]

    def to_dict(self) -> dict[str, Any]:
        return _quiz_dict(self.id, self.title, self.instructions, self.settings, self.items)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QuizDraft:
        parts = _parse_quiz(data)
        return cls(
            id=parts.id, title=parts.title, instructions=parts.instructions, settings=parts.settings, items=parts.items
        )

    def _index(self, item_id: uuid.UUID) -> int:
        for index, item in enumerate(self.items):
            if item.id == item_id:
                return index
        raise _item_not_found(item_id)

    def _commit(self, items: list[QuizItem]) -> None:
        _check_items(items)
        self.items = items


# -- drawing and grading ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class GradeResult:
    """``correct``: True only for a fully correct answer; None while it awaits manual grading."""

    points_awarded: Fraction
    max_points: int
    needs_manual: bool
    correct: bool | None


# A learner's answer: single choice -> option id; multiple choice -> set of option ids;
# true/false -> bool; short answer and essay -> text; None -> not answered.
Answer: TypeAlias = uuid.UUID | AbstractSet[uuid.UUID] | bool | str | None


def draw(quiz: Quiz, rng: random.Random) -> list[Question]:
    """The concrete questions of one attempt: pools sampled (kept in authoring order), then the
    questions shuffled and each choice question's options shuffled, as the settings say."""
    drawn: list[Question] = []
    for item in quiz.items:
        if isinstance(item, QuestionPool):
            picked = sorted(rng.sample(range(len(item.questions)), item.draw_count))
            drawn.extend(item.questions[i] for i in picked)
        else:
            drawn.append(item)
    if quiz.settings.shuffle_questions:
        rng.shuffle(drawn)
    if quiz.settings.shuffle_options:
        drawn = [_shuffle_options(q, rng) for q in drawn]
    return drawn


def max_points(questions: Iterable[Question]) -> int:
    return sum(q.points for q in questions)


def grade(question: Question, answer: Answer) -> GradeResult:
    """Grade one answer (rules in the module docstring). Never raises on a bad answer."""
    if isinstance(question, EssayQuestion):
        if not isinstance(answer, str) or not answer.strip():
            return _all_or_nothing(question, ok=False)
        return GradeResult(Fraction(0), question.points, needs_manual=True, correct=None)
    if isinstance(question, SingleChoiceQuestion):
        return _all_or_nothing(question, ok=isinstance(answer, uuid.UUID) and answer in question.correct_option_ids)
    if isinstance(question, MultipleChoiceQuestion):
        return _grade_multiple(question, answer)
    if isinstance(question, TrueFalseQuestion):
        return _all_or_nothing(question, ok=isinstance(answer, bool) and answer == question.correct_answer)
    if isinstance(question, ShortAnswerQuestion):
        ok = isinstance(answer, str) and len(answer) <= SHORT_ANSWER_MAX_LENGTH and question.matches(answer)
        return _all_or_nothing(question, ok=ok)
    assert_never(question)


def count_words(text: str) -> int:
    """Words as whitespace-separated runs (fine for Latin, Cyrillic and Hebrew scripts)."""
    return len(text.split())


def parse_answer(question: Question, raw: object) -> Answer:
    """Check a learner's answer as sent by a client (JSON: option ids as strings) and type it.

    Raises ``quiz.answer_invalid`` (wrong shape), ``quiz.answer_unknown_option``,
    ``quiz.answer_too_long`` or ``quiz.answer_too_many_words``. ``None`` means not answered.
    """
    if isinstance(question, ChoiceQuestion):
        known = {o.id for o in question.options}
        if isinstance(question, SingleChoiceQuestion):
            if raw is None:
                return None
            option_id = _answer_id(raw, question)
            if option_id not in known:
                raise _unknown_option(question, [option_id])
            return option_id
        if raw is None:
            return frozenset()
        if not isinstance(raw, (list, tuple, set, frozenset)):
            raise _answer_invalid(question, "a list of option ids")
        chosen = frozenset(_answer_id(r, question) for r in raw)
        if chosen - known:
            raise _unknown_option(question, sorted(chosen - known))
        return chosen
    if isinstance(question, TrueFalseQuestion):
        if raw is None or isinstance(raw, bool):
            return raw
        raise _answer_invalid(question, "true or false")
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise _answer_invalid(question, "text")
    limit = SHORT_ANSWER_MAX_LENGTH if isinstance(question, ShortAnswerQuestion) else ESSAY_MAX_LENGTH
    if len(raw) > limit:
        raise InvalidInput(
            "quiz.answer_too_long",
            f"the answer is longer than {limit} characters",
            {"question_id": str(question.id), "max_length": limit},
        )
    if isinstance(question, EssayQuestion) and question.max_words is not None and count_words(raw) > question.max_words:
        raise InvalidInput(
            "quiz.answer_too_many_words",
            f"the answer is longer than {question.max_words} words",
            {"question_id": str(question.id), "max_words": question.max_words},
        )
    return raw


def answer_to_json(answer: Answer) -> str | bool | list[str] | None:
    """JSON-safe form of an answer; ``parse_answer`` reads it back (option id sets sorted)."""
    if answer is None or isinstance(answer, (bool, str)):
        return answer
    if isinstance(answer, uuid.UUID):
        return str(answer)
    return sorted(str(i) for i in answer)


# -- JSON ------------------------------------------------------------------------------------------


def to_dict(quiz: Quiz) -> dict[str, Any]:
    """JSON-safe snapshot of a quiz; ``from_dict(to_dict(q)) == q``."""
    return _quiz_dict(quiz.id, quiz.title, quiz.instructions, quiz.settings, quiz.items)


def from_dict(data: Mapping[str, Any]) -> Quiz:
    """Rebuild (and fully validate) a quiz. Missing optional keys take their defaults; unknown
    keys and wrong types raise ``quiz.malformed`` (``details["path"]`` says where)."""
    parts = _parse_quiz(data)
    return Quiz(
        id=parts.id,
        title=parts.title,
        instructions=parts.instructions,
        settings=parts.settings,
        items=tuple(parts.items),
    )


def question_to_dict(question: Question) -> dict[str, Any]:
    """JSON-safe form of one question (attempts store their drawn, shuffled questions this way)."""
    data: dict[str, Any] = {
        "type": question.kind.value,
        "id": str(question.id),
        "prompt": question.prompt,
        "points": question.points,
        "explanation": question.explanation,
    }
    if isinstance(question, ChoiceQuestion):
        data["options"] = [{"id": str(o.id), "text": o.text} for o in question.options]
        data["correct_option_ids"] = [str(o.id) for o in question.correct_options]
        data["keep_option_order"] = question.keep_option_order
    elif isinstance(question, TrueFalseQuestion):
        data["correct_answer"] = question.correct_answer
    elif isinstance(question, ShortAnswerQuestion):
        data["accepted_answers"] = list(question.accepted_answers)
        data["case_sensitive"] = question.case_sensitive
        data["whitespace"] = question.whitespace.value
        data["unicode_folding"] = question.unicode_folding
        data["ignore_marks"] = question.ignore_marks
    else:
        data["rubric"] = question.rubric
        data["max_words"] = question.max_words
    return data


def question_from_dict(data: Mapping[str, Any]) -> Question:
    return _parse_question(data, "question")


def _quiz_dict(
    quiz_id: uuid.UUID, title: str, instructions: str, settings: QuizSettings, items: Sequence[QuizItem]
) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "id": str(quiz_id),
        "title": title,
        "instructions": instructions,
        "settings": {
            "shuffle_questions": settings.shuffle_questions,
            "shuffle_options": settings.shuffle_options,
            "time_limit_seconds": settings.time_limit_seconds,
            "attempts_allowed": settings.attempts_allowed,
            "passing_score": settings.passing_score,
            "scoring_policy": settings.scoring_policy.value,
            "review_policy": settings.review_policy.value,
        },
        "items": [_item_dict(item) for item in items],
    }


def _item_dict(item: QuizItem) -> dict[str, Any]:
    if isinstance(item, QuestionPool):
        return {
            "type": "pool",
            "id": str(item.id),
            "title": item.title,
            "draw_count": item.draw_count,
            "questions": [question_to_dict(q) for q in item.questions],
        }
    return question_to_dict(item)


@dataclasses.dataclass(frozen=True)
class _QuizParts:
    id: uuid.UUID
    title: str
    instructions: str
    settings: QuizSettings
    items: list[QuizItem]


class _Missing(enum.Enum):
    MISSING = enum.auto()


_MISSING = _Missing.MISSING


class _Reader:
    """Typed access to one JSON object, with the path of each value for error messages."""

    def __init__(self, data: object, path: str) -> None:
        if not isinstance(data, Mapping):
            raise _malformed(path, "an object")
        self.data: Mapping[Any, Any] = data
        self.path = path
        self.seen: set[str] = set()

    def value(self, key: str, default: object = _MISSING) -> object:
        self.seen.add(key)
        if key in self.data:
            return self.data[key]
        if default is _MISSING:
            raise _malformed(f"{self.path}.{key}", "a value (missing)")
        return default

    def text(self, key: str, default: str | _Missing = _MISSING) -> str:
        value = self.value(key, default)
        if not isinstance(value, str):
            raise _malformed(f"{self.path}.{key}", "text")
        return value

    def boolean(self, key: str, default: bool | _Missing = _MISSING) -> bool:
        value = self.value(key, default)
        if not isinstance(value, bool):
            raise _malformed(f"{self.path}.{key}", "true or false")
        return value

    def integer(self, key: str, default: int | _Missing = _MISSING) -> int:
        value = self.value(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _malformed(f"{self.path}.{key}", "a whole number")
        return value

    def optional_integer(self, key: str) -> int | None:
        value = self.value(key, None)
        if value is None:
            return None
        return self.integer(key)

    def ident(self, key: str) -> uuid.UUID:
        return _parse_uuid(self.value(key), f"{self.path}.{key}")

    def array(self, key: str, default: list[Any] | _Missing = _MISSING) -> list[Any]:
        value = self.value(key, default)
        if not isinstance(value, (list, tuple)):
            raise _malformed(f"{self.path}.{key}", "a list")
        return list(value)

    def done(self) -> None:
        unknown = sorted(str(k) for k in self.data if k not in self.seen)
        if unknown:
            raise _malformed(f"{self.path}.{unknown[0]}", "no such key (unknown)")


def _parse_quiz(data: Mapping[str, Any]) -> _QuizParts:
    reader = _Reader(data, "quiz")
    version = reader.integer("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise InvalidInput(
            "quiz.schema_unsupported",
            f"quiz schema version {version} is not supported",
            {"schema_version": version, "supported": SCHEMA_VERSION},
        )
    parts = _QuizParts(
        id=reader.ident("id"),
        title=reader.text("title"),
        instructions=reader.text("instructions", ""),
        settings=_parse_settings(reader.value("settings", {}), "quiz.settings"),
        items=[_parse_item(raw, f"quiz.items[{i}]") for i, raw in enumerate(reader.array("items", []))],
    )
    reader.done()
    return parts


def _parse_settings(data: object, path: str) -> QuizSettings:
    reader = _Reader(data, path)
    settings = QuizSettings(
        shuffle_questions=reader.boolean("shuffle_questions", False),
        shuffle_options=reader.boolean("shuffle_options", False),
        time_limit_seconds=reader.optional_integer("time_limit_seconds"),
        attempts_allowed=reader.optional_integer("attempts_allowed"),
        passing_score=reader.integer("passing_score", 0),
        scoring_policy=_enum(ScoringPolicy, reader.text("scoring_policy", ScoringPolicy.BEST.value), "scoring_policy"),
        review_policy=_enum(
            ReviewPolicy, reader.text("review_policy", ReviewPolicy.AFTER_SUBMIT.value), "review_policy"
        ),
    )
    reader.done()
    return settings


def _parse_item(data: object, path: str) -> QuizItem:
    if isinstance(data, Mapping) and data.get("type") == "pool":
        reader = _Reader(data, path)
        reader.text("type")
        pool = QuestionPool(
            id=reader.ident("id"),
            title=reader.text("title", ""),
            draw_count=reader.integer("draw_count"),
            questions=tuple(
                _parse_question(raw, f"{path}.questions[{i}]") for i, raw in enumerate(reader.array("questions"))
            ),
        )
        reader.done()
        return pool
    return _parse_question(data, path)


def _parse_question(data: object, path: str) -> Question:
    reader = _Reader(data, path)
    kind = reader.text("type")
    if kind not in set(QuestionType):
        raise _malformed(f"{path}.type", f"one of {', '.join(QuestionType)}")
    common: dict[str, Any] = {
        "id": reader.ident("id"),
        "prompt": reader.text("prompt"),
        "points": reader.integer("points", 1),
        "explanation": reader.text("explanation", ""),
    }
    question: Question
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
        options = []
        for i, raw in enumerate(reader.array("options")):
            option_reader = _Reader(raw, f"{path}.options[{i}]")
            options.append(Option(id=option_reader.ident("id"), text=option_reader.text("text")))
            option_reader.done()
        correct = frozenset(
            _parse_uuid(raw, f"{path}.correct_option_ids[{i}]")
            for i, raw in enumerate(reader.array("correct_option_ids"))
        )
        choice_class = SingleChoiceQuestion if kind == QuestionType.SINGLE_CHOICE else MultipleChoiceQuestion
        question = choice_class(
            **common,
            options=tuple(options),
            correct_option_ids=correct,
            keep_option_order=reader.boolean("keep_option_order", False),
        )
    elif kind == QuestionType.TRUE_FALSE:
        question = TrueFalseQuestion(**common, correct_answer=reader.boolean("correct_answer"))
    elif kind == QuestionType.SHORT_ANSWER:
        accepted = reader.array("accepted_answers")
        for i, raw in enumerate(accepted):
            if not isinstance(raw, str):
                raise _malformed(f"{path}.accepted_answers[{i}]", "text")
        question = ShortAnswerQuestion(
            **common,
            accepted_answers=tuple(accepted),
            case_sensitive=reader.boolean("case_sensitive", False),
            whitespace=_enum(WhitespaceRule, reader.text("whitespace", WhitespaceRule.COLLAPSE.value), "whitespace"),
            unicode_folding=reader.boolean("unicode_folding", True),
            ignore_marks=reader.boolean("ignore_marks", False),
        )
    else:
        question = EssayQuestion(
            **common, rubric=reader.text("rubric", ""), max_words=reader.optional_integer("max_words")
        )
    reader.done()
    return question


# -- helpers -----------------------------------------------------------------------------------------


def _set(obj: object, name: str, value: object) -> None:
    """Assign during ``__post_init__`` of a frozen dataclass (normalised values)."""
    object.__setattr__(obj, name, value)


def _int_in(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _check_bool(value: object, field: str) -> None:
    if not isinstance(value, bool):
        raise InvalidInput(f"quiz.{field}_invalid", f"{field} must be true or false", {"field": field})


def _check_id(value: object, what: str) -> None:
    if not isinstance(value, uuid.UUID):
        raise InvalidInput("quiz.id_invalid", f"the {what} id must be a UUID", {"field": f"{what}_id"})


def _enum(cls: type[_E], value: object, field: str) -> _E:
    try:
        if isinstance(value, str):
            return cls(value)
    except ValueError:
        pass
    allowed = [member.value for member in cls]
    raise InvalidInput(
        f"quiz.{field}_invalid", f"{field} is one of {', '.join(allowed)}", {"field": field, "allowed": allowed}
    )


def _clean_title(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInput("quiz.title_invalid", "title must be text", {"field": "title"})
    return clean_name(value, field="title", max_length=TITLE_MAX_LENGTH, code_prefix="quiz")


def _clean_instructions(value: object) -> str:
    return _clean_text(value, field="instructions", max_length=TEXT_MAX_LENGTH, multiline=True, required=False)


def _clean_text(value: object, *, field: str, max_length: int, multiline: bool = False, required: bool = True) -> str:
    """NFC, newlines as ``\\n``, ends trimmed (inner whitespace kept: code snippets); rejects
    control characters (tabs and newlines allowed when ``multiline``) and lone surrogates."""
    if not isinstance(value, str):
        raise InvalidInput(f"quiz.{field}_invalid", f"{field} must be text", {"field": field})
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if required and not text:
        raise InvalidInput(f"quiz.{field}_empty", f"{field} must not be empty", {"field": field})
    if len(text) > max_length:
        raise InvalidInput(
            f"quiz.{field}_too_long",
            f"{field} must be at most {max_length} characters",
            {"field": field, "max_length": max_length},
        )
    allowed = ("\n", "\t") if multiline else ()
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in allowed for ch in text):
        raise InvalidInput(f"quiz.{field}_invalid", f"{field} contains control characters", {"field": field})
    return text


def _ids_at(options: Sequence[Option], indexes: Iterable[int]) -> list[uuid.UUID]:
    ids = []
    for index in indexes:
        if not _int_in(index, 0, len(options) - 1):
            raise InvalidInput(
                "quiz.correct_option_unknown",
                "the correct answer must be one of the options",
                {"field": "correct", "index": index},
            )
        ids.append(options[index].id)
    return ids


def _all_questions(items: Iterable[QuizItem]) -> list[Question]:
    out: list[Question] = []
    for item in items:
        if isinstance(item, QuestionPool):
            out.extend(item.questions)
        else:
            out.append(item)
    return out


def _check_unique_ids(values: Iterable[QuizItem]) -> None:
    seen: set[uuid.UUID] = set()
    for value in values:
        if value.id in seen:
            raise InvalidInput("quiz.duplicate_id", "question and pool ids must be unique", {"id": str(value.id)})
        seen.add(value.id)


def _check_items(items: Sequence[QuizItem]) -> None:
    for item in items:
        if not isinstance(item, (_QuestionBase, QuestionPool)):
            raise InvalidInput("quiz.item_invalid", "a quiz holds questions and pools", {"field": "items"})
    questions = _all_questions(items)
    _check_unique_ids([*(item for item in items if isinstance(item, QuestionPool)), *questions])
    if len(questions) > MAX_QUESTIONS:
        raise InvalidInput(
            "quiz.too_many_questions",
            f"a quiz holds at most {MAX_QUESTIONS} questions",
            {"max": MAX_QUESTIONS, "count": len(questions)},
        )


def _position(position: int, last: int) -> int:
    if not _int_in(position, 0, max(last, 0)):
        raise InvalidInput("quiz.position_invalid", f"position is 0 to {last}", {"field": "position", "max": last})
    return position


def _item_not_found(item_id: uuid.UUID) -> NotFound:
    return NotFound("quiz.item_not_found", "no question or pool has this id", {"item_id": str(item_id)})


def _shuffle_options(question: Question, rng: random.Random) -> Question:
    if not isinstance(question, ChoiceQuestion) or question.keep_option_order:
        return question
    options = list(question.options)
    rng.shuffle(options)
    return dataclasses.replace(question, options=tuple(options))


def _all_or_nothing(question: Question, *, ok: bool) -> GradeResult:
    awarded = Fraction(question.points) if ok else Fraction(0)
    return GradeResult(awarded, question.points, needs_manual=False, correct=ok)


def _grade_multiple(question: MultipleChoiceQuestion, answer: Answer) -> GradeResult:
    if not isinstance(answer, (AbstractSet, list, tuple)):
        return _all_or_nothing(question, ok=False)
    known = {o.id for o in question.options}
    chosen = {a for a in answer if isinstance(a, uuid.UUID) and a in known}
    right = question.correct_option_ids
    wrong = known - right
    fraction = Fraction(len(chosen & right), len(right))
    if wrong:
        fraction -= Fraction(len(chosen - right), len(wrong))
    fraction = max(fraction, Fraction(0))
    return GradeResult(fraction * question.points, question.points, needs_manual=False, correct=chosen == right)


def _answer_id(raw: object, question: Question) -> uuid.UUID:
    if isinstance(raw, uuid.UUID):
        return raw
    if isinstance(raw, str):
        try:
            return uuid.UUID(raw)
        except ValueError:
            pass
    raise _answer_invalid(question, "an option id")


def _answer_invalid(question: Question, expected: str) -> InvalidInput:
    return InvalidInput(
        "quiz.answer_invalid",
        f"the answer must be {expected}",
        {"question_id": str(question.id), "expected": expected},
    )


def _unknown_option(question: Question, ids: Iterable[uuid.UUID]) -> InvalidInput:
    return InvalidInput(
        "quiz.answer_unknown_option",
        "the answer names an option this question does not have",
        {"question_id": str(question.id), "option_ids": [str(i) for i in ids]},
    )


def _parse_uuid(value: object, path: str) -> uuid.UUID:
    if isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    raise _malformed(path, "a UUID string")


def _malformed(path: str, expected: str) -> InvalidInput:
    return InvalidInput("quiz.malformed", f"{path}: expected {expected}", {"path": path, "expected": expected})
