from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from adapters.cache.memory import MemoryCache
from adapters.cache.redis import RedisCache, make_redis_client
from ports.shared.cache import Cache
from tests.conftest import REDIS_URL


@pytest.fixture
async def redis_client() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    yield client
    await client.aclose()


@pytest.fixture
def redis_prefix() -> str:
    return f"test-{secrets.token_hex(4)}:"


@pytest.fixture(params=["memory", "redis"])
async def cache(request: pytest.FixtureRequest, redis_prefix: str) -> AsyncIterator[Cache]:
    """The contract: every test using this runs on the in-process and the Redis adapter."""
    if request.param == "memory":
        yield MemoryCache()
        return
    client = make_redis_client(REDIS_URL)
    yield RedisCache(client, prefix=redis_prefix)
    async for key in client.scan_iter(f"{redis_prefix}*"):
        await client.delete(key)
    await client.aclose()
