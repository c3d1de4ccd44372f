"""The limiter contract on both adapters: never more than ``limit`` in any window."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable

import pytest

from adapters.cache.redis import make_redis_client
from adapters.ratelimit.memory import MemoryRateLimiter
from adapters.ratelimit.redis import RedisRateLimiter
from core.shared.errors import Unavailable
from ports.shared.rate_limit import RateLimit, RateLimiter
from tests.conftest import REDIS_URL

PER_MINUTE = RateLimit(limit=100, window_seconds=60)
LimiterFactory = Callable[[], RateLimiter]


@pytest.fixture(params=["memory", "redis"])
async def new_limiter(request: pytest.FixtureRequest) -> AsyncIterator[LimiterFactory]:
    """Each call is another process's limiter over the same backend."""
    if request.param == "memory":
        shared = MemoryRateLimiter()
        yield lambda: shared
        return
    prefix = f"test-{secrets.token_hex(4)}:"
    clients = []

    def make() -> RateLimiter:
        client = make_redis_client(REDIS_URL)
        clients.append(client)
        return RedisRateLimiter(client, prefix=prefix)

    yield make
    async for key in clients[0].scan_iter(f"{prefix}*"):
        await clients[0].delete(key)
    for client in clients:
        await client.aclose()


def _max_in_any_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while times[start] <= t - window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def _burst(limiter: RateLimiter, at: float, count: int, key: str = "ip:203.0.113.9") -> list[float]:
    decisions = [await limiter.hit(key, PER_MINUTE, now=at) for _ in range(count)]
    return [at for d in decisions if d.allowed]


async def test_bursts_either_side_of_a_minute_boundary_never_exceed_the_limit(new_limiter: LimiterFactory) -> None:
    first, second = new_limiter(), new_limiter()  # two app processes sharing one backend
    allowed = await _burst(first, 59.0, 150) + await _burst(second, 61.0, 150)
    assert len(allowed) == 100  # a fixed window would have let 200 through
    allowed += await _burst(second, 119.0, 150)  # the t=59 hits have left the window
    assert len(allowed) == 200
    assert _max_in_any_window(allowed, 60.0) == 100


async def test_steady_traffic_from_two_processes_is_capped_in_every_window(new_limiter: LimiterFactory) -> None:
    limiters = [new_limiter(), new_limiter()]
    allowed: list[float] = []
    for step in range(900):  # one request every 0.2 s for 180 s, alternating processes
        now = 1000.0 + step * 0.2
        if (await limiters[step % 2].hit("user:42", PER_MINUTE, now=now)).allowed:
            allowed.append(now)
    assert _max_in_any_window(allowed, 60.0) == 100
    assert len(allowed) == 300


async def test_concurrent_hits_at_one_instant_admit_exactly_the_limit(new_limiter: LimiterFactory) -> None:
    limiters = [new_limiter(), new_limiter()]
    decisions = await asyncio.gather(*(limiters[i % 2].hit("ip:x", PER_MINUTE, now=5.0) for i in range(180)))
    assert sum(d.allowed for d in decisions) == 100


async def test_decision_reports_remaining_and_when_to_retry(new_limiter: LimiterFactory) -> None:
    limiter = new_limiter()
    rule = RateLimit(limit=3, window_seconds=10, name="login")
    first = await limiter.hit("k", rule, now=100.0)
    assert (first.allowed, first.remaining, first.reset_after) == (True, 2, 10.0)
    await limiter.hit("k", rule, now=102.0)
    third = await limiter.hit("k", rule, now=104.0)
    assert (third.allowed, third.remaining) == (True, 0)
    denied = await limiter.hit("k", rule, now=105.0)
    assert (denied.allowed, denied.remaining) == (False, 0)
    assert denied.retry_after == pytest.approx(5.0)
    assert (await limiter.hit("k", rule, now=110.5)).allowed


async def test_denied_hits_do_not_extend_the_penalty(new_limiter: LimiterFactory) -> None:
    limiter = new_limiter()
    rule = RateLimit(limit=2, window_seconds=10)
    await _burst_rule(limiter, rule, 0.0, 2)
    for t in range(1, 10):
        assert not (await limiter.hit("k", rule, now=float(t))).allowed
    assert (await limiter.hit("k", rule, now=10.01)).allowed


async def _burst_rule(limiter: RateLimiter, rule: RateLimit, at: float, count: int) -> None:
    for _ in range(count):
        await limiter.hit("k", rule, now=at)


async def test_keys_and_rules_are_independent(new_limiter: LimiterFactory) -> None:
    limiter = new_limiter()
    tight = RateLimit(limit=1, window_seconds=60, name="tight")
    assert (await limiter.hit("a", tight, now=1.0)).allowed
    assert not (await limiter.hit("a", tight, now=2.0)).allowed
    assert (await limiter.hit("b", tight, now=2.0)).allowed
    assert (await limiter.hit("a", RateLimit(limit=1, window_seconds=60, name="other"), now=2.0)).allowed


async def test_unreachable_redis_is_a_typed_error() -> None:
    client = make_redis_client("redis://127.0.0.1:1/0", wait_seconds=0.5)
    try:
        with pytest.raises(Unavailable):
            await RedisRateLimiter(client).hit("k", PER_MINUTE, now=1.0)
    finally:
        await client.aclose()


async def test_memory_limiter_forgets_least_recent_keys_beyond_its_cap() -> None:
    limiter = MemoryRateLimiter(max_keys=2)
    rule = RateLimit(limit=1, window_seconds=60)
    for key in ("a", "b", "c"):
        await limiter.hit(key, rule, now=1.0)
    assert (await limiter.hit("a", rule, now=2.0)).allowed  # "a" was evicted
