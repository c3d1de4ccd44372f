"""Instructors and their courses: "my courses", the review queue, co-instructor invitations."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Awaitable, Callable

from core.catalog.application.authoring import ensure_can_see, ensure_owner_or_admin, is_admin, load_course
from core.catalog.application.catalog_queries import CatalogCache, forget_catalog
from core.catalog.application.workflow import refresh_entry
from core.catalog.domain.course import Course
from core.identity.application.auditing import Auditor
from core.identity.application.context import Principal, RequestContext
from core.identity.domain.roles import Permission
from core.messaging.domain.email import normalize_address, request_email
from core.shared.errors import Conflict, InvalidInput, PermissionDenied
from core.shared.ids import new_id
from ports.catalog.courses import CoursePage, Invitation
from ports.catalog.repositories import CatalogUnitOfWork
from ports.shared.clock import Clock

UowFactory = Callable[[], CatalogUnitOfWork]
NO_CONTEXT = RequestContext()
INVITATION_TTL = dt.timedelta(days=7)
INVITATION_TEMPLATE = "course_invitation"
MAX_PAGE = 100


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclasses.dataclass(frozen=True)
class MyCoursesQuery:
    """Admins may list another instructor's courses, or everyone's (``instructor_id`` None),
    and filter by status: ``statuses=("in_review",)`` is the review queue."""

    instructor_id: uuid.UUID | None = None
    statuses: tuple[str, ...] = ()
    after: uuid.UUID | None = None
    limit: int = 20


class MyCourses:
    def __init__(self, uow: UowFactory) -> None:
        self._uow = uow

    async def __call__(self, principal: Principal, query: MyCoursesQuery) -> CoursePage:
        principal.require(Permission.COURSES_AUTHOR)
        instructor_id = query.instructor_id
        if not is_admin(principal):
            if instructor_id not in (None, principal.user_id):
                raise PermissionDenied("course.others_courses", "you can list only your own courses")
            instructor_id = principal.user_id
        async with self._uow() as uow:
            return await uow.courses.list_summaries(
                instructor_id=instructor_id,
                statuses=query.statuses,
                after=query.after,
                limit=max(1, min(query.limit, MAX_PAGE)),
            )


@dataclasses.dataclass(frozen=True)
class InviteCoInstructorCommand:
    course_id: uuid.UUID
    email: str
    locale: str | None = None  # of the email; the invitee's language is unknown to us


class InviteCoInstructor:
    """Emails a single-use link valid for 7 days; only the token's hash is stored.

    The token travels in the email request through the outbox (the email needs it and the
    invitee may have no account yet), so the outbox row holds it until the email is sent.
    """

    def __init__(self, uow: UowFactory, clock: Clock, auditor: Auditor) -> None:
        self._uow, self._clock, self._auditor = uow, clock, auditor

    async def __call__(
        self, principal: Principal, command: InviteCoInstructorCommand, ctx: RequestContext = NO_CONTEXT
    ) -> Invitation:
        principal.require(Permission.COURSES_AUTHOR)
        email = normalize_address(command.email, field="email")
        now = self._clock.now()
        token = secrets.token_urlsafe(32)
        async with self._uow() as uow:
            course = await load_course(uow.courses, command.course_id)
            ensure_owner_or_admin(course, principal)
            invitation = Invitation(
                id=new_id(),
                course_id=course.id,
                email=email,
                token_hash=token_hash(token),
                invited_by=principal.user_id,
                created_at=now,
                expires_at=now + INVITATION_TTL,
            )
            await uow.courses.add_invitation(invitation)
            uow.publish(
                request_email(
                    email_id=new_id(),
                    template=INVITATION_TEMPLATE,
                    locale=command.locale or course.language,
                    to=(email,),
                    context={
                        "course_id": course.id,
                        "course_title": course.title,
                        "token": token,
                        "expires_at": invitation.expires_at,
                    },
                )
            )
            await uow.commit()
        await self._auditor.record(
            "course.co_instructor_invited", ctx, actor_id=principal.user_id, subject_id=course.id, email=email
        )
        return invitation


EmailOf = Callable[[uuid.UUID], Awaitable[str | None]]


@dataclasses.dataclass(frozen=True)
class AcceptInvitationCommand:
    token: str


class AcceptInvitation:
    """The signed-in instructor holding the link becomes a co-instructor; the link then dies.

    With ``email_of`` (the account's address by user id), only the account the invitation was
    sent to may accept it: a forwarded or leaked link is refused and stays usable by its owner.
    """

    def __init__(
        self,
        uow: UowFactory,
        clock: Clock,
        auditor: Auditor,
        catalog_cache: CatalogCache,
        email_of: EmailOf | None = None,
    ) -> None:
        self._uow, self._clock, self._auditor, self._catalog_cache = uow, clock, auditor, catalog_cache
        self._email_of = email_of

    async def __call__(
        self, principal: Principal, command: AcceptInvitationCommand, ctx: RequestContext = NO_CONTEXT
    ) -> Course:
        principal.require(Permission.COURSES_AUTHOR)
        now = self._clock.now()
        async with self._uow() as uow:
            invitation = await uow.courses.invitation_by_token_hash(token_hash(command.token))
            if invitation is None:
                raise InvalidInput("course.invitation_invalid", "this invitation link is not valid")
            if invitation.accepted_by is not None:
                raise Conflict("course.invitation_used", "this invitation has been used already")
            if now >= invitation.expires_at:
                raise InvalidInput("course.invitation_expired", "this invitation has expired; ask for a new one")
            if self._email_of is not None:
                address = await self._email_of(principal.user_id)
                if address is None or address.strip().lower() != invitation.email:
                    raise PermissionDenied(
                        "course.invitation_other_address",
                        "this invitation was sent to another address; sign in with that account",
                    )
            course = await load_course(uow.courses, invitation.course_id)
            # The repository's conditional update makes two concurrent accepts end with one winner.
            if not await uow.courses.mark_invitation_accepted(invitation.id, principal.user_id, now):
                raise Conflict("course.invitation_used", "this invitation has been used already")
            if not course.is_instructor(principal.user_id):
                course.set_co_instructors([*course.co_instructor_ids, principal.user_id], now)
            live = await refresh_entry(uow.courses, course)
            await uow.commit()
        await self._auditor.record(
            "course.co_instructor_added",
            ctx,
            actor_id=principal.user_id,
            subject_id=course.id,
            invitation=str(invitation.id),
        )
        if live:
            await forget_catalog(self._catalog_cache)
        return course


@dataclasses.dataclass(frozen=True)
class RemoveCoInstructorCommand:
    course_id: uuid.UUID
    user_id: uuid.UUID


class RemoveCoInstructor:
    """The owner or an admin removes a co-instructor; a co-instructor may remove themselves."""

    def __init__(self, uow: UowFactory, clock: Clock, auditor: Auditor, catalog_cache: CatalogCache) -> None:
        self._uow, self._clock, self._auditor, self._catalog_cache = uow, clock, auditor, catalog_cache

    async def __call__(
        self, principal: Principal, command: RemoveCoInstructorCommand, ctx: RequestContext = NO_CONTEXT
    ) -> Course:
        async with self._uow() as uow:
            course = await load_course(uow.courses, command.course_id)
            if command.user_id == principal.user_id:
                ensure_can_see(course, principal)
            else:
                principal.require(Permission.COURSES_AUTHOR)
                ensure_owner_or_admin(course, principal)
            if command.user_id == course.owner_id:
                raise InvalidInput("course.remove_owner", "the owner cannot be removed from their course")
            course.set_co_instructors([u for u in course.co_instructor_ids if u != command.user_id], self._clock.now())
            live = await refresh_entry(uow.courses, course)
            await uow.commit()
        await self._auditor.record(
            "course.co_instructor_removed",
            ctx,
            actor_id=principal.user_id,
            subject_id=course.id,
            user_id=str(command.user_id),
        )
        if live:
            await forget_catalog(self._catalog_cache)
        return course
