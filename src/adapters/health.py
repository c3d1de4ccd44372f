"""Readiness checks for each configured dependency."""

from __future__ import annotations

import sqlalchemy as sa
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine


class DatabaseCheck:
    name = "database"

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self.kind = engine.dialect.name

    async def check(self) -> None:
        async with self._engine.connect() as connection:
            await connection.execute(sa.text("SELECT 1"))


class RedisCheck:
    def __init__(self, name: str, client: Redis) -> None:
        self.name = name
        self.kind = "redis"
        self._client = client

    async def check(self) -> None:
        await self._client.ping()


class InProcessCheck:
    """An embedded dependency (in-process cache or broker): up while the process is."""

    def __init__(self, name: str, kind: str) -> None:
        self.name = name
        self.kind = kind

    async def check(self) -> None:
        return None
