"""Redis cache: shared by every API and worker process."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import RedisError

from core.shared.errors import Unavailable


class RedisCache:
    def __init__(self, client: Redis, *, prefix: str = "lyceum:") -> None:
        self._client = client
        self._prefix = prefix

    async def get(self, key: str) -> bytes | None:
        try:
            value = await self._client.get(self._prefix + key)
        except RedisError as exc:
            raise Unavailable("cache.unavailable", "cache is unreachable") from exc
        return bytes(value) if value is not None else None

    async def set(self, key: str, value: bytes, *, ttl_seconds: float) -> None:
        try:
            await self._client.set(self._prefix + key, value, px=max(int(ttl_seconds * 1000), 1))
        except RedisError as exc:
            raise Unavailable("cache.unavailable", "cache is unreachable") from exc

    async def delete(self, key: str) -> None:
        try:
            await self._client.delete(self._prefix + key)
        except RedisError as exc:
            raise Unavailable("cache.unavailable", "cache is unreachable") from exc
