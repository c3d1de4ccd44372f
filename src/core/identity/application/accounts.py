"""Registration and email verification, answering identically whether an account exists."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from typing import NoReturn

from core.identity.application.auditing import Auditor
from core.identity.application.context import RequestContext
from core.identity.application.one_time_tokens import VERIFY_EMAIL_TTL, OneTimeTokens
from core.identity.domain.events import AccountEmailRequested
from core.identity.domain.passwords import check_password
from core.identity.domain.user import User, normalize_email
from core.shared.errors import InvalidInput, RateLimited
from ports.identity.repositories import IdentityUnitOfWork
from ports.identity.security import PasswordBlocklist, PasswordHasher
from ports.shared.cache import Cache
from ports.shared.clock import Clock

UowFactory = Callable[[], IdentityUnitOfWork]
RESEND_LIMIT, RESEND_WINDOW = 3, 3600


@dataclasses.dataclass(frozen=True)
class RegisterCommand:
    email: str
    password: str
    name: str
    language: str = "en"


class Register:
    """Creates a pending account and asks for verification. For an email that already has an
    account the caller sees exactly the same answer (and timing); the owner gets a notice."""

    def __init__(
        self,
        uow: UowFactory,
        hasher: PasswordHasher,
        blocklist: PasswordBlocklist,
        clock: Clock,
        auditor: Auditor,
        cache: Cache,
    ) -> None:
        self._uow, self._hasher, self._blocklist, self._clock, self._auditor = uow, hasher, blocklist, clock, auditor
        self._cache = cache

    async def __call__(self, command: RegisterCommand, ctx: RequestContext) -> None:
        email = normalize_email(command.email)
        password = check_password(command.password, blocklist=self._blocklist, email=email, name=command.name)
        password_hash = await self._hasher.hash(password)  # paid either way: no timing oracle
        async with self._uow() as uow:
            existing = await uow.users.get_by_email(email)
            if existing is not None:
                # The owner hears about it, but at most a few times an hour: no mail bombing.
                notices = await self._cache.incr(f"auth:exists-notice:{email}", ttl_seconds=RESEND_WINDOW)
                if notices <= RESEND_LIMIT:
                    uow.publish(AccountEmailRequested(existing.id, "account_exists"))
                    await uow.commit()
                await self._auditor.record("auth.register", ctx, subject_id=existing.id, outcome="duplicate")
                return
            user = User.register(
                email=email,
                name=command.name,
                password_hash=password_hash,
                now=self._clock.now(),
                language=command.language,
            )
            await uow.users.add(user)
            uow.publish(AccountEmailRequested(user.id, "verify_email"))
            await uow.commit()
        await self._auditor.record("auth.register", ctx, subject_id=user.id)


class VerifyEmail:
    def __init__(self, uow: UowFactory, tokens: OneTimeTokens, clock: Clock, auditor: Auditor) -> None:
        self._uow, self._tokens, self._clock, self._auditor = uow, tokens, clock, auditor

    async def __call__(self, token: str, ctx: RequestContext) -> None:
        user_id = await self._tokens.consume("verify_email", token)
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
            if user is None or user.deleted_at is not None:
                raise_invalid()
            user.verify_email(self._clock.now())
            uow.publish(AccountEmailRequested(user.id, "welcome"))
            await uow.commit()
        await self._auditor.record("auth.email_verified", ctx, subject_id=user_id)


class ResendVerification:
    """Same answer whatever the address; at most three emails an hour per address."""

    def __init__(self, uow: UowFactory, cache: Cache) -> None:
        self._uow, self._cache = uow, cache

    async def __call__(self, email: str) -> None:
        address = normalize_email(email)
        sent = await self._cache.incr(f"auth:resend:{address}", ttl_seconds=RESEND_WINDOW)
        if sent > RESEND_LIMIT:
            retry = await self._cache.ttl(f"auth:resend:{address}") or RESEND_WINDOW
            raise RateLimited(
                "auth.resend_throttled", "too many emails requested; try later", {"retry_after": int(retry)}
            )
        async with self._uow() as uow:
            user = await uow.users.get_by_email(address)
            if user is not None and user.email_verified_at is None and user.deleted_at is None:
                uow.publish(AccountEmailRequested(user.id, "verify_email"))
                await uow.commit()


class IssueEmailLink:
    """Mints the single-use token for an account email (run by the worker at send time)."""

    TTL = {"verify_email": VERIFY_EMAIL_TTL, "reset_password": 3600}

    def __init__(self, tokens: OneTimeTokens) -> None:
        self._tokens = tokens

    async def __call__(self, kind: str, user_id: uuid.UUID) -> str | None:
        ttl = self.TTL.get(kind)
        return None if ttl is None else await self._tokens.issue(kind, user_id, ttl_seconds=ttl)


class GetUser:
    def __init__(self, uow: UowFactory) -> None:
        self._uow = uow

    async def __call__(self, user_id: uuid.UUID) -> User | None:
        async with self._uow() as uow:
            return await uow.users.get(user_id)


def raise_invalid() -> NoReturn:
    raise InvalidInput("auth.invalid_verify_email_token", "this link is invalid, used or expired")
