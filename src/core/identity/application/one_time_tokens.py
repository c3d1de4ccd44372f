"""Single-use, expiring tokens for links in emails (verify email, reset password).

Only a hash is stored; the token itself exists in the email alone.
"""

from __future__ import annotations

import uuid

from core.identity.domain.sessions import new_token, token_hash
from core.shared.errors import InvalidInput
from ports.shared.cache import Cache

VERIFY_EMAIL_TTL = 3 * 24 * 3600
RESET_PASSWORD_TTL = 3600


class OneTimeTokens:
    def __init__(self, cache: Cache) -> None:
        self._cache = cache

    async def issue(self, purpose: str, user_id: uuid.UUID, *, ttl_seconds: float) -> str:
        token = new_token()
        await self._cache.set(f"auth:ott:{purpose}:{token_hash(token)}", str(user_id).encode(), ttl_seconds=ttl_seconds)
        return token

    async def consume(self, purpose: str, token: str) -> uuid.UUID:
        """The user the token was issued for; a token works once, then never again."""
        digest = token_hash(token)
        raw = await self._cache.get(f"auth:ott:{purpose}:{digest}")
        # `add` is atomic: of two concurrent uses, exactly one passes.
        if raw is None or not await self._cache.add(f"auth:ott-used:{purpose}:{digest}", b"1", ttl_seconds=86400):
            raise InvalidInput(f"auth.invalid_{purpose}_token", "this link is invalid, used or expired")
        await self._cache.delete(f"auth:ott:{purpose}:{digest}")
        return uuid.UUID(raw.decode())
