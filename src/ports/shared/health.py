from __future__ import annotations

from typing import Protocol


class HealthCheck(Protocol):
    """A dependency the process needs; ``check`` raises when it is unreachable.

    ``critical`` dependencies (database, cache, broker) make the process unready when down;
    the others (storage, search, mail) only make it degraded: most requests still work.
    """

    name: str
    kind: str
    critical: bool

    async def check(self) -> None: ...
