"""Presence on both cache adapters, with a clock the test controls."""

from __future__ import annotations

import datetime as dt

import pytest

from core.presence.application.presence import CountOnline, GoOffline, ListOnline, RecordHeartbeat
from core.shared.errors import InvalidInput
from ports.shared.cache import Cache
from tests.fakes.catalog import FakeClock


async def test_heartbeats_count_until_they_expire(cache: Cache) -> None:
    clock = FakeClock(dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC))
    beat, count, online = (
        RecordHeartbeat(cache, clock, ttl_seconds=60),
        CountOnline(cache, clock),
        ListOnline(cache, clock),
    )
    await beat("course:abc", "alice")
    clock.current += dt.timedelta(seconds=30)
    await beat("course:abc", "bob")
    await beat("course:other", "carol")
    assert await count("course:abc") == 2
    assert [u.user_id for u in await online("course:abc")] == ["alice", "bob"]

    clock.current += dt.timedelta(seconds=31)  # alice's heartbeat is 61 s old
    assert await count("course:abc") == 1
    await beat("course:abc", "bob")  # a repeat heartbeat refreshes, never duplicates
    assert [u.user_id for u in await online("course:abc")] == ["bob"]
    await GoOffline(cache)("course:abc", "bob")
    assert await count("course:abc") == 0
    assert await count("course:other") == 1


@pytest.mark.parametrize("scope", ["", "course:../x", "COURSE:1", "course:" + "x" * 65])
async def test_scopes_are_validated(cache: Cache, scope: str) -> None:
    with pytest.raises(InvalidInput):
        await RecordHeartbeat(cache, FakeClock())(scope, "alice")
