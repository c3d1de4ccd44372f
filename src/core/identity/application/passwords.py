"""Forgot, reset and change password. Every change ends the other sessions."""

from __future__ import annotations

from collections.abc import Callable

from core.identity.application.auditing import Auditor
from core.identity.application.context import Principal, RequestContext
from core.identity.application.one_time_tokens import OneTimeTokens
from core.identity.application.session_store import SessionStore
from core.identity.domain.events import AccountEmailRequested
from core.identity.domain.passwords import check_password, normalize
from core.identity.domain.user import normalize_email
from core.shared.errors import InvalidInput, NotFound, PermissionDenied, RateLimited
from ports.identity.repositories import IdentityUnitOfWork
from ports.identity.security import PasswordBlocklist, PasswordHasher
from ports.shared.cache import Cache
from ports.shared.clock import Clock

UowFactory = Callable[[], IdentityUnitOfWork]
RESET_REQUESTS_PER_HOUR = 3


class ForgotPassword:
    """Always the same answer; an email goes out only for an existing, usable account."""

    def __init__(self, uow: UowFactory, cache: Cache, auditor: Auditor) -> None:
        self._uow, self._cache, self._auditor = uow, cache, auditor

    async def __call__(self, email: str, ctx: RequestContext) -> None:
        try:
            address = normalize_email(email)
        except InvalidInput:
            return
        count = await self._cache.incr(f"auth:forgot:{address}", ttl_seconds=3600)
        if count > RESET_REQUESTS_PER_HOUR:
            raise RateLimited(
                "auth.reset_throttled",
                "too many reset requests; try later",
                {"retry_after": int(await self._cache.ttl(f"auth:forgot:{address}") or 3600)},
            )
        async with self._uow() as uow:
            user = await uow.users.get_by_email(address)
            if user is None or user.deleted_at is not None or user.status == "banned":
                return
            uow.publish(AccountEmailRequested(user.id, "reset_password"))
            await uow.commit()
        await self._auditor.record("auth.password_reset_requested", ctx, subject_id=user.id)


class ResetPassword:
    def __init__(
        self,
        uow: UowFactory,
        tokens: OneTimeTokens,
        hasher: PasswordHasher,
        blocklist: PasswordBlocklist,
        sessions: SessionStore,
        clock: Clock,
        auditor: Auditor,
    ) -> None:
        self._uow, self._tokens, self._hasher, self._blocklist = uow, tokens, hasher, blocklist
        self._sessions, self._clock, self._auditor = sessions, clock, auditor

    async def __call__(self, token: str, new_password: str, ctx: RequestContext) -> None:
        user_id = await self._tokens.consume("reset_password", token)
        now = self._clock.now()
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
            if user is None or user.deleted_at is not None:
                raise InvalidInput("auth.invalid_reset_password_token", "this link is invalid, used or expired")
            password = check_password(new_password, blocklist=self._blocklist, email=user.email, name=user.name)
            user.change_password_hash(await self._hasher.hash(password), now, reason="reset")
            # Following the emailed link proves the address, as verification does.
            user.verify_email(now)
            uow.publish(AccountEmailRequested(user.id, "password_changed"))
            await uow.commit()
        await self._sessions.revoke_all(user_id, now=now)
        await self._auditor.record("auth.password_reset", ctx, subject_id=user_id)


class ChangePassword:
    def __init__(
        self,
        uow: UowFactory,
        hasher: PasswordHasher,
        blocklist: PasswordBlocklist,
        sessions: SessionStore,
        clock: Clock,
        auditor: Auditor,
    ) -> None:
        self._uow, self._hasher, self._blocklist = uow, hasher, blocklist
        self._sessions, self._clock, self._auditor = sessions, clock, auditor

    async def __call__(self, principal: Principal, current: str, new_password: str, ctx: RequestContext) -> None:
        now = self._clock.now()
        async with self._uow() as uow:
            user = await uow.users.get(principal.user_id)
            if user is None:
                raise NotFound("user.not_found", "user not found")
            if user.password_hash is None or not await self._hasher.verify(user.password_hash, normalize(current)):
                await self._auditor.record(
                    "auth.password_change", ctx, actor_id=user.id, subject_id=user.id, outcome="failure"
                )
                raise PermissionDenied("auth.wrong_password", "the current password is not correct")
            password = check_password(new_password, blocklist=self._blocklist, email=user.email, name=user.name)
            user.change_password_hash(await self._hasher.hash(password), now, reason="change")
            uow.publish(AccountEmailRequested(user.id, "password_changed"))
            await uow.commit()
        await self._sessions.revoke_all(principal.user_id, now=now, keep=principal.session_id)
        await self._auditor.record("auth.password_change", ctx, actor_id=user.id, subject_id=user.id)
