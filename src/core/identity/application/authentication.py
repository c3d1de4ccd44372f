"""Sign-in, the second factor, token refresh, sign-out and the session list."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable
from typing import Protocol

from core.identity.application.auditing import Auditor
from core.identity.application.context import Principal, RequestContext
from core.identity.application.session_store import RefreshReuse, Rotation, SessionStore
from core.identity.domain.passwords import normalize
from core.identity.domain.roles import Role
from core.identity.domain.sessions import Session, new_token, token_hash
from core.identity.domain.user import AccountStatus, User, normalize_email
from core.shared.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RateLimited, Unauthenticated
from ports.identity.repositories import AccountLookup, IdentityUnitOfWork
from ports.identity.security import AccessTokens, PasswordHasher, Totp
from ports.shared.cache import Cache
from ports.shared.clock import Clock

UowFactory = Callable[[], IdentityUnitOfWork]

# Per account AND address: an attacker elsewhere cannot lock the owner out by failing on purpose.
FAILURES_PER_ACCOUNT_AND_IP, FAILURE_WINDOW = 10, 15 * 60
# Per address across accounts: slows credential stuffing from one host.
FAILURES_PER_IP = 100
CHALLENGE_TTL, CHALLENGE_ATTEMPTS = 300, 5
INVALID_CREDENTIALS = "invalid email or password"


@dataclasses.dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 - the OAuth token type, not a secret


@dataclasses.dataclass(frozen=True)
class SecondFactorRequired:
    challenge: str
    methods: tuple[str, ...] = ("totp", "recovery_code")
    expires_in: int = CHALLENGE_TTL


async def start_second_factor(cache: Cache, user_id: uuid.UUID) -> SecondFactorRequired:
    """The short-lived challenge every sign-in path returns when 2FA is on; VerifySecondFactor
    finishes it."""
    challenge = new_token()
    await cache.set(f"auth:2fa:{token_hash(challenge)}", str(user_id).encode(), ttl_seconds=CHALLENGE_TTL)
    return SecondFactorRequired(challenge)


class LoginThrottle:
    def __init__(self, cache: Cache) -> None:
        self._cache = cache

    def _keys(self, email: str, ip: str) -> tuple[str, str]:
        return f"auth:fail:{email}:{ip}", f"auth:fail-ip:{ip}"

    async def check(self, email: str, ip: str) -> None:
        for key, limit in zip(self._keys(email, ip), (FAILURES_PER_ACCOUNT_AND_IP, FAILURES_PER_IP), strict=True):
            raw = await self._cache.get(key)
            if raw is not None and int(raw) >= limit:
                retry = await self._cache.ttl(key) or FAILURE_WINDOW
                raise RateLimited(
                    "auth.too_many_attempts",
                    "too many failed attempts; try again later",
                    {"retry_after": int(retry) + 1},
                )

    async def failed(self, email: str, ip: str) -> None:
        for key in self._keys(email, ip):
            await self._cache.incr(key, ttl_seconds=FAILURE_WINDOW)

    async def succeeded(self, email: str, ip: str) -> None:
        await self._cache.delete(self._keys(email, ip)[0])


class _Issuer:
    """Starts sessions and mints the token pair; shared by every sign-in path."""

    def __init__(self, sessions: SessionStore, tokens: AccessTokens, clock: Clock) -> None:
        self.sessions, self.tokens, self.clock = sessions, tokens, clock

    async def sign_in(self, user: User, ctx: RequestContext, *, second_factor: bool) -> Tokens:
        now = self.clock.now()
        rotation = await self.sessions.start(user.id, ctx, now=now, second_factor=second_factor)
        return self.pair(user, rotation, now)

    def pair(self, user: User, rotation: Rotation, now: dt.datetime) -> Tokens:
        access = self.tokens.issue(user_id=user.id, role=user.role, session_id=rotation.session.id, now=now)
        return Tokens(access, rotation.refresh_token, self.tokens.lifetime_seconds)


class Admission(Protocol):
    """Admission control of the password hasher (adapters.identity.argon2.Argon2Hasher)."""

    def admitted(self) -> contextlib.AbstractContextManager[None]:
        """Raise Unavailable at once when a hash asked for now would be refused; otherwise keep
        the caller's place in the hasher's queue until its hash starts or the block ends."""
        ...


class _LookupInUnitOfWork:
    """AccountLookup through a unit of work that is never committed."""

    def __init__(self, uow: UowFactory) -> None:
        self._uow = uow

    async def by_email(self, email: str) -> User | None:
        async with self._uow() as uow:
            return await uow.users.get_by_email(email)


class Login:
    def __init__(
        self,
        uow: UowFactory,
        hasher: PasswordHasher,
        throttle: LoginThrottle,
        issuer: _Issuer,
        cache: Cache,
        clock: Clock,
        auditor: Auditor,
        admission: Admission | None = None,
        lookup: AccountLookup | None = None,
    ) -> None:
        """``lookup`` does the read every attempt does, outside a unit of work (by default a
        unit of work that never commits). ``uow`` is used only when a sign-in must write (an
        old hash upgraded, a lapsed suspension ended)."""
        self._uow, self._hasher, self._throttle, self._issuer = uow, hasher, throttle, issuer
        self._lookup: AccountLookup = lookup if lookup is not None else _LookupInUnitOfWork(uow)
        self._cache, self._clock, self._auditor = cache, clock, auditor
        self._admission = admission

    async def __call__(self, email: str, password: str, ctx: RequestContext) -> Tokens | SecondFactorRequired:
        # Overload is refused before any cache or database work: a refusal stays cheap, and the
        # same for every address (it happens before we know whether the account exists).
        with self._admission.admitted() if self._admission is not None else contextlib.nullcontext():
            user, address, ok = await self._check_password(email, password, ctx)
        if not ok or user is None:
            await self._throttle.failed(address, ctx.ip)
            await self._auditor.record(
                "auth.login", ctx, subject_id=user.id if user else None, outcome="failure", reason="bad_credentials"
            )
            raise Unauthenticated("auth.invalid_credentials", INVALID_CREDENTIALS)
        now = self._clock.now()
        was_suspended = user.status_enum is AccountStatus.SUSPENDED
        try:
            user.ensure_can_sign_in(now)
        except PermissionDenied:
            await self._auditor.record("auth.login", ctx, subject_id=user.id, outcome="denied", reason=user.status)
            raise
        if was_suspended or self._hasher.needs_rehash(user.password_hash or ""):
            await self._refresh_account(user.id, password, now)
        await self._throttle.succeeded(address, ctx.ip)
        if user.two_factor_enabled:
            await self._auditor.record("auth.login", ctx, subject_id=user.id, outcome="second_factor_required")
            return await start_second_factor(self._cache, user.id)
        tokens = await self._issuer.sign_in(user, ctx, second_factor=False)
        await self._auditor.record("auth.login", ctx, subject_id=user.id)
        return tokens

    async def _check_password(self, email: str, password: str, ctx: RequestContext) -> tuple[User | None, str, bool]:
        try:
            address = normalize_email(email)
        except InvalidInput:
            address = email.strip().lower()[:254]
        await self._throttle.check(address, ctx.ip)
        # The same lookup for every address, known or not.
        user = await self._lookup.by_email(address)
        # The connection is back in the pool before the slow part: under load, requests wait
        # at the hasher's admission gate (which refuses fast), never silently on the pool.
        if user is None or user.password_hash is None or user.deleted_at is not None:
            await self._hasher.burn()  # same cost as a real verify: no account oracle
            return user, address, False
        return user, address, await self._hasher.verify(user.password_hash, normalize(password))

    async def _refresh_account(self, user_id: uuid.UUID, password: str, now: dt.datetime) -> None:
        """Persist what sign-in changes: a lapsed suspension ends, an old hash is upgraded."""
        new_hash = None
        async with self._uow() as uow:
            fresh = await uow.users.get(user_id)
            if fresh is None:
                return
            if fresh.password_hash and self._hasher.needs_rehash(fresh.password_hash):
                new_hash = await self._hasher.hash(normalize(password))
                fresh.rehash_password(new_hash)
            if fresh.status_enum is AccountStatus.SUSPENDED:
                fresh.ensure_can_sign_in(now)
            # A concurrent sign-in may have done the same first; this one still succeeds.
            with contextlib.suppress(Conflict):
                await uow.commit()


class VerifySecondFactor:
    def __init__(
        self,
        uow: UowFactory,
        totp: Totp,
        issuer: _Issuer,
        cache: Cache,
        clock: Clock,
        auditor: Auditor,
        recovery_hash: Callable[[str], str],
    ) -> None:
        self._uow, self._totp, self._issuer, self._cache = uow, totp, issuer, cache
        self._clock, self._auditor, self._recovery_hash = clock, auditor, recovery_hash

    async def __call__(
        self, challenge: str, *, code: str | None, recovery_code: str | None, ctx: RequestContext
    ) -> Tokens:
        key = f"auth:2fa:{token_hash(challenge)}"
        raw = await self._cache.get(key)
        if raw is None:
            raise Unauthenticated("auth.invalid_challenge", "the sign-in step has expired; sign in again")
        attempts = await self._cache.incr(f"{key}:attempts", ttl_seconds=CHALLENGE_TTL)
        if attempts > CHALLENGE_ATTEMPTS:
            await self._cache.delete(key)
            raise Unauthenticated("auth.invalid_challenge", "too many wrong codes; sign in again")
        user_id = uuid.UUID(raw.decode())
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
            if user is None or user.totp_secret is None:
                raise Unauthenticated("auth.invalid_challenge", "the sign-in step has expired; sign in again")
            accepted, method = False, "totp"
            if code:
                step = self._totp.matching_step(user.totp_secret, code.strip(), now=self._clock.now())
                accepted = step is not None and user.accept_totp_step(step)
                if step is not None and not accepted:
                    await self._auditor.record("auth.totp_replay", ctx, subject_id=user.id, outcome="denied")
            elif recovery_code:
                method = "recovery_code"
                accepted = user.use_recovery_code(self._recovery_hash(recovery_code))
            if not accepted:
                await uow.commit()  # keeps nothing but is harmless; wrong codes change no state
                await self._auditor.record(
                    "auth.second_factor", ctx, subject_id=user.id, outcome="failure", method=method
                )
                raise Unauthenticated("auth.invalid_code", "the code is not valid")
            await uow.commit()
        await self._cache.delete(key)
        await self._auditor.record("auth.second_factor", ctx, subject_id=user.id, method=method)
        return await self._issuer.sign_in(user, ctx, second_factor=True)


class Refresh:
    def __init__(self, uow: UowFactory, issuer: _Issuer, clock: Clock, auditor: Auditor) -> None:
        self._uow, self._issuer, self._clock, self._auditor = uow, issuer, clock, auditor

    async def __call__(self, refresh_token: str, ctx: RequestContext) -> Tokens:
        now = self._clock.now()
        try:
            rotation = await self._issuer.sessions.rotate(refresh_token, ctx, now=now)
        except RefreshReuse as reuse:
            await self._auditor.record(
                "auth.refresh_reuse", ctx, outcome="denied", session=str(reuse.details.get("session_id"))
            )
            raise
        async with self._uow() as uow:
            user = await uow.users.get(rotation.session.user_id)
        if user is None or not user.can_sign_in(now):
            # Suspended or banned since sign-in: access ends here, at the latest.
            await self._issuer.sessions.revoke(rotation.session.id)
            raise Unauthenticated("auth.account_disabled", "this account cannot sign in")
        return self._issuer.pair(user, rotation, now)


class Logout:
    def __init__(self, sessions: SessionStore, clock: Clock, auditor: Auditor) -> None:
        self._sessions, self._clock, self._auditor = sessions, clock, auditor

    async def __call__(self, principal: Principal, ctx: RequestContext, *, everywhere: bool = False) -> int:
        if everywhere:
            ended = await self._sessions.revoke_all(principal.user_id, now=self._clock.now())
        else:
            ended = 1 if await self._sessions.revoke(principal.session_id) else 0
        await self._auditor.record(
            "auth.logout", ctx, actor_id=principal.user_id, subject_id=principal.user_id, everywhere=everywhere
        )
        return ended


class ListSessions:
    def __init__(self, sessions: SessionStore, clock: Clock) -> None:
        self._sessions, self._clock = sessions, clock

    async def __call__(self, principal: Principal) -> list[Session]:
        return await self._sessions.list(principal.user_id, now=self._clock.now())


class RevokeSession:
    def __init__(self, sessions: SessionStore, auditor: Auditor) -> None:
        self._sessions, self._auditor = sessions, auditor

    async def __call__(self, principal: Principal, session_id: str, ctx: RequestContext) -> None:
        session = await self._sessions.get(session_id)
        if session is None or session.user_id != principal.user_id:
            raise NotFound("auth.session_not_found", "no such session")  # someone else's is "not found" too
        await self._sessions.revoke(session_id)
        await self._auditor.record(
            "auth.session_revoked", ctx, actor_id=principal.user_id, subject_id=principal.user_id, session=session_id
        )


def principal_from(claims_user_id: uuid.UUID, role: str, session_id: str) -> Principal:
    return Principal(claims_user_id, Role(role), session_id)
