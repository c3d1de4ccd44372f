"""Engine and session factory for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from adapters.persistence.orm import start_mappers

# A pooled connection returned less than this long ago is taken as alive; an older one is
# pinged at checkout (SQLAlchemy's pre-ping costs three round trips with asyncpg: BEGIN, ping,
# ROLLBACK, on every checkout). Under load connections are never idle that long, so requests
# pay nothing; after a quiet spell the first use of each connection still checks it. A server
# restart inside the window costs the requests that hit a dead connection an error, and the
# disconnect invalidates the whole pool, as it would without any ping.
PING_IF_IDLE_SECONDS = 5.0
_RETURNED_AT = "lyceum_returned_at"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    start_mappers()
    kwargs: dict[str, Any] = {"echo": echo}
    if is_sqlite(url):
        kwargs["connect_args"] = {"timeout": 30}
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    else:
        kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800)
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    else:
        ping_idle_connections(engine, PING_IF_IDLE_SECONDS)
    return engine


def ping_idle_connections(engine: AsyncEngine, idle_seconds: float) -> None:
    """Pre-ping, but only connections that sat in the pool longer than ``idle_seconds``."""
    pool, dialect = engine.sync_engine.pool, engine.dialect

    def connected(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()  # brand new: nothing to check

    def checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    def checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get(_RETURNED_AT)
        if returned is not None and time.monotonic() - returned <= idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                # As SQLAlchemy's own pre-ping: the pool drops this connection and every one
                # older than it, and retries with a new one.
                raise exc.InvalidatePoolError(str(error)) from error
            raise

    event.listen(pool, "connect", connected)
    event.listen(pool, "checkin", checked_in)
    event.listen(pool, "checkout", checked_out)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers proceed while one writer commits; busy_timeout waits instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def autocommit_engine(session_factory: async_sessionmaker[AsyncSession], user: str) -> AsyncEngine:
    """The session factory's engine in autocommit mode, for adapters whose reads or writes are
    one statement each (no BEGIN/COMMIT round trips). Same pool; the isolation level applies to
    each checkout and is reset on return."""
    bind = session_factory.kw.get("bind")
    if not isinstance(bind, AsyncEngine):
        raise TypeError(f"{user} needs a session factory bound to an AsyncEngine")
    return bind.execution_options(isolation_level="AUTOCOMMIT")


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)
