from __future__ import annotations

from typing import Protocol


class Cache(Protocol):
    """Key-value bytes, counters and sorted sets with time to live.

    Shared by every process in production (Redis); in-process and bounded in embedded mode.
    Used for sessions, OTP codes, upload progress, view counters, popular/trending content
    and presence. Every operation on one key is atomic.
    """

    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, *, ttl_seconds: float) -> None: ...

    async def add(self, key: str, value: bytes, *, ttl_seconds: float) -> bool:
        """Set only if absent (single-use tokens, locks); True when this call set it."""
        ...

    async def delete(self, key: str) -> None: ...

    async def incr(self, key: str, amount: int = 1, *, ttl_seconds: float | None = None) -> int:
        """Add to a counter (created at 0); ``ttl_seconds`` applies when the key is created."""
        ...

    async def ttl(self, key: str) -> float | None:
        """Seconds left; None when the key is missing or never expires."""
        ...

    async def zincr(self, key: str, member: str, amount: float = 1.0, *, ttl_seconds: float | None = None) -> float:
        """Add to a member's score in a sorted set (popularity, trending)."""
        ...

    async def zset(self, key: str, member: str, score: float, *, ttl_seconds: float | None = None) -> None: ...

    async def ztop(self, key: str, count: int) -> list[tuple[str, float]]:
        """Members with the highest scores, best first."""
        ...

    async def zrange_by_score(
        self, key: str, minimum: float, maximum: float, *, limit: int = 100
    ) -> list[tuple[str, float]]:
        """Members with minimum <= score <= maximum, lowest score first, at most ``limit``."""
        ...

    async def zcount(self, key: str, minimum: float, maximum: float) -> int: ...

    async def zremove_by_score(self, key: str, minimum: float, maximum: float) -> int: ...

    async def zremove(self, key: str, member: str) -> None: ...
