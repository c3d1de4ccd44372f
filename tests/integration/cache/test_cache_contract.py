"""One contract, two adapters: in-process (embedded) and Redis (production)."""

from __future__ import annotations

import asyncio

import pytest

from core.shared.errors import Unavailable
from ports.shared.cache import Cache


async def test_values_expire(cache: Cache) -> None:
    await cache.set("otp:alice", b"123456", ttl_seconds=0.15)
    assert await cache.get("otp:alice") == b"123456"
    remaining = await cache.ttl("otp:alice")
    assert remaining is not None and 0 < remaining <= 0.15
    await asyncio.sleep(0.2)
    assert await cache.get("otp:alice") is None
    assert await cache.ttl("otp:alice") is None


async def test_add_sets_only_once(cache: Cache) -> None:
    assert await cache.add("lock:job", b"a", ttl_seconds=5)
    assert not await cache.add("lock:job", b"b", ttl_seconds=5)
    assert await cache.get("lock:job") == b"a"
    await cache.delete("lock:job")
    assert await cache.add("lock:job", b"c", ttl_seconds=5)


async def test_counters_are_atomic_under_concurrency(cache: Cache) -> None:
    await asyncio.gather(*(cache.incr("views:course-1") for _ in range(200)))
    assert await cache.incr("views:course-1", 0) == 200
    assert await cache.get("views:course-1") == b"200"


async def test_counter_ttl_is_set_when_created_and_not_extended(cache: Cache) -> None:
    await cache.incr("window", ttl_seconds=0.3)
    await asyncio.sleep(0.15)
    await cache.incr("window", ttl_seconds=0.3)
    remaining = await cache.ttl("window")
    assert remaining is not None and remaining < 0.2
    await asyncio.sleep(0.2)
    assert await cache.get("window") is None


async def test_sorted_sets_rank_popular_content(cache: Cache) -> None:
    for member, views in {"python": 5, "rust": 9, "go": 2, "sql": 9}.items():
        for _ in range(views):
            await cache.zincr("popular:courses", member)
    assert await cache.ztop("popular:courses", 3) == [("rust", 9.0), ("sql", 9.0), ("python", 5.0)]
    await cache.zremove("popular:courses", "rust")
    assert [m for m, _ in await cache.ztop("popular:courses", 10)] == ["sql", "python", "go"]


async def test_sorted_set_ranges_by_score(cache: Cache) -> None:
    for member, score in {"a": 10.0, "b": 20.0, "c": 30.0, "d": 40.0}.items():
        await cache.zset("online", member, score)
    assert await cache.zrange_by_score("online", 15, 35) == [("b", 20.0), ("c", 30.0)]
    assert await cache.zrange_by_score("online", 0, 100, limit=2) == [("a", 10.0), ("b", 20.0)]
    assert await cache.zcount("online", 20, 40) == 3
    assert await cache.zremove_by_score("online", 0, 25) == 2
    assert await cache.zrange_by_score("online", 0, 100) == [("c", 30.0), ("d", 40.0)]


async def test_missing_keys_are_empty_not_errors(cache: Cache) -> None:
    assert await cache.get("nope") is None
    assert await cache.ztop("nope", 5) == []
    assert await cache.zcount("nope", 0, 1) == 0
    assert await cache.zremove_by_score("nope", 0, 1) == 0
    await cache.delete("nope")


async def test_unreachable_redis_is_a_typed_error() -> None:
    from redis.asyncio import Redis

    from adapters.cache.redis import RedisCache

    client = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    try:
        with pytest.raises(Unavailable) as err:
            await RedisCache(client).get("anything")
        assert err.value.code == "cache.unavailable"
    finally:
        await client.aclose()


async def test_memory_cache_caps_sorted_sets_keeping_the_leaders() -> None:
    from adapters.cache.memory import MemoryCache

    cache = MemoryCache(max_members=3)
    for i in range(10):
        await cache.zset("top", f"m{i}", float(i))
    assert [m for m, _ in await cache.ztop("top", 10)] == ["m9", "m8", "m7"]


async def test_memory_cache_holds_at_most_its_byte_budget_of_values() -> None:
    from adapters.cache.memory import MemoryCache

    cache = MemoryCache(max_bytes=100_000)
    for i in range(1_000):  # e.g. one rendered page per filter value a visitor makes up
        await cache.set(f"page:{i}", b"x" * 10_000, ttl_seconds=300)
    assert cache.stored_bytes <= 100_000
    assert await cache.get("page:999") == b"x" * 10_000  # the newest stay
    assert await cache.get("page:0") is None
    await cache.delete("page:999")
    await cache.set("n", b"5", ttl_seconds=60)
    assert await cache.incr("n") == 6
    for i in range(990, 999):
        await cache.delete(f"page:{i}")
    assert cache.stored_bytes == len("n") + 64
