"""The course use cases, from an instructor's first draft to the public catalog and back."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from core.catalog.application.authoring import (
    AddLesson,
    AddSection,
    CreateCourse,
    CreateCourseCommand,
    EditCourse,
    GetCourseForEditing,
    MoveLesson,
    RemoveLesson,
    RenameSection,
    ReorderSections,
    SetObjectives,
    SetPrice,
    UpdateDetails,
    UpdateLesson,
)
from core.catalog.application.cloning import CloneCourse, CloneCourseCommand
from core.catalog.application.course_revisions import (
    DiffRevisions,
    DiffRevisionsCommand,
    ListRevisions,
    RollBackCourse,
    RollBackCourseCommand,
)
from core.catalog.application.workflow import (
    ApproveCourse,
    ArchiveCourse,
    CourseCommand,
    RejectCourse,
    RejectCourseCommand,
    SubmitCourse,
    UnarchiveCourse,
)
from core.catalog.domain import course_events, quizzes
from core.catalog.domain.course import Course, CourseStatus
from core.identity.application.context import Principal
from core.identity.domain.roles import Role
from core.shared.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.shared.money import Money
from tests.fakes.courses import CourseWorld, principal

QUIZ = quizzes.to_dict(
    quizzes.Quiz(
        title="Check yourself",
        items=(quizzes.SingleChoiceQuestion.create(prompt="2 + 2?", options=["3", "4"], correct=1),),
    )
)


@pytest.fixture
def world() -> CourseWorld:
    return CourseWorld()


@pytest.fixture
def teacher() -> Principal:
    return principal(Role.INSTRUCTOR)


@pytest.fixture
def admin() -> Principal:
    return principal(Role.ADMIN)


class Scenario:
    """The use cases as the entrypoints would call them, plus a few shortcuts."""

    def __init__(self, w: CourseWorld) -> None:
        self.w = w
        self.create = CreateCourse(w.uow, w.clock, w.sanitizer)
        self.get = GetCourseForEditing(w.uow)
        self.edit = EditCourse(w.uow, w.clock, w.sanitizer)
        self.submit = SubmitCourse(w.uow, w.clock, w.auditor)
        self.approve = ApproveCourse(w.uow, w.clock, w.auditor, w.catalog_cache)
        self.reject = RejectCourse(w.uow, w.clock, w.auditor)
        self.archive = ArchiveCourse(w.uow, w.clock, w.auditor, w.catalog_cache)
        self.unarchive = UnarchiveCourse(w.uow, w.clock, w.auditor)
        self.revisions = ListRevisions(w.uow)
        self.diff = DiffRevisions(w.uow)
        self.rollback = RollBackCourse(w.uow, w.clock, w.auditor)
        self.clone = CloneCourse(w.uow, w.clock)

    async def draft(self, who: Principal, title: str = "Python for beginners") -> Course:
        course = await self.create(who, CreateCourseCommand(title, description_html="<p>Learn</p>"))
        await self.edit(who, AddSection(course.id, "Basics"))
        section = (await self.get(who, course.id)).sections[0]
        await self.edit(who, AddLesson(course.id, section.id, "Variables", "article", article_html="<p>x = 1</p>"))
        await self.edit(who, AddLesson(course.id, section.id, "Check", "quiz", quiz=QUIZ, free_preview=True))
        return await self.get(who, course.id)

    async def published(self, who: Principal, reviewer: Principal, title: str = "Python for beginners") -> Course:
        course = await self.draft(who, title)
        await self.submit(who, CourseCommand(course.id))
        await self.approve(reviewer, CourseCommand(course.id))
        return await self.get(who, course.id)


@pytest.fixture
def s(world: CourseWorld) -> Scenario:
    return Scenario(world)


# -- authoring ----------------------------------------------------------------------------------


async def test_instructor_creates_a_draft_with_a_sanitised_description(s: Scenario, teacher: Principal) -> None:
    course = await s.create(
        teacher,
        CreateCourseCommand("Python for beginners", description_html='<p onclick="x()">Hi</p><script>1</script>'),
    )

    stored = s.w.store.courses[course.id]
    assert stored.status == CourseStatus.DRAFT and stored.owner_id == teacher.user_id
    assert stored.description_html == "<p>Hi</p>"
    assert stored.slug == "python-for-beginners"
    assert [type(e) for e in s.w.events(course_events.CourseCreated)] == [course_events.CourseCreated]


async def test_a_taken_slug_gets_a_numbered_suffix(s: Scenario, teacher: Principal) -> None:
    slugs = [(await s.create(teacher, CreateCourseCommand("Python"))).slug for _ in range(3)]
    assert slugs == ["python", "python-2", "python-3"]


async def test_a_student_cannot_create_or_edit(s: Scenario, teacher: Principal) -> None:
    student = principal(Role.STUDENT)
    course = await s.draft(teacher)

    with pytest.raises(PermissionDenied):
        await s.create(student, CreateCourseCommand("Mine"))
    with pytest.raises(PermissionDenied):
        await s.edit(student, UpdateDetails(course.id, title="Hacked"))
    assert s.w.store.courses[course.id].title == "Python for beginners"


async def test_another_instructor_cannot_see_or_edit_the_draft(s: Scenario, teacher: Principal) -> None:
    course = await s.draft(teacher)
    stranger = principal(Role.INSTRUCTOR)

    with pytest.raises(NotFound):
        await s.get(stranger, course.id)
    with pytest.raises(NotFound):
        await s.edit(stranger, UpdateDetails(course.id, title="Mine now"))


async def test_admin_sees_and_edits_any_draft(s: Scenario, teacher: Principal, admin: Principal) -> None:
    course = await s.draft(teacher)
    edited = await s.edit(admin, UpdateDetails(course.id, subtitle="Fixed typo"))
    assert edited.subtitle == "Fixed typo"
    assert (await s.get(admin, course.id)).id == course.id


async def test_update_details_changes_only_the_fields_given(s: Scenario, teacher: Principal) -> None:
    course = await s.draft(teacher)
    await s.edit(teacher, UpdateDetails(course.id, cover_key="covers/a.png", capacity=30, tags=("Python",)))

    await s.edit(teacher, UpdateDetails(course.id, title="Python, properly", capacity=None))

    stored = s.w.store.courses[course.id]
    assert stored.title == "Python, properly"
    assert stored.capacity is None  # None is a value (unlimited), not "leave it"
    assert stored.cover_key == "covers/a.png" and stored.tags == ["python"]
    assert stored.description_html == "<p>Learn</p>"


async def test_every_edit_command_reaches_the_draft(s: Scenario, teacher: Principal) -> None:
    course = await s.draft(teacher)
    basics = course.sections[0]
    variables, check = basics.lessons

    await s.edit(teacher, AddSection(course.id, "Advanced"))
    advanced = (await s.get(teacher, course.id)).sections[1]
    await s.edit(teacher, RenameSection(course.id, advanced.id, "Going further"))
    await s.edit(teacher, MoveLesson(course.id, check.id, advanced.id, 0))
    await s.edit(teacher, ReorderSections(course.id, (advanced.id, basics.id)))
    await s.edit(
        teacher, UpdateLesson(course.id, variables.id, title="Names", article_html="<p>y<script>x</script></p>")
    )
    await s.edit(teacher, SetObjectives(course.id, (("Name things", (variables.id,)),)))
    await s.edit(teacher, SetPrice(course.id, Money(2900, "USD"), {"ILS": 9900}))
    await s.edit(teacher, AddLesson(course.id, basics.id, "Scratch", "article"))
    scratch = (await s.get(teacher, course.id)).sections[1].lessons[-1]
    await s.edit(teacher, RemoveLesson(course.id, scratch.id))

    stored = s.w.store.courses[course.id]
    assert [sec.title for sec in stored.sections] == ["Going further", "Basics"]
    assert [les.title for les in stored.lessons()] == ["Check", "Names"]
    assert stored.lessons()[1].article_html == "<p>y</p>"
    assert stored.objectives[0].lesson_ids == [variables.id]
    assert stored.price == Money(2900, "USD") and stored.price_overrides == {"ILS": 9900}


async def test_a_malformed_quiz_is_refused_when_added(s: Scenario, teacher: Principal) -> None:
    course = await s.draft(teacher)
    with pytest.raises(InvalidInput):
        await s.edit(teacher, AddLesson(course.id, course.sections[0].id, "Bad", "quiz", quiz={"items": "nope"}))
    assert len(s.w.store.courses[course.id].lessons()) == 2


async def test_a_failed_edit_changes_nothing(s: Scenario, teacher: Principal) -> None:
    course = await s.draft(teacher)
    with pytest.raises(InvalidInput):
        await s.edit(teacher, UpdateDetails(course.id, title="Fine", difficulty="impossible"))
    assert s.w.store.courses[course.id].title == "Python for beginners"


# -- workflow -----------------------------------------------------------------------------------


async def test_create_submit_approve_puts_the_published_snapshot_in_the_catalog(
    s: Scenario, teacher: Principal, admin: Principal
) -> None:
    course = await s.draft(teacher)
    await s.submit(teacher, CourseCommand(course.id))
    assert s.w.store.courses[course.id].status == CourseStatus.IN_REVIEW

    revision = await s.approve(admin, CourseCommand(course.id))

    stored = s.w.store.courses[course.id]
    assert stored.status == CourseStatus.PUBLISHED and stored.live_revision == 1
    assert revision.number == 1 and revision.approved_by == admin.user_id
    assert s.w.store.revisions[(course.id, 1)].snapshot == stored.snapshot()
    entry = s.w.store.entries[course.id]
    assert (entry.title, entry.slug, entry.revision) == ("Python for beginners", course.slug, 1)
    assert entry.published_at == s.w.clock.now() and entry.instructor_ids == (teacher.user_id,)
    assert [(sec.title, [les.title for les in sec.lessons]) for sec in entry.syllabus] == [
        ("Basics", ["Variables", "Check"])
    ]
    assert (entry.price_amount, entry.price_currency) == (0, "USD")
    assert s.w.actions() == ["course.submitted", "course.approved"]
    assert s.w.audit.entries[-1].subject_id == course.id and s.w.audit.entries[-1].actor_id == admin.user_id
    assert s.w.events(course_events.CoursePublished)


async def test_only_reviewers_approve(s: Scenario, teacher: Principal) -> None:
    course = await s.draft(teacher)
    await s.submit(teacher, CourseCommand(course.id))
    with pytest.raises(PermissionDenied):
        await s.approve(teacher, CourseCommand(course.id))
    assert course.id not in s.w.store.entries


async def test_only_the_course_instructors_submit(s: Scenario, teacher: Principal, admin: Principal) -> None:
    course = await s.draft(teacher)
    with pytest.raises(NotFound):
        await s.submit(principal(Role.INSTRUCTOR), CourseCommand(course.id))
    with pytest.raises(PermissionDenied):
        await s.submit(admin, CourseCommand(course.id))


async def test_edits_after_publishing_stay_in_the_draft_until_the_next_approval(
    s: Scenario, teacher: Principal, admin: Principal
) -> None:
    course = await s.published(teacher, admin)
    published = s.w.store.revisions[(course.id, 1)].snapshot
    entry = s.w.store.entries[course.id]
    first_published_at = entry.published_at

    await s.edit(teacher, UpdateDetails(course.id, title="Python, second edition"))
    await s.edit(teacher, AddSection(course.id, "Bonus"))

    assert s.w.store.revisions[(course.id, 1)].snapshot == published
    assert s.w.store.entries[course.id] == entry

    s.w.clock.current += dt.timedelta(days=3)
    await s.submit(teacher, CourseCommand(course.id))
    assert s.w.store.entries[course.id] == entry  # still live while in review
    await s.approve(admin, CourseCommand(course.id))

    entry = s.w.store.entries[course.id]
    assert (entry.title, entry.revision) == ("Python, second edition", 2)
    assert entry.published_at == first_published_at and entry.updated_at == s.w.clock.now()


async def test_reject_needs_a_reason_and_returns_the_course_to_draft_with_the_note(
    s: Scenario, teacher: Principal, admin: Principal
) -> None:
    course = await s.draft(teacher)
    await s.submit(teacher, CourseCommand(course.id))

    with pytest.raises(InvalidInput) as blank:
        await s.reject(admin, RejectCourseCommand(course.id, "   "))
    assert blank.value.code == "course.reject_reason"
    assert s.w.store.courses[course.id].status == CourseStatus.IN_REVIEW

    await s.reject(admin, RejectCourseCommand(course.id, "Lesson 2 is empty"))

    stored = s.w.store.courses[course.id]
    assert stored.status == CourseStatus.DRAFT and stored.review_note == "Lesson 2 is empty"
    assert course.id not in s.w.store.entries
    assert s.w.actions()[-1] == "course.rejected"
    assert s.w.events(course_events.CourseRejected)


async def test_archive_removes_the_entry_and_unarchive_returns_a_draft(
    s: Scenario, teacher: Principal, admin: Principal
) -> None:
    course = await s.published(teacher, admin)

    await s.archive(teacher, CourseCommand(course.id))
    assert s.w.store.courses[course.id].status == CourseStatus.ARCHIVED
    assert course.id not in s.w.store.entries
    assert s.w.events(course_events.CourseArchived)

    await s.unarchive(teacher, CourseCommand(course.id))
    assert s.w.store.courses[course.id].status == CourseStatus.DRAFT
    assert course.id not in s.w.store.entries
    assert s.w.actions()[-2:] == ["course.archived", "course.unarchived"]


async def test_co_instructors_cannot_archive(s: Scenario, teacher: Principal, admin: Principal) -> None:
    course = await s.published(teacher, admin)
    helper = principal(Role.INSTRUCTOR)
    async with s.w.uow() as uow:
        loaded = await uow.courses.get(course.id)
        assert loaded is not None
        loaded.set_co_instructors([helper.user_id], s.w.clock.now())
        await uow.commit()

    with pytest.raises(PermissionDenied):
        await s.archive(helper, CourseCommand(course.id))
    await s.archive(admin, CourseCommand(course.id))
    assert course.id not in s.w.store.entries


async def test_approve_and_archive_bump_the_catalog_cache_generation(
    s: Scenario, teacher: Principal, admin: Principal
) -> None:
    assert await s.w.catalog_cache.generation() == 0
    course = await s.published(teacher, admin)
    assert await s.w.catalog_cache.generation() == 1
    await s.edit(teacher, UpdateDetails(course.id, title="Draft-only change"))
    assert await s.w.catalog_cache.generation() == 1  # nothing public changed
    await s.archive(teacher, CourseCommand(course.id))
    assert await s.w.catalog_cache.generation() == 2


async def test_a_failed_commit_neither_audits_nor_bumps_the_cache(
    s: Scenario, teacher: Principal, admin: Principal
) -> None:
    course = await s.draft(teacher)
    await s.submit(teacher, CourseCommand(course.id))
    s.w.uow.fail_commit = Conflict("course.concurrent_edit", "lost a race")

    with pytest.raises(Conflict):
        await s.approve(admin, CourseCommand(course.id))

    assert s.w.actions() == ["course.submitted"]
    assert await s.w.catalog_cache.generation() == 0
    assert course.id not in s.w.store.entries and not s.w.store.revisions


# -- revisions and rollback ---------------------------------------------------------------------


async def test_rollback_restores_an_old_revision_exactly(s: Scenario, teacher: Principal, admin: Principal) -> None:
    course = await s.published(teacher, admin)
    await s.edit(teacher, UpdateDetails(course.id, title="Second", tags=("new",)))
    await s.edit(teacher, RemoveLesson(course.id, course.lessons()[0].id))
    await s.submit(teacher, CourseCommand(course.id))
    await s.approve(admin, CourseCommand(course.id))
    entry = s.w.store.entries[course.id]

    restored = await s.rollback(teacher, RollBackCourseCommand(course.id, 1))

    assert restored.snapshot() == s.w.store.revisions[(course.id, 1)].snapshot
    assert s.w.store.courses[course.id].snapshot() == s.w.store.revisions[(course.id, 1)].snapshot
    assert s.w.store.courses[course.id].live_revision == 2
    assert s.w.store.entries[course.id] == entry  # live until the rollback is reviewed
    assert s.w.actions()[-1] == "course.rolled_back"
    assert s.w.events(course_events.CourseRolledBack)


async def test_list_and_diff_revisions(s: Scenario, teacher: Principal, admin: Principal) -> None:
    course = await s.published(teacher, admin)
    await s.edit(teacher, UpdateDetails(course.id, title="Second"))

    draft_changes = await s.diff(teacher, DiffRevisionsCommand(course.id, 1))
    assert [(c.kind, c.path, c.after) for c in draft_changes] == [("changed", "title", "Second")]

    await s.submit(teacher, CourseCommand(course.id))
    await s.approve(admin, CourseCommand(course.id))
    listed = await s.revisions(teacher, course.id)
    assert [(r.number, r.title, r.lesson_count) for r in listed] == [(2, "Second", 2), (1, "Python for beginners", 2)]
    assert [c.path for c in await s.diff(admin, DiffRevisionsCommand(course.id, 1, 2))] == ["title"]

    with pytest.raises(NotFound):
        await s.diff(teacher, DiffRevisionsCommand(course.id, 7))
    with pytest.raises(NotFound):
        await s.revisions(principal(Role.INSTRUCTOR), course.id)


# -- cloning ------------------------------------------------------------------------------------


async def test_clone_gives_the_caller_a_new_draft_with_fresh_ids(s: Scenario, teacher: Principal) -> None:
    source = await s.draft(teacher)

    twin = await s.clone(teacher, CloneCourseCommand(source.id))

    assert twin.id != source.id and twin.owner_id == teacher.user_id
    assert twin.status == CourseStatus.DRAFT and twin.slug == f"{source.slug}-copy"
    assert twin.title == "Python for beginners (copy)"
    assert not {s.id for s in twin.sections} & {s.id for s in source.sections}
    assert not {les.id for les in twin.lessons()} & {les.id for les in source.lessons()}
    assert [les.title for les in twin.lessons()] == [les.title for les in source.lessons()]
    assert (await s.clone(teacher, CloneCourseCommand(source.id))).slug == f"{source.slug}-copy-2"
    assert twin.id in s.w.store.courses


async def test_others_clone_only_the_published_revision_never_the_draft(
    s: Scenario, teacher: Principal, admin: Principal
) -> None:
    source = await s.draft(teacher)
    other = principal(Role.INSTRUCTOR)
    with pytest.raises(NotFound):
        await s.clone(other, CloneCourseCommand(source.id))

    await s.submit(teacher, CourseCommand(source.id))
    await s.approve(admin, CourseCommand(source.id))
    await s.edit(teacher, UpdateDetails(source.id, title="Secret next edition"))

    twin = await s.clone(other, CloneCourseCommand(source.id, title="My fork"))

    assert twin.owner_id == other.user_id and twin.title == "My fork"
    published = s.w.store.revisions[(source.id, 1)].snapshot
    assert twin.subtitle == published["subtitle"] and len(twin.lessons()) == 2
    assert "Secret" not in repr(twin.snapshot())
    with pytest.raises(PermissionDenied):
        await s.clone(principal(Role.STUDENT), CloneCourseCommand(source.id))


async def test_restored_snapshots_survive_a_deep_round_trip(s: Scenario, teacher: Principal, admin: Principal) -> None:
    # The stored revision is a copy: mutating the draft afterwards never reaches it.
    course = await s.published(teacher, admin)
    frozen = dataclasses.replace(s.w.store.revisions[(course.id, 1)])
    await s.edit(teacher, UpdateLesson(course.id, course.lessons()[0].id, article_html="<p>changed</p>"))
    assert s.w.store.revisions[(course.id, 1)] == frozen
