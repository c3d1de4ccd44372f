from __future__ import annotations

from typing import Protocol


class HealthCheck(Protocol):
    """A dependency the process needs; ``check`` raises when it is unreachable."""

    name: str

    async def check(self) -> None: ...
