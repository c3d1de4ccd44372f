from __future__ import annotations

import dataclasses
from typing import Protocol


@dataclasses.dataclass(frozen=True)
class RateLimit:
    """At most ``limit`` hits in any ``window_seconds`` (a sliding window, no boundary bursts)."""

    limit: int
    window_seconds: float
    name: str = "default"

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window_seconds <= 0:
            raise ValueError("a rate limit needs limit >= 1 and a positive window")


@dataclasses.dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_after: float
    """Seconds until the oldest counted hit leaves the window (0 when none is counted)."""
    retry_after: float
    """Seconds to wait before a hit can be allowed (0 when this one was)."""


class RateLimiter(Protocol):
    """Counts a hit for ``key`` at time ``now`` (epoch seconds) against ``rule``.

    Only allowed hits are counted, so a client that keeps hammering while limited does
    not extend its own penalty. Atomic across every process sharing the backend.
    """

    async def hit(self, key: str, rule: RateLimit, *, now: float) -> RateDecision: ...
