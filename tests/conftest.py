"""Shared fixtures. Infrastructure is real: PostgreSQL and Redis on loopback (see
.ci/ensure-services.sh), SQLite files in temp dirs. Nothing here is mocked."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from adapters.persistence import tables
from entrypoints.bootstrap.containers import ApplicationContainer, build_container
from entrypoints.bootstrap.lifecycle import shutdown, upgrade_database
from entrypoints.bootstrap.settings import Settings, load_settings

POSTGRES_ADMIN_URL = os.environ.get("LYCEUM_TEST_POSTGRES_URL", "postgresql+asyncpg://root@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("LYCEUM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of its own for this test session, migrated once, dropped at the end."""
    name = f"lyceum_test_{secrets.token_hex(4)}"
    admin = _dsn(POSTGRES_ADMIN_URL)

    async def admin_exec(sql: str) -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin_exec(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    async def migrate() -> None:
        container = build_container(load_settings({}, database_url=url))
        try:
            await upgrade_database(container)
        finally:
            await shutdown(container)

    asyncio.run(migrate())
    yield url
    asyncio.run(admin_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _truncate_postgres(url: str) -> None:
    names = ", ".join(t.name for t in tables.metadata.sorted_tables)
    conn = await asyncpg.connect(_dsn(url))
    try:
        await conn.execute(f"TRUNCATE {names} CASCADE")
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each persistence test runs on both engines: a fresh SQLite file, and a clean PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'lyceum.db'}"
    url: str = request.getfixturevalue("postgres_url")
    asyncio.run(_truncate_postgres(url))
    return url


def test_settings(tmp_path: Path, database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": str(tmp_path),
        "database_url": database_url,
        "task_retry_base_seconds": 0.01,
        "outbox_poll_seconds": 0.05,
        "grpc_port": 0,
        "log_format": "text",
    }
    values.update(overrides)
    return load_settings({}, **values)


test_settings.__test__ = False  # type: ignore[attr-defined]


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return test_settings(tmp_path, database_url)


@pytest.fixture
async def container(settings: Settings) -> AsyncIterator[ApplicationContainer]:
    app_container = build_container(settings)
    await upgrade_database(app_container)
    yield app_container
    await shutdown(app_container)


@pytest.fixture
async def postgres_container(tmp_path: Path, postgres_url: str) -> AsyncIterator[ApplicationContainer]:
    """For behaviour that only exists with many processes on one PostgreSQL."""
    await _truncate_postgres(postgres_url)
    app_container = build_container(test_settings(tmp_path, postgres_url))
    yield app_container
    await shutdown(app_container)


async def count_rows(container: ApplicationContainer, table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
    async with container.infrastructure.engine().connect() as conn:
        stmt = sa.select(sa.func.count()).select_from(table).where(*where)
        return int((await conn.execute(stmt)).scalar_one())
