from __future__ import annotations

import datetime as dt
import uuid

import pytest

from core.catalog.domain import quizzes
from core.catalog.domain.course import Course, CourseStatus
from core.catalog.domain.revisions import diff
from core.shared.errors import Conflict, InvalidInput, NotFound
from core.shared.money import Money

NOW = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
OWNER, OTHER, ADMIN = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


QUIZ = quizzes.to_dict(
    quizzes.Quiz(
        title="Check yourself",
        items=(quizzes.SingleChoiceQuestion.create(prompt="2 + 2?", options=["3", "4"], correct=1),),
    )
)


def course_with_content() -> Course:
    course = Course.create(title="Python для начинающих", owner_id=OWNER, now=NOW, language="ru")
    intro = course.add_section("Введение", NOW)
    basics = course.add_section("Basics", NOW)
    video = course.add_lesson(intro.id, "Welcome", "video", NOW, media_key="videos/abc", free_preview=True)
    course.add_lesson(basics.id, "Variables", "article", NOW, article_html="<p>x = 1</p>", drip_days=3)
    course.add_lesson(basics.id, "Check yourself", "quiz", NOW, quiz=QUIZ)
    course.set_objectives([("Write a script", [video.id])], NOW)
    course.set_price(Money(4900, "USD"), {"ILS": 17900}, NOW)
    course.update_details(NOW, difficulty="beginner", tags=["Python", "python", "Basics"], duration_minutes=90)
    return course


def test_a_new_course_is_a_draft_with_a_unicode_slug() -> None:
    course = Course.create(title="Python для начинающих", owner_id=OWNER, now=NOW)
    assert course.status == CourseStatus.DRAFT and course.slug == "python-для-начинающих"
    assert course.live_revision is None


def test_workflow_draft_review_publish_archive_unarchive() -> None:
    course = course_with_content()
    course.submit_for_review(NOW)
    assert course.status == CourseStatus.IN_REVIEW
    with pytest.raises(Conflict):
        course.ensure_editable_by(OWNER, is_admin=False)  # frozen while in review
    course.reject(reviewer_id=ADMIN, reason="Add a summary", now=NOW)
    assert course.status == CourseStatus.DRAFT and course.review_note == "Add a summary"
    course.submit_for_review(NOW)
    course.approve(reviewer_id=ADMIN, now=NOW)
    assert (course.status, course.live_revision) == (CourseStatus.PUBLISHED, 1)
    course.archive(NOW)
    course.unarchive(NOW)
    assert course.status == CourseStatus.DRAFT and course.live_revision is None


@pytest.mark.parametrize(
    ("setup", "action"),
    [
        ([], "approve"),
        ([], "reject"),
        (["submit"], "submit"),
        (["submit"], "archive"),
        ([], "unarchive"),
    ],
)
def test_transitions_outside_the_workflow_are_refused(setup: list[str], action: str) -> None:
    course = course_with_content()
    for step in setup:
        course.submit_for_review(NOW) if step == "submit" else None
    call = {
        "approve": lambda: course.approve(reviewer_id=ADMIN, now=NOW),
        "reject": lambda: course.reject(reviewer_id=ADMIN, reason="no", now=NOW),
        "submit": lambda: course.submit_for_review(NOW),
        "archive": lambda: course.archive(NOW),
        "unarchive": lambda: course.unarchive(NOW),
    }[action]
    with pytest.raises(Conflict) as err:
        call()
    assert err.value.code == "course.invalid_transition"


def test_an_empty_course_cannot_be_submitted() -> None:
    with pytest.raises(InvalidInput):
        Course.create(title="Empty", owner_id=OWNER, now=NOW).submit_for_review(NOW)


def test_other_instructors_do_not_see_a_draft_and_co_instructors_may_edit() -> None:
    course = course_with_content()
    with pytest.raises(NotFound):
        course.ensure_editable_by(OTHER, is_admin=False)
    course.set_co_instructors([OTHER, OWNER], NOW)
    course.ensure_editable_by(OTHER, is_admin=False)
    assert course.co_instructor_ids == [OTHER]
    course.ensure_editable_by(ADMIN, is_admin=True)


def test_editing_after_publish_leaves_the_published_revision_unchanged() -> None:
    course = course_with_content()
    course.submit_for_review(NOW)
    published = course.approve(reviewer_id=ADMIN, now=NOW)
    frozen = repr(published)
    course.update_details(NOW, title="Python: a new edition")
    course.update_lesson(course.lessons()[0].id, NOW, title="Hello again")
    course.lessons()[2].quiz["title"] = "Changed"  # type: ignore[index]
    assert repr(published) == frozen
    assert published["title"] == "Python для начинающих"


def test_rollback_restores_an_old_revision_exactly() -> None:
    course = course_with_content()
    course.submit_for_review(NOW)
    revision_one = course.approve(reviewer_id=ADMIN, now=NOW)
    course.remove_section(course.sections[0].id, NOW)
    course.add_lesson(course.sections[0].id, "Extra", "assignment", NOW, assignment={"points": 10})
    course.set_price(None, {}, NOW)
    assert course.snapshot() != revision_one
    course.restore(revision_one, revision=1, now=NOW)
    assert course.snapshot() == revision_one
    assert course.status == CourseStatus.PUBLISHED and course.live_revision == 1


def test_clone_copies_content_with_fresh_ids_and_a_new_owner() -> None:
    source = course_with_content()
    twin = source.clone(owner_id=OTHER, now=NOW, slug="python-cohort-2")
    assert (twin.owner_id, twin.status, twin.slug) == (OTHER, CourseStatus.DRAFT, "python-cohort-2")
    assert [lesson.title for lesson in twin.lessons()] == [lesson.title for lesson in source.lessons()]
    assert not {lesson.id for lesson in twin.lessons()} & {lesson.id for lesson in source.lessons()}
    assert twin.objectives[0].lesson_ids == [twin.lessons()[0].id]
    twin.lessons()[2].quiz["title"] = "Mine now"  # type: ignore[index]
    assert source.lessons()[2].quiz["title"] == "Check yourself"  # type: ignore[index]


def test_diff_between_revisions_is_structured() -> None:
    course = course_with_content()
    before = course.snapshot()
    first, second = course.sections
    course.rename_section(second.id, "Fundamentals", NOW)
    course.move_lesson(second.lessons[0].id, first.id, 0, NOW)
    course.remove_lesson(second.lessons[0].id, NOW)  # the quiz
    course.update_details(NOW, subtitle="From zero")
    changes = {
        (c.kind, c.path.split("/")[-1] if "title" in c.path or c.kind != "changed" else c.path)
        for c in diff(before, course.snapshot())
    }
    kinds = sorted(c.kind for c in diff(before, course.snapshot()))
    assert kinds.count("removed") == 1 and kinds.count("moved") >= 1
    assert ("changed", "subtitle") in changes and ("changed", "title") in changes
    assert diff(course.snapshot(), course.snapshot()) == []


def test_content_rules() -> None:
    course = course_with_content()
    section = course.sections[0].id
    with pytest.raises(InvalidInput):
        course.add_lesson(section, "Bad", "podcast", NOW)
    with pytest.raises(InvalidInput):
        course.add_lesson(section, "Quiz in video", "video", NOW, quiz={})
    with pytest.raises(InvalidInput):
        course.update_details(NOW, prerequisite_ids=[course.id])
    with pytest.raises(InvalidInput):
        course.reorder_sections([course.sections[0].id], NOW)
    course.reorder_sections([s.id for s in reversed(course.sections)], NOW)
    assert course.sections[0].title == "Basics"
    assert course.tags == ["python", "basics"]


@pytest.mark.parametrize(
    ("amount", "currency", "code"),
    [
        (-1, "USD", "money.negative"),
        (10, "GBP", "money.currency"),
        (9.99, "USD", "money.amount"),
    ],
)
def test_money_is_whole_minor_units_in_supported_currencies(amount: object, currency: str, code: str) -> None:
    with pytest.raises(InvalidInput) as err:
        Money(amount, currency)  # type: ignore[arg-type]
    assert err.value.code == code


def test_a_broken_quiz_never_reaches_review() -> None:
    course = course_with_content()
    course.update_lesson(course.lessons()[2].id, NOW, quiz={"title": "no items"})
    with pytest.raises(InvalidInput) as err:
        course.submit_for_review(NOW)
    assert err.value.code.startswith("quiz.")
