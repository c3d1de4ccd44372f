from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Container
from typing import Protocol


class PasswordHasher(Protocol):
    """Argon2id in production. Slow on purpose: implementations run off the event loop."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...

    async def burn(self) -> None:
        """Spend the time a verify takes: keeps 'unknown email' as slow as 'wrong password'."""
        ...


class PasswordBlocklist(Container[str], Protocol):
    """Common and breached passwords, case-folded."""


@dataclasses.dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    role: str
    session_id: str
    expires_at: dt.datetime


class AccessTokens(Protocol):
    """Short-lived signed access tokens (JWT)."""

    lifetime_seconds: int

    def issue(self, *, user_id: uuid.UUID, role: str, session_id: str, now: dt.datetime) -> str: ...

    def verify(self, token: str, *, now: dt.datetime) -> AccessClaims:
        """Raises Unauthenticated (code auth.invalid_token / auth.token_expired)."""
        ...


class Totp(Protocol):
    """RFC 6238 time-based one-time passwords."""

    def new_secret(self) -> str: ...

    def provisioning_uri(self, secret: str, *, account: str, issuer: str) -> str: ...

    def matching_step(self, secret: str, code: str, *, now: dt.datetime) -> int | None:
        """The time step (counter) ``code`` belongs to within ±1 step of now, or None."""
        ...

    def qr_png(self, uri: str) -> bytes: ...
