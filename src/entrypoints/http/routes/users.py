"""/api/v1/users: the signed-in user's profile, settings and sessions, and people search."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, patch, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from core.identity.application.profiles import ProfileChanges
from core.identity.domain.roles import Permission
from core.identity.domain.user import User
from entrypoints.http.auth import current_principal, request_context, requires
from entrypoints.http.dependencies import container_of
from ports.identity.repositories import UserFilter


class Me(msgspec.Struct):
    id: uuid.UUID
    email: str
    name: str
    role: str
    status: str
    email_verified: bool
    two_factor_enabled: bool
    bio: str
    avatar_key: str | None
    timezone: str
    language: str
    preferences: dict[str, Any]
    created_at: dt.datetime


class MeUpdate(msgspec.Struct, forbid_unknown_fields=False):
    """Only these fields can change here. Unknown fields (``role``, ``status``, ``email``...) are
    ignored rather than refused, so clients sending whole objects back keep working — and
    nothing about privileges can be changed through this route."""

    name: Annotated[str, msgspec.Meta(max_length=200)] | msgspec.UnsetType = msgspec.UNSET
    bio: Annotated[str, msgspec.Meta(max_length=4000)] | msgspec.UnsetType = msgspec.UNSET
    timezone: Annotated[str, msgspec.Meta(max_length=64)] | msgspec.UnsetType = msgspec.UNSET
    language: Annotated[str, msgspec.Meta(max_length=8)] | msgspec.UnsetType = msgspec.UNSET
    preferences: dict[str, Any] | msgspec.UnsetType = msgspec.UNSET


class AvatarUploadIn(msgspec.Struct, forbid_unknown_fields=True):
    content_type: Annotated[str, msgspec.Meta(max_length=50)]


class UploadOut(msgspec.Struct):
    key: str
    url: str
    fields: dict[str, str]
    expires_at: dt.datetime
    max_bytes: int


class AvatarIn(msgspec.Struct, forbid_unknown_fields=True):
    key: Annotated[str, msgspec.Meta(max_length=255)] | None


class SessionOut(msgspec.Struct):
    id: str
    device: str
    ip: str
    user_agent: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    current: bool


class SessionList(msgspec.Struct):
    items: list[SessionOut]


class PublicUser(msgspec.Struct):
    id: uuid.UUID
    name: str
    role: str
    bio: str
    avatar_key: str | None


class PublicUserPage(msgspec.Struct):
    items: list[PublicUser]
    next_cursor: uuid.UUID | None


async def people_page(
    request: Request[Any, Any, Any], criteria: UserFilter, cursor: uuid.UUID | None, limit: int
) -> PublicUserPage:
    """People search as members see it (admins: everyone); also served under /api/v1/search."""
    page = await container_of(request).identity.search_users()(
        current_principal(request), criteria, after=cursor, limit=limit
    )
    return PublicUserPage([PublicUser(u.id, u.name, u.role, u.bio, u.avatar_key) for u in page.items], page.next_cursor)


def me_out(user: User) -> Me:
    return Me(
        user.id,
        user.email,
        user.name,
        user.role,
        user.status,
        user.email_verified_at is not None,
        user.two_factor_enabled,
        user.bio,
        user.avatar_key,
        user.timezone,
        user.language,
        user.preferences,
        user.created_at,
    )


class UserController(Controller):
    path = "/api/v1/users"
    tags = ["users"]

    @get("/me", guards=[requires(Permission.PROFILE_READ_OWN)], summary="My profile and settings")
    async def me(self, request: Request[Any, Any, Any]) -> Me:
        return me_out(await container_of(request).identity.get_me()(current_principal(request)))

    @patch("/me", guards=[requires(Permission.PROFILE_EDIT_OWN)], summary="Update my profile and settings")
    async def update_me(self, request: Request[Any, Any, Any], data: JSONBody[MeUpdate]) -> Me:
        fields = {
            k: getattr(data, k)
            for k in ("name", "bio", "timezone", "language")
            if not isinstance(getattr(data, k), msgspec.UnsetType)
        }
        prefs = None if isinstance(data.preferences, msgspec.UnsetType) else data.preferences
        user = await container_of(request).identity.update_me()(
            current_principal(request), ProfileChanges(fields, prefs), request_context(request)
        )
        return me_out(user)

    @post(
        "/me/avatar/upload",
        guards=[requires(Permission.PROFILE_EDIT_OWN)],
        status_code=200,
        summary="A signed, size-limited form upload for a new avatar image",
    )
    async def avatar_upload(self, request: Request[Any, Any, Any], data: JSONBody[AvatarUploadIn]) -> UploadOut:
        upload = await container_of(request).identity.start_avatar_upload()(
            current_principal(request), data.content_type
        )
        return UploadOut(
            upload.fields.get("key", ""),
            upload.url,
            dict(upload.fields),
            upload.expires_at,
            upload.max_bytes,
        )

    @put("/me/avatar", guards=[requires(Permission.PROFILE_EDIT_OWN)], summary="Use an uploaded image as my avatar")
    async def set_avatar(self, request: Request[Any, Any, Any], data: JSONBody[AvatarIn]) -> Me:
        user = await container_of(request).identity.set_avatar()(current_principal(request), data.key)
        return me_out(user)

    @get("/me/sessions", guards=[requires(Permission.SESSIONS_MANAGE_OWN)], summary="Where I am signed in")
    async def sessions(self, request: Request[Any, Any, Any]) -> SessionList:
        principal = current_principal(request)
        sessions = await container_of(request).identity.list_sessions()(principal)
        return SessionList(
            [
                SessionOut(
                    s.id, s.device, s.ip, s.user_agent, s.created_at, s.last_seen_at, s.id == principal.session_id
                )
                for s in sessions
            ]
        )

    @delete(
        "/me/sessions/{session_id:str}",
        guards=[requires(Permission.SESSIONS_MANAGE_OWN)],
        summary="Sign out one of my sessions",
    )
    async def revoke_session(self, request: Request[Any, Any, Any], session_id: FromPath[str]) -> None:
        await container_of(request).identity.revoke_session()(
            current_principal(request), session_id, request_context(request)
        )

    @get(
        "/",
        guards=[requires(Permission.USERS_SEARCH_PUBLIC)],
        summary="Find instructors and students by name (admins: everyone, by email, role, status too)",
    )
    async def search(
        self,
        request: Request[Any, Any, Any],
        q: Annotated[str | None, QueryParameter(max_length=100)] = None,
        role: Annotated[str | None, QueryParameter(max_length=20)] = None,
        cursor: FromQuery[uuid.UUID | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> PublicUserPage:
        return await people_page(request, UserFilter(text=q, roles=(role,) if role else ()), cursor, limit)
