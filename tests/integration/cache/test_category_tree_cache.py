from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from adapters.cache.category_tree import CachedCategoryTree
from adapters.cache.memory import MemoryCache
from adapters.cache.redis import RedisCache
from core.catalog.domain.tree import CategoryView
from ports.shared.cache import Cache
from tests.conftest import REDIS_URL


def _view(name: str, parent: uuid.UUID | None = None) -> CategoryView:
    return CategoryView(uuid.uuid4(), name, name.lower(), parent, 0 if parent is None else 1, 0, (name.lower(),))


@pytest.fixture(params=["memory", "redis"])
async def shared_cache(request: pytest.FixtureRequest) -> AsyncIterator[Cache]:
    if request.param == "memory":
        yield MemoryCache()
        return
    client = Redis.from_url(REDIS_URL)
    prefix = f"test-{secrets.token_hex(4)}:"
    yield RedisCache(client, prefix=prefix)
    async for key in client.scan_iter(f"{prefix}*"):
        await client.delete(key)
    await client.aclose()


async def test_round_trip_preserves_every_field(shared_cache: Cache) -> None:
    parent = _view("Web")
    tree = [parent, _view("Frontend", parent.id), _view("Облако")]
    await CachedCategoryTree(shared_cache).put(tree)
    assert await CachedCategoryTree(shared_cache).get() == tree  # another process's view


async def test_unchanged_tree_is_the_same_object(shared_cache: Cache) -> None:
    cache = CachedCategoryTree(shared_cache, local_ttl_seconds=0)
    await CachedCategoryTree(shared_cache).put([_view("Web")])
    first = await cache.get()
    assert first is not None and await cache.get() is first


async def test_other_processes_see_a_change_within_the_local_ttl(shared_cache: Cache) -> None:
    reader = CachedCategoryTree(shared_cache, local_ttl_seconds=0.2)
    writer = CachedCategoryTree(shared_cache, local_ttl_seconds=0.2)
    await writer.put([_view("Old")])
    assert [v.name for v in await reader.get() or []] == ["Old"]
    await writer.put([_view("New")])
    assert [v.name for v in await writer.get() or []] == ["New"]  # the writer sees it at once
    await asyncio.sleep(0.25)
    assert [v.name for v in await reader.get() or []] == ["New"]


async def test_invalidate_empties_the_shared_and_local_copy(shared_cache: Cache) -> None:
    cache = CachedCategoryTree(shared_cache)
    await cache.put([_view("Web")])
    await cache.invalidate()
    assert await cache.get() is None
    assert await CachedCategoryTree(shared_cache).get() is None


async def test_unreadable_bytes_count_as_a_miss(shared_cache: Cache) -> None:
    await shared_cache.set("catalog:category-tree:v2", b'[{"id": 1}]', ttl_seconds=60)
    assert await CachedCategoryTree(shared_cache).get() is None


async def test_memory_cache_is_bounded_and_expires() -> None:
    cache = MemoryCache(max_entries=3)
    for i in range(5):
        await cache.set(f"k{i}", b"v", ttl_seconds=60)
    assert [await cache.get(f"k{i}") for i in range(5)] == [None, None, b"v", b"v", b"v"]
    await cache.set("short", b"v", ttl_seconds=0.01)
    await asyncio.sleep(0.02)
    assert await cache.get("short") is None
