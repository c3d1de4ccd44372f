"""The PostgreSQL pool: connections are pinged only after sitting idle, a dead one is replaced
without the caller noticing, and the audit log's autocommit does not leak into other work."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import pytest
import sqlalchemy as sa

from adapters.persistence import engine as engine_module
from adapters.persistence import tables
from adapters.persistence.audit_log import SqlAuditLog
from adapters.persistence.engine import make_engine, make_session_factory
from entrypoints.bootstrap.containers import ApplicationContainer
from ports.identity.audit import AuditEntry, AuditQuery
from tests.conftest import _dsn, count_rows


async def _backend_pid(engine: sa.ext.asyncio.AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one())


def _count_pings(engine: sa.ext.asyncio.AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    pings: list[int] = []
    original = engine.dialect.do_ping

    def counting(dbapi_connection: object) -> bool:
        pings.append(1)
        return original(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counting)
    return pings


async def test_a_connection_in_steady_use_is_not_pinged(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(postgres_url, pool_size=1)
    try:
        pings = _count_pings(engine, monkeypatch)
        first = await _backend_pid(engine)
        for _ in range(5):
            assert await _backend_pid(engine) == first  # the same pooled connection each time
        assert pings == []
    finally:
        await engine.dispose()


async def test_an_idle_connection_is_pinged_and_a_dead_one_replaced(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "PING_IF_IDLE_SECONDS", 0.0)  # every reuse counts as idle
    engine = make_engine(postgres_url, pool_size=1)
    try:
        pings = _count_pings(engine, monkeypatch)
        first = await _backend_pid(engine)
        before = len(pings)
        assert await _backend_pid(engine) == first and len(pings) == before + 1
        admin = await asyncpg.connect(_dsn(postgres_url))
        try:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", first)
        finally:
            await admin.close()
        # The ping finds the connection dead: the pool reconnects and the caller never knows.
        assert await _backend_pid(engine) != first
    finally:
        await engine.dispose()


async def test_the_audit_logs_autocommit_does_not_leak_into_transactions(container: ApplicationContainer) -> None:
    engine = container.infrastructure.engine()
    audit = SqlAuditLog(make_session_factory(engine))
    entry = AuditEntry(
        uuid.uuid4(), dt.datetime.now(dt.UTC), "auth.login", None, None, "192.0.2.1", "ua", "success", {}
    )
    for _ in range(3):  # with a pool of one connection or more, the next checkout is a used one
        await audit.append(entry if _ == 0 else AuditEntry(**{**entry.__dict__, "id": uuid.uuid4()}))
    async with engine.connect() as conn:
        await conn.execute(sa.insert(tables.audit_log), {**_row(), "action": "not.committed"})
        await conn.rollback()
    assert await count_rows(container, tables.audit_log, tables.audit_log.c.action == "not.committed") == 0
    assert len(await audit.search(AuditQuery(action="auth.login"), before=None, limit=10)) == 3


def _row() -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "at": dt.datetime.now(dt.UTC),
        "action": "x",
        "actor_id": None,
        "subject_id": None,
        "ip": None,
        "user_agent": None,
        "outcome": "success",
        "details": {},
    }
