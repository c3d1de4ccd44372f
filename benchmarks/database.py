"""A throwaway PostgreSQL database per scenario: dropped, recreated and migrated."""

from __future__ import annotations

import asyncpg
from sqlalchemy.engine import make_url

_SAFE_MARKER = "bench"


class DatabaseError(RuntimeError):
    pass


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


async def recreate(url: str) -> str:
    """Drop and recreate the database named in ``url``; return the server's version string.

    The name must contain "bench": this deletes everything in it, and a mistyped
    ``--database-url`` must not wipe a development database.
    """
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        raise DatabaseError(f"benchmarks need PostgreSQL, got {parsed.drivername!r}")
    name = parsed.database
    if not name or _SAFE_MARKER not in name:
        raise DatabaseError(f"refusing to drop database {name!r}: its name must contain {_SAFE_MARKER!r}")
    try:
        # The maintenance database, since one cannot drop the database one is connected to.
        connection = await asyncpg.connect(
            host=parsed.host or "127.0.0.1",
            port=parsed.port or 5432,
            user=parsed.username,
            password=parsed.password,
            database="postgres",
            timeout=10,
        )
    except (OSError, asyncpg.PostgresError) as exc:
        raise DatabaseError(f"cannot reach PostgreSQL at {parsed.host}:{parsed.port}: {exc}") from exc
    try:
        # FORCE ends sessions a crashed earlier run may have left behind.
        await connection.execute(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)")
        await connection.execute(f"CREATE DATABASE {_quote(name)}")
        version: str = await connection.fetchval("SHOW server_version")
    finally:
        await connection.close()
    return f"PostgreSQL {version.split()[0]}"


async def migrate(url: str) -> None:
    from adapters.persistence import migrator
    from adapters.persistence.engine import make_engine

    engine = make_engine(url)
    try:
        await migrator.upgrade(engine)
    finally:
        await engine.dispose()
