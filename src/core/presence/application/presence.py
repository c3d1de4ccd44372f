"""Who is online: heartbeats that expire, counted and listed per scope (a course, the platform).

Stored as one sorted set per scope in the shared cache: member = user id, score = the time
the heartbeat expires. Expired members are trimmed on read, so sets stay small.
"""

from __future__ import annotations

import dataclasses
import re

from core.shared.errors import InvalidInput
from ports.shared.cache import Cache
from ports.shared.clock import Clock

HEARTBEAT_TTL_SECONDS = 60.0
MAX_LIST = 500
_SCOPE = re.compile(r"^[a-z]+(:[A-Za-z0-9-]{1,64})?$")
# The whole set expires if nobody sends a heartbeat for a while: no orphaned keys.
_SET_TTL_SECONDS = 10 * HEARTBEAT_TTL_SECONDS


@dataclasses.dataclass(frozen=True)
class OnlineUser:
    user_id: str
    expires_at: float


def _key(scope: str) -> str:
    if not _SCOPE.match(scope):
        raise InvalidInput("presence.invalid_scope", "scope must look like 'course:<id>' or 'platform'")
    return f"presence:{scope}"


class RecordHeartbeat:
    def __init__(self, cache: Cache, clock: Clock, ttl_seconds: float = HEARTBEAT_TTL_SECONDS) -> None:
        self._cache = cache
        self._clock = clock
        self._ttl = ttl_seconds

    async def __call__(self, scope: str, user_id: str) -> None:
        key = _key(scope)
        now = self._clock.now().timestamp()
        await self._cache.zset(key, user_id, now + self._ttl, ttl_seconds=_SET_TTL_SECONDS)


class GoOffline:
    def __init__(self, cache: Cache) -> None:
        self._cache = cache

    async def __call__(self, scope: str, user_id: str) -> None:
        await self._cache.zremove(_key(scope), user_id)


class CountOnline:
    def __init__(self, cache: Cache, clock: Clock) -> None:
        self._cache = cache
        self._clock = clock

    async def __call__(self, scope: str) -> int:
        key, now = _key(scope), self._clock.now().timestamp()
        await self._cache.zremove_by_score(key, float("-inf"), now)
        return await self._cache.zcount(key, now, float("inf"))


class ListOnline:
    def __init__(self, cache: Cache, clock: Clock) -> None:
        self._cache = cache
        self._clock = clock

    async def __call__(self, scope: str, *, limit: int = 100) -> list[OnlineUser]:
        if not 1 <= limit <= MAX_LIST:
            raise InvalidInput("presence.invalid_limit", f"limit must be between 1 and {MAX_LIST}")
        key, now = _key(scope), self._clock.now().timestamp()
        await self._cache.zremove_by_score(key, float("-inf"), now)
        rows = await self._cache.zrange_by_score(key, now, float("inf"), limit=limit)
        return [OnlineUser(member, score) for member, score in rows]
