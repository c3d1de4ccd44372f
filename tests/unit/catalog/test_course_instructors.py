"""Instructors: their course lists, the review queue and co-instructor invitations."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from core.catalog.application.authoring import (
    AddLesson,
    AddSection,
    CreateCourse,
    CreateCourseCommand,
    EditCourse,
    GetCourseForEditing,
    UpdateDetails,
)
from core.catalog.application.instructors import (
    AcceptInvitation,
    AcceptInvitationCommand,
    InviteCoInstructor,
    InviteCoInstructorCommand,
    MyCourses,
    MyCoursesQuery,
    RemoveCoInstructor,
    RemoveCoInstructorCommand,
)
from core.catalog.application.workflow import ApproveCourse, CourseCommand, SubmitCourse
from core.catalog.domain.course import Course
from core.identity.application.context import Principal
from core.identity.domain.roles import Role
from core.messaging.domain.email import EmailRequested
from core.shared.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.fakes.courses import CourseWorld, principal


@pytest.fixture
def world() -> CourseWorld:
    return CourseWorld()


@pytest.fixture
def owner() -> Principal:
    return principal(Role.INSTRUCTOR)


@pytest.fixture
def admin() -> Principal:
    return principal(Role.ADMIN)


async def new_course(w: CourseWorld, who: Principal, title: str = "Rust") -> Course:
    return await CreateCourse(w.uow, w.clock, w.sanitizer)(who, CreateCourseCommand(title))


async def invite(w: CourseWorld, who: Principal, course: Course, email: str = "ada@example.com") -> str:
    """Sends an invitation and returns the token from the email request (as the invitee would)."""
    await InviteCoInstructor(w.uow, w.clock, w.auditor)(who, InviteCoInstructorCommand(course.id, email))
    email_event = w.events(EmailRequested)[-1]
    assert isinstance(email_event, EmailRequested)
    return str(email_event.context["token"])


def accept(w: CourseWorld) -> AcceptInvitation:
    return AcceptInvitation(w.uow, w.clock, w.auditor, w.catalog_cache)


# -- my courses and the review queue ------------------------------------------------------------


async def test_my_courses_lists_the_callers_courses_and_admins_see_the_review_queue(
    world: CourseWorld, owner: Principal, admin: Principal
) -> None:
    mine = await new_course(world, owner, "Mine")
    other = principal(Role.INSTRUCTOR)
    theirs = await new_course(world, other, "Theirs")
    edit = EditCourse(world.uow, world.clock, world.sanitizer)
    await edit(other, AddSection(theirs.id, "S"))
    section = world.store.courses[theirs.id].sections[0]
    await edit(other, AddLesson(theirs.id, section.id, "L", "article"))
    await SubmitCourse(world.uow, world.clock, world.auditor)(other, CourseCommand(theirs.id))
    my_courses = MyCourses(world.uow)

    page = await my_courses(owner, MyCoursesQuery())
    assert [c.id for c in page.items] == [mine.id]
    with pytest.raises(PermissionDenied):
        await my_courses(owner, MyCoursesQuery(instructor_id=other.user_id))
    with pytest.raises(PermissionDenied):
        await my_courses(principal(Role.STUDENT), MyCoursesQuery())

    queue = await my_courses(admin, MyCoursesQuery(statuses=("in_review",)))
    assert [(c.id, c.lesson_count) for c in queue.items] == [(theirs.id, 1)]
    assert [c.id for c in (await my_courses(admin, MyCoursesQuery(instructor_id=owner.user_id))).items] == [mine.id]


# -- invitations --------------------------------------------------------------------------------


async def test_invitation_emails_a_token_whose_hash_alone_is_stored(world: CourseWorld, owner: Principal) -> None:
    course = await new_course(world, owner)

    token = await invite(world, owner, course, "Ada@Example.com")

    (invitation,) = world.store.invitations.values()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(invitation)
    assert invitation.expires_at - invitation.created_at == dt.timedelta(days=7)
    email = world.events(EmailRequested)[-1]
    assert isinstance(email, EmailRequested)
    assert email.template == "course_invitation" and email.to[0].address == "Ada@example.com"
    assert email.context["course_title"] == "Rust"
    assert world.actions()[-1] == "course.co_instructor_invited"
    assert "token" not in world.audit.entries[-1].details


async def test_only_the_owner_or_an_admin_invites(world: CourseWorld, owner: Principal, admin: Principal) -> None:
    course = await new_course(world, owner)
    with pytest.raises(NotFound):
        await invite(world, principal(Role.INSTRUCTOR), course)
    await invite(world, admin, course)
    assert len(world.store.invitations) == 1


async def test_accepting_makes_a_co_instructor_once(world: CourseWorld, owner: Principal) -> None:
    course = await new_course(world, owner)
    token = await invite(world, owner, course)
    ada = principal(Role.INSTRUCTOR)

    joined = await accept(world)(ada, AcceptInvitationCommand(token))

    assert joined.co_instructor_ids == [ada.user_id]
    assert world.store.courses[course.id].co_instructor_ids == [ada.user_id]
    edited = await EditCourse(world.uow, world.clock, world.sanitizer)(ada, UpdateDetails(course.id, subtitle="by two"))
    assert edited.subtitle == "by two"
    (invitation,) = world.store.invitations.values()
    assert invitation.accepted_by == ada.user_id

    with pytest.raises(Conflict) as used:
        await accept(world)(principal(Role.INSTRUCTOR), AcceptInvitationCommand(token))
    assert used.value.code == "course.invitation_used"
    with pytest.raises(InvalidInput) as bogus:
        await accept(world)(ada, AcceptInvitationCommand("not-a-token"))
    assert bogus.value.code == "course.invitation_invalid"


async def test_an_expired_invitation_is_refused(world: CourseWorld, owner: Principal) -> None:
    course = await new_course(world, owner)
    token = await invite(world, owner, course)
    world.clock.current += dt.timedelta(days=7)

    with pytest.raises(InvalidInput) as expired:
        await accept(world)(principal(Role.INSTRUCTOR), AcceptInvitationCommand(token))

    assert expired.value.code == "course.invitation_expired"
    assert world.store.courses[course.id].co_instructor_ids == []


async def test_students_cannot_accept(world: CourseWorld, owner: Principal) -> None:
    course = await new_course(world, owner)
    token = await invite(world, owner, course)
    with pytest.raises(PermissionDenied):
        await accept(world)(principal(Role.STUDENT), AcceptInvitationCommand(token))
    (invitation,) = world.store.invitations.values()
    assert invitation.accepted_by is None


async def test_co_instructor_changes_refresh_the_live_entry(
    world: CourseWorld, owner: Principal, admin: Principal
) -> None:
    course = await new_course(world, owner)
    edit = EditCourse(world.uow, world.clock, world.sanitizer)
    await edit(owner, AddSection(course.id, "S"))
    await edit(owner, AddLesson(course.id, world.store.courses[course.id].sections[0].id, "L", "article"))
    await SubmitCourse(world.uow, world.clock, world.auditor)(owner, CourseCommand(course.id))
    await ApproveCourse(world.uow, world.clock, world.auditor, world.catalog_cache)(admin, CourseCommand(course.id))
    generation = await world.catalog_cache.generation()
    ada = principal(Role.INSTRUCTOR)

    await accept(world)(ada, AcceptInvitationCommand(await invite(world, owner, course)))
    assert world.store.entries[course.id].instructor_ids == (owner.user_id, ada.user_id)
    assert await world.catalog_cache.generation() == generation + 1

    await RemoveCoInstructor(world.uow, world.clock, world.auditor, world.catalog_cache)(
        owner, RemoveCoInstructorCommand(course.id, ada.user_id)
    )
    assert world.store.entries[course.id].instructor_ids == (owner.user_id,)
    assert world.store.entries[course.id].revision == 1
    with pytest.raises(NotFound):
        await GetCourseForEditing(world.uow)(ada, course.id)
    assert world.actions()[-1] == "course.co_instructor_removed"


async def test_a_co_instructor_may_leave_but_not_remove_others(world: CourseWorld, owner: Principal) -> None:
    course = await new_course(world, owner)
    ada, bob = principal(Role.INSTRUCTOR), principal(Role.INSTRUCTOR)
    await accept(world)(ada, AcceptInvitationCommand(await invite(world, owner, course, "ada@example.com")))
    await accept(world)(bob, AcceptInvitationCommand(await invite(world, owner, course, "bob@example.com")))
    remove = RemoveCoInstructor(world.uow, world.clock, world.auditor, world.catalog_cache)

    with pytest.raises(PermissionDenied):
        await remove(ada, RemoveCoInstructorCommand(course.id, bob.user_id))
    with pytest.raises(InvalidInput):
        await remove(owner, RemoveCoInstructorCommand(course.id, owner.user_id))
    await remove(ada, RemoveCoInstructorCommand(course.id, ada.user_id))

    assert world.store.courses[course.id].co_instructor_ids == [bob.user_id]
