from __future__ import annotations

from typing import Protocol


class Cache(Protocol):
    """Key-value bytes with a time to live. Shared by every process in production (Redis)."""

    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, *, ttl_seconds: float) -> None: ...

    async def delete(self, key: str) -> None: ...
