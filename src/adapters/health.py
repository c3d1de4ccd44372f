"""Readiness checks for each configured dependency."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine


class DatabaseCheck:
    name = "database"
    critical = True

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self.kind = engine.dialect.name

    async def check(self) -> None:
        async with self._engine.connect() as connection:
            await connection.execute(sa.text("SELECT 1"))


class RedisCheck:
    critical = True

    def __init__(self, name: str, client: Redis) -> None:
        self.name = name
        self.kind = "redis"
        self._client = client

    async def check(self) -> None:
        await self._client.ping()


class InProcessCheck:
    """An embedded dependency (in-process cache or broker): up while the process is."""

    critical = True

    def __init__(self, name: str, kind: str) -> None:
        self.name = name
        self.kind = kind

    async def check(self) -> None:
        return None


class AdapterCheck:
    """Readiness of an adapter that has its own ``check()`` (storage, search, mail): not critical.

    The outcome is reused for ``reuse_seconds``: probes poll often, and a check may open a
    connection to a paid provider (SMTP, SES) that should not be hit every few seconds.
    """

    critical = False

    def __init__(self, name: str, kind: str, target: Any, *, reuse_seconds: float = 15.0) -> None:
        self.name = name
        self.kind = kind
        self._target = target
        self._reuse = reuse_seconds
        self._checked_at = -float("inf")
        self._error: Exception | None = None

    async def check(self) -> None:
        if time.monotonic() - self._checked_at >= self._reuse:
            try:
                await self._target.check()
                self._error = None
            except Exception as exc:
                self._error = exc
            self._checked_at = time.monotonic()
        if self._error is not None:
            raise self._error
