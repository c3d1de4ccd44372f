"""The signed-in user's own profile, settings and account."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from core.identity.application.auditing import Auditor
from core.identity.application.context import Principal, RequestContext
from core.identity.domain.user import User
from core.shared.errors import InvalidInput, NotFound
from ports.identity.repositories import IdentityUnitOfWork
from ports.shared.cache import Cache
from ports.shared.clock import Clock
from ports.shared.storage import ObjectStorage, PresignedPost, Purpose

UowFactory = Callable[[], IdentityUnitOfWork]
SELF_EDITABLE = frozenset({"name", "bio", "timezone", "language"})


@dataclasses.dataclass(frozen=True)
class ProfileChanges:
    """Only what a user may change about themselves. Role, status and email are not here,
    so ``PATCH /users/me {"role": "admin"}`` cannot even be expressed."""

    fields: dict[str, Any] = dataclasses.field(default_factory=dict)
    preferences: dict[str, Any] | None = None


class GetMe:
    def __init__(self, uow: UowFactory) -> None:
        self._uow = uow

    async def __call__(self, principal: Principal) -> User:
        async with self._uow() as uow:
            user = await uow.users.get(principal.user_id)
        if user is None or user.deleted_at is not None:
            raise NotFound("user.not_found", "user not found")
        return user


class UpdateMe:
    def __init__(self, uow: UowFactory, clock: Clock, auditor: Auditor) -> None:
        self._uow, self._clock, self._auditor = uow, clock, auditor

    async def __call__(self, principal: Principal, changes: ProfileChanges, ctx: RequestContext) -> User:
        allowed = {k: v for k, v in changes.fields.items() if k in SELF_EDITABLE}
        now = self._clock.now()
        async with self._uow() as uow:
            user = await uow.users.get(principal.user_id)
            if user is None or user.deleted_at is not None:
                raise NotFound("user.not_found", "user not found")
            changed = user.update_profile(now, **allowed)
            if changes.preferences is not None:
                user.update_preferences(changes.preferences, now)
                changed.append("preferences")
            await uow.commit()
        if changed:
            await self._auditor.record(
                "user.profile_updated", ctx, actor_id=user.id, subject_id=user.id, fields=sorted(set(changed))
            )
        return user


AVATAR_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
AVATAR_MAX_BYTES = 5 * 1024 * 1024
_UPLOAD_TTL = 3600


class StartAvatarUpload:
    """A one-hour, size- and type-limited upload slot. The key is made by the server and
    remembered for this user, so nobody can point their avatar at someone else's object."""

    def __init__(self, storage: ObjectStorage, cache: Cache) -> None:
        self._storage, self._cache = storage, cache

    async def __call__(self, principal: Principal, content_type: str) -> PresignedPost:
        extension = AVATAR_TYPES.get(content_type)
        if extension is None:
            raise InvalidInput("user.avatar_type", f"avatars are one of {', '.join(AVATAR_TYPES)}")
        key = self._storage.new_key(Purpose.IMAGES, extension=extension)
        upload = await self._storage.presigned_post(
            key, content_type=content_type, max_bytes=AVATAR_MAX_BYTES, ttl_seconds=_UPLOAD_TTL
        )
        await self._cache.set(f"avatar-upload:{key}", str(principal.user_id).encode(), ttl_seconds=_UPLOAD_TTL)
        return upload


class SetAvatar:
    """Points the profile at an uploaded image (``None`` removes it). The media pipeline
    makes the responsive variants later."""

    def __init__(self, uow: UowFactory, storage: ObjectStorage, cache: Cache, clock: Clock) -> None:
        self._uow, self._storage, self._cache, self._clock = uow, storage, cache, clock

    async def __call__(self, principal: Principal, object_key: str | None) -> User:
        if object_key is not None:
            owner = await self._cache.get(f"avatar-upload:{object_key}")
            if owner is None or owner.decode() != str(principal.user_id):
                raise NotFound("user.avatar_upload_not_found", "no avatar upload with that key for you")
            info = await self._storage.head(object_key)
            if info.content_type not in AVATAR_TYPES:
                raise InvalidInput("user.avatar_type", "the uploaded file is not a supported image")
        async with self._uow() as uow:
            user = await uow.users.get(principal.user_id)
            if user is None:
                raise NotFound("user.not_found", "user not found")
            previous = user.avatar_key
            user.update_profile(self._clock.now(), avatar_key=object_key)
            await uow.commit()
        if previous and previous != object_key:
            await self._storage.delete(previous)
        return user
