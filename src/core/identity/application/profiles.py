"""The signed-in user's own profile, settings and account."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from core.identity.application.auditing import Auditor
from core.identity.application.context import Principal, RequestContext
from core.identity.domain.user import User
from core.shared.errors import NotFound
from ports.identity.repositories import IdentityUnitOfWork
from ports.shared.clock import Clock

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


class SetAvatar:
    """Points the profile at an uploaded image (the media pipeline makes the variants)."""

    def __init__(self, uow: UowFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, principal: Principal, object_key: str | None) -> User:
        async with self._uow() as uow:
            user = await uow.users.get(principal.user_id)
            if user is None:
                raise NotFound("user.not_found", "user not found")
            user.update_profile(self._clock.now(), avatar_key=object_key)
            await uow.commit()
        return user
