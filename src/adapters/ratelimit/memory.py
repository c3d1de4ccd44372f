"""Sliding-window log in process memory: exact, bounded (``limit`` timestamps per key,
least recently used keys dropped beyond ``max_keys``)."""

from __future__ import annotations

from collections import OrderedDict, deque

from ports.shared.rate_limit import RateDecision, RateLimit


class MemoryRateLimiter:
    def __init__(self, max_keys: int = 10_000) -> None:
        self._max_keys = max_keys
        self._logs: OrderedDict[str, deque[float]] = OrderedDict()

    async def hit(self, key: str, rule: RateLimit, *, now: float) -> RateDecision:
        full_key = f"{rule.name}:{key}"
        log = self._logs.get(full_key)
        if log is None:
            log = self._logs[full_key] = deque()
            while len(self._logs) > self._max_keys:
                self._logs.popitem(last=False)
        self._logs.move_to_end(full_key)
        cutoff = now - rule.window_seconds
        while log and log[0] <= cutoff:
            log.popleft()
        if len(log) < rule.limit:
            log.append(now)
            return RateDecision(True, rule.limit, rule.limit - len(log), log[0] + rule.window_seconds - now, 0.0)
        wait = log[0] + rule.window_seconds - now
        return RateDecision(False, rule.limit, 0, wait, wait)
