"""Sliding-window log on Redis: one sorted set per key, trimmed and checked atomically in
Lua, so every API process sharing the Redis enforces one limit together."""

from __future__ import annotations

import secrets

from redis.asyncio import Redis
from redis.exceptions import RedisError

from core.shared.errors import Unavailable
from ports.shared.rate_limit import RateDecision, RateLimit

# Returns {allowed, remaining, seconds until the oldest counted hit leaves the window}.
_SLIDING_LOG = """
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local allowed = 0
if count < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, math.ceil(window * 1000))
  count = count + 1
  allowed = 1
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local reset = 0
if oldest[2] then reset = tonumber(oldest[2]) + window - now end
return {allowed, limit - count, tostring(reset)}
"""


class RedisRateLimiter:
    def __init__(self, client: Redis, *, prefix: str = "lyceum:") -> None:
        self._client = client
        self._prefix = f"{prefix}ratelimit:"
        self._script = client.register_script(_SLIDING_LOG)

    async def hit(self, key: str, rule: RateLimit, *, now: float) -> RateDecision:
        # A random suffix keeps simultaneous hits at the same timestamp distinct members.
        member = f"{now:.6f}:{secrets.token_hex(4)}"
        try:
            allowed, remaining, reset = await self._script(
                keys=[f"{self._prefix}{rule.name}:{key}"],
                args=[repr(now), repr(rule.window_seconds), rule.limit, member],
            )
        except RedisError as exc:
            raise Unavailable("ratelimit.unavailable", "rate limiter is unreachable") from exc
        reset_after = max(float(reset), 0.0)
        if allowed:
            return RateDecision(True, rule.limit, int(remaining), reset_after, 0.0)
        return RateDecision(False, rule.limit, 0, reset_after, reset_after)
