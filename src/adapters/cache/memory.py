"""In-process cache for embedded mode: bounded (LRU over keys, a cap on the bytes of stored
values, capped sorted sets), so memory never grows without limit, whatever keys visitors can
make us create (e.g. one rendered catalog page per filter combination). Single event loop, so
each operation is atomic."""

from __future__ import annotations

import bisect
import time
from collections import OrderedDict
from dataclasses import dataclass

INF = float("inf")


@dataclass
class _Entry:
    value: bytes | int | dict[str, float]
    expires_at: float = INF


def _size(key: str, entry: _Entry) -> int:
    # Values dominate; the key and a fixed allowance stand in for the bookkeeping around them.
    return len(key) + (len(entry.value) if isinstance(entry.value, bytes) else 0) + 64


class MemoryCache:
    def __init__(
        self, max_entries: int = 100_000, max_members: int = 10_000, max_bytes: int = 32 * 1024 * 1024
    ) -> None:
        self._max_entries = max_entries
        self._max_members = max_members
        self._max_bytes = max_bytes
        self._bytes = 0
        self._data: OrderedDict[str, _Entry] = OrderedDict()

    @property
    def stored_bytes(self) -> int:
        return self._bytes

    # -- plumbing ---------------------------------------------------------------------------

    def _live(self, key: str) -> _Entry | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        if entry.expires_at <= time.monotonic():
            self._remove(key)
            return None
        self._data.move_to_end(key)
        return entry

    def _store(self, key: str, entry: _Entry) -> None:
        self._remove(key)
        self._data[key] = entry
        self._bytes += _size(key, entry)
        while len(self._data) > self._max_entries or (self._bytes > self._max_bytes and len(self._data) > 1):
            oldest, evicted = self._data.popitem(last=False)
            self._bytes -= _size(oldest, evicted)

    def _remove(self, key: str) -> None:
        entry = self._data.pop(key, None)
        if entry is not None:
            self._bytes -= _size(key, entry)

    @staticmethod
    def _deadline(ttl_seconds: float | None) -> float:
        return INF if ttl_seconds is None else time.monotonic() + ttl_seconds

    def _zset(self, key: str, ttl_seconds: float | None) -> dict[str, float]:
        entry = self._live(key)
        if entry is None or not isinstance(entry.value, dict):
            entry = _Entry({}, self._deadline(ttl_seconds))
            self._store(key, entry)
        assert isinstance(entry.value, dict)
        return entry.value

    def _trim(self, scores: dict[str, float]) -> None:
        # Keep the highest scores when a set outgrows its cap (popularity keeps its leaders).
        if len(scores) > self._max_members:
            for member, _ in sorted(scores.items(), key=lambda kv: kv[1])[: len(scores) - self._max_members]:
                del scores[member]

    # -- key-value ----------------------------------------------------------------------------

    async def get(self, key: str) -> bytes | None:
        entry = self._live(key)
        if entry is None:
            return None
        if isinstance(entry.value, int) and not isinstance(entry.value, bool):
            return str(entry.value).encode()
        return entry.value if isinstance(entry.value, bytes) else None

    async def set(self, key: str, value: bytes, *, ttl_seconds: float) -> None:
        self._store(key, _Entry(value, self._deadline(ttl_seconds)))

    async def add(self, key: str, value: bytes, *, ttl_seconds: float) -> bool:
        if self._live(key) is not None:
            return False
        self._store(key, _Entry(value, self._deadline(ttl_seconds)))
        return True

    async def delete(self, key: str) -> None:
        self._remove(key)

    async def incr(self, key: str, amount: int = 1, *, ttl_seconds: float | None = None) -> int:
        entry = self._live(key)
        if entry is None:
            entry = _Entry(0, self._deadline(ttl_seconds))
            self._store(key, entry)
        current = entry.value
        if isinstance(current, bytes):
            self._bytes -= len(current)  # becomes a counter, sized as one
            current = int(current)
        if not isinstance(current, int):
            raise TypeError(f"{key!r} does not hold a counter")
        entry.value = current + amount
        return entry.value

    async def ttl(self, key: str) -> float | None:
        entry = self._live(key)
        if entry is None or entry.expires_at == INF:
            return None
        return max(entry.expires_at - time.monotonic(), 0.0)

    async def ping(self) -> None:
        return None

    # -- sorted sets --------------------------------------------------------------------------

    async def zincr(self, key: str, member: str, amount: float = 1.0, *, ttl_seconds: float | None = None) -> float:
        scores = self._zset(key, ttl_seconds)
        scores[member] = scores.get(member, 0.0) + amount
        self._trim(scores)
        return scores.get(member, 0.0)

    async def zset(self, key: str, member: str, score: float, *, ttl_seconds: float | None = None) -> None:
        scores = self._zset(key, ttl_seconds)
        scores[member] = score
        self._trim(scores)

    async def ztop(self, key: str, count: int) -> list[tuple[str, float]]:
        entry = self._live(key)
        if entry is None or not isinstance(entry.value, dict):
            return []
        return sorted(entry.value.items(), key=lambda kv: (-kv[1], kv[0]))[:count]

    async def zrange_by_score(
        self, key: str, minimum: float, maximum: float, *, limit: int = 100
    ) -> list[tuple[str, float]]:
        entry = self._live(key)
        if entry is None or not isinstance(entry.value, dict):
            return []
        ordered = sorted(entry.value.items(), key=lambda kv: (kv[1], kv[0]))
        scores = [score for _, score in ordered]
        start, stop = bisect.bisect_left(scores, minimum), bisect.bisect_right(scores, maximum)
        return ordered[start:stop][:limit]

    async def zcount(self, key: str, minimum: float, maximum: float) -> int:
        entry = self._live(key)
        if entry is None or not isinstance(entry.value, dict):
            return 0
        return sum(1 for score in entry.value.values() if minimum <= score <= maximum)

    async def zremove_by_score(self, key: str, minimum: float, maximum: float) -> int:
        entry = self._live(key)
        if entry is None or not isinstance(entry.value, dict):
            return 0
        doomed = [m for m, score in entry.value.items() if minimum <= score <= maximum]
        for member in doomed:
            del entry.value[member]
        return len(doomed)

    async def zremove(self, key: str, member: str) -> None:
        entry = self._live(key)
        if entry is not None and isinstance(entry.value, dict):
            entry.value.pop(member, None)
