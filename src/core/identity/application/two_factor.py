"""TOTP enrolment (confirmed before it counts), recovery codes, and switching it off."""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
from collections.abc import Callable

from core.identity.application.auditing import Auditor
from core.identity.application.context import Principal, RequestContext
from core.identity.domain.passwords import normalize
from core.identity.domain.user import User
from core.shared.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ports.identity.repositories import IdentityUnitOfWork
from ports.identity.security import PasswordHasher, Totp
from ports.shared.clock import Clock

UowFactory = Callable[[], IdentityUnitOfWork]
ISSUER = "Lyceum"
RECOVERY_CODES = 10


def recovery_code_hash(code: str) -> str:
    """Codes are 40 random bits each, single use, behind a password and throttling, so a
    fast hash suffices (there is no dictionary to attack)."""
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


@dataclasses.dataclass(frozen=True)
class Enrolment:
    secret: str
    otpauth_uri: str
    qr_png: bytes


async def _load(uow: IdentityUnitOfWork, principal: Principal) -> User:
    user = await uow.users.get(principal.user_id)
    if user is None:
        raise NotFound("user.not_found", "user not found")
    return user


class StartTotpEnrolment:
    def __init__(self, uow: UowFactory, totp: Totp) -> None:
        self._uow, self._totp = uow, totp

    async def __call__(self, principal: Principal) -> Enrolment:
        async with self._uow() as uow:
            user = await _load(uow, principal)
            secret = self._totp.new_secret()
            user.start_totp_enrolment(secret)
            await uow.commit()
        uri = self._totp.provisioning_uri(secret, account=user.email, issuer=ISSUER)
        return Enrolment(secret, uri, self._totp.qr_png(uri))


class ConfirmTotp:
    """The first valid code switches 2FA on and returns the recovery codes, shown once."""

    def __init__(self, uow: UowFactory, totp: Totp, clock: Clock, auditor: Auditor) -> None:
        self._uow, self._totp, self._clock, self._auditor = uow, totp, clock, auditor

    async def __call__(self, principal: Principal, code: str, ctx: RequestContext) -> list[str]:
        async with self._uow() as uow:
            user = await _load(uow, principal)
            if user.two_factor_enabled:
                raise Conflict("2fa.already_enabled", "two-factor authentication is already on")
            if user.totp_secret is None:
                raise InvalidInput("2fa.not_started", "start enrolment first")
            step = self._totp.matching_step(user.totp_secret, code.strip(), now=self._clock.now())
            if step is None:
                raise InvalidInput("2fa.invalid_code", "the code is not valid; check the device clock")
            codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
            user.confirm_totp(
                step=step, recovery_code_hashes=[recovery_code_hash(c) for c in codes], now=self._clock.now()
            )
            await uow.commit()
        await self._auditor.record("auth.2fa_enabled", ctx, actor_id=user.id, subject_id=user.id)
        return [f"{c[:5]}-{c[5:]}" for c in codes]


class DisableTotp:
    """Needs the password again: a stolen session alone cannot remove the second factor."""

    def __init__(self, uow: UowFactory, hasher: PasswordHasher, clock: Clock, auditor: Auditor) -> None:
        self._uow, self._hasher, self._clock, self._auditor = uow, hasher, clock, auditor

    async def __call__(self, principal: Principal, password: str, ctx: RequestContext) -> None:
        async with self._uow() as uow:
            user = await _load(uow, principal)
            if user.password_hash is None or not await self._hasher.verify(user.password_hash, normalize(password)):
                await self._auditor.record(
                    "auth.2fa_disable", ctx, actor_id=user.id, subject_id=user.id, outcome="failure"
                )
                raise PermissionDenied("auth.wrong_password", "the password is not correct")
            if not user.two_factor_enabled:
                raise Conflict("2fa.not_enabled", "two-factor authentication is off")
            user.disable_totp(self._clock.now())
            await uow.commit()
        await self._auditor.record("auth.2fa_disabled", ctx, actor_id=user.id, subject_id=user.id)
