"""Redis cache: shared by every API and worker process."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import RedisError

from core.shared.errors import Unavailable

T = TypeVar("T")

# Sets a TTL only when the key had none (created by this call), atomically.
_EXPIRE_IF_NEW = "if redis.call('TTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end"


def make_redis_client(url: str, *, max_connections: int = 64, wait_seconds: float = 5.0) -> Redis:
    """A client over a bounded pool: when all connections are busy callers wait (up to
    ``wait_seconds``) instead of failing, and the process never opens more than the cap."""
    pool = BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=wait_seconds, health_check_interval=30
    )
    return Redis(connection_pool=pool)


class RedisCache:
    def __init__(self, client: Redis, *, prefix: str = "lyceum:") -> None:
        self._client = client
        self._prefix = prefix

    async def _call(self, operation: Callable[[], Awaitable[T]]) -> T:
        try:
            return await operation()
        except RedisError as exc:
            raise Unavailable("cache.unavailable", "cache is unreachable") from exc

    def _k(self, key: str) -> str:
        return self._prefix + key

    @staticmethod
    def _ms(ttl_seconds: float) -> int:
        return max(int(ttl_seconds * 1000), 1)

    def _expire_if_new(self, pipe: Any, key: str, ttl_seconds: float | None) -> None:
        if ttl_seconds is not None:
            pipe.eval(_EXPIRE_IF_NEW, 1, key, self._ms(ttl_seconds))

    async def get(self, key: str) -> bytes | None:
        value = await self._call(lambda: self._client.get(self._k(key)))
        return bytes(value) if value is not None else None

    async def set(self, key: str, value: bytes, *, ttl_seconds: float) -> None:
        await self._call(lambda: self._client.set(self._k(key), value, px=self._ms(ttl_seconds)))

    async def add(self, key: str, value: bytes, *, ttl_seconds: float) -> bool:
        result = await self._call(lambda: self._client.set(self._k(key), value, px=self._ms(ttl_seconds), nx=True))
        return bool(result)

    async def delete(self, key: str) -> None:
        await self._call(lambda: self._client.delete(self._k(key)))

    async def incr(self, key: str, amount: int = 1, *, ttl_seconds: float | None = None) -> int:
        async def run() -> int:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.incrby(self._k(key), amount)
                self._expire_if_new(pipe, self._k(key), ttl_seconds)
                results = await pipe.execute()
            return int(results[0])

        return await self._call(run)

    async def ttl(self, key: str) -> float | None:
        millis = int(await self._call(lambda: self._client.pttl(self._k(key))))
        return None if millis < 0 else millis / 1000

    async def ping(self) -> None:
        await self._call(lambda: self._client.ping())

    async def zincr(self, key: str, member: str, amount: float = 1.0, *, ttl_seconds: float | None = None) -> float:
        async def run() -> float:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.zincrby(self._k(key), amount, member)
                self._expire_if_new(pipe, self._k(key), ttl_seconds)
                results = await pipe.execute()
            return float(results[0])

        return await self._call(run)

    async def zset(self, key: str, member: str, score: float, *, ttl_seconds: float | None = None) -> None:
        async def run() -> None:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.zadd(self._k(key), {member: score})
                self._expire_if_new(pipe, self._k(key), ttl_seconds)
                await pipe.execute()

        await self._call(run)

    async def ztop(self, key: str, count: int) -> list[tuple[str, float]]:
        rows = await self._call(lambda: self._client.zrevrange(self._k(key), 0, count - 1, withscores=True))
        # Redis orders equal scores by member descending for ZREVRANGE; make ties stable (A..Z).
        pairs = [(m.decode() if isinstance(m, bytes) else str(m), float(s)) for m, s in rows]
        return sorted(pairs, key=lambda kv: (-kv[1], kv[0]))

    async def zrange_by_score(
        self, key: str, minimum: float, maximum: float, *, limit: int = 100
    ) -> list[tuple[str, float]]:
        rows = await self._call(
            lambda: self._client.zrangebyscore(self._k(key), minimum, maximum, start=0, num=limit, withscores=True)
        )
        return [(m.decode() if isinstance(m, bytes) else str(m), float(s)) for m, s in rows]

    async def zcount(self, key: str, minimum: float, maximum: float) -> int:
        return int(await self._call(lambda: self._client.zcount(self._k(key), minimum, maximum)))

    async def zremove_by_score(self, key: str, minimum: float, maximum: float) -> int:
        return int(await self._call(lambda: self._client.zremrangebyscore(self._k(key), minimum, maximum)))

    async def zremove(self, key: str, member: str) -> None:
        await self._call(lambda: self._client.zrem(self._k(key), member))
