"""The worker path through a real Redis broker and real worker processes."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from adapters.persistence import tables
from core.catalog.application.categories import CreateCategoryCommand
from entrypoints.bootstrap.containers import ApplicationContainer, build_container
from entrypoints.bootstrap.lifecycle import shutdown
from entrypoints.bootstrap.settings import load_settings
from entrypoints.workers.runtime import start_broker
from tests.conftest import REDIS_URL, _truncate_postgres
from tests.processes import LyceumProcess, lyceum_env, lyceum_process, run_cli, wait_until

HANDLER = "catalog.refresh_category_tree"


@pytest.fixture
def namespace() -> Iterator[str]:
    name = f"test-{secrets.token_hex(4)}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{name}:*"):
        client.delete(key)
    client.close()


@pytest.fixture
def env(postgres_url: str, namespace: str, tmp_path: Path) -> dict[str, str]:
    asyncio.run(_truncate_postgres(postgres_url))
    return lyceum_env(
        {
            "LYCEUM_DATABASE_URL": postgres_url,
            "LYCEUM_REDIS_URL": REDIS_URL,
            "LYCEUM_REDIS_NAMESPACE": namespace,
            "LYCEUM_DATA_DIR": str(tmp_path),
            "LYCEUM_TASK_VISIBILITY_TIMEOUT": "2",
            "LYCEUM_OUTBOX_POLL_SECONDS": "0.1",
        }
    )


@pytest.fixture
async def producer(env: dict[str, str]) -> AsyncIterator[ApplicationContainer]:
    """The same deployment seen from a process that writes (like an API process)."""
    settings = load_settings({k: v for k, v in env.items() if k.startswith("LYCEUM_")})
    container = build_container(settings)
    yield container
    await shutdown(container)


def _scalar(url: str, stmt: sa.Select[tuple[int]]) -> int:
    # Runs in its own loop: callers poll it from worker threads and sync tests alike.
    return asyncio.run(_async_scalar(url, stmt))


async def _async_scalar(url: str, stmt: sa.Select[tuple[int]]) -> int:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(stmt)).scalar_one())
    finally:
        await engine.dispose()


def _receipts(url: str) -> int:
    return _scalar(
        url,
        sa.select(sa.func.count()).select_from(tables.task_receipts).where(tables.task_receipts.c.handler == HANDLER),
    )


def _outbox(url: str) -> int:
    return _scalar(url, sa.select(sa.func.count()).select_from(tables.outbox))


def _cached_tree(namespace: str) -> str:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        raw = client.get(f"{namespace}:catalog:category-tree:v2")
    finally:
        client.close()
    return raw.decode() if raw else ""


def test_a_category_added_from_the_cli_is_handled_by_a_separate_worker(
    env: dict[str, str], postgres_url: str, namespace: str, tmp_path: Path
) -> None:
    with lyceum_process(["worker"], env, tmp_path / "worker.log") as worker:
        result = run_cli(["categories", "add", "Web Development"], env)
        assert result.returncode == 0, result.stderr
        wait_until(lambda: "Web Development" in _cached_tree(namespace), 20, "the worker to refresh the tree")
        wait_until(lambda: _receipts(postgres_url) == 1, 5, "the receipt")
        assert worker.stop() == 0
    assert _receipts(postgres_url) == 1


async def test_messages_held_by_a_dead_worker_are_reclaimed_and_run_once(
    env: dict[str, str], producer: ApplicationContainer, postgres_url: str, namespace: str, tmp_path: Path
) -> None:
    await start_broker(producer, is_worker=False)
    for i in range(5):
        await producer.catalog.create_category()(CreateCategoryCommand(f"Category {i}"))
    assert await producer.infrastructure.outbox_relay().relay_once() == 5

    # A worker that took every message and died before acknowledging any of them.
    client = redis.asyncio.Redis.from_url(REDIS_URL)
    taken = await client.xreadgroup("lyceum-workers", "crashed-worker", {f"{namespace}:tasks": ">"}, count=100)
    await client.aclose()
    assert len(taken[0][1]) == 5

    with lyceum_process(["worker"], env, tmp_path / "worker.log") as worker:
        await asyncio.to_thread(wait_until, lambda: _receipts(postgres_url) == 5, 30, "all five to be reclaimed")
        assert "reclaimed unacknowledged message" in worker.log()
        worker.stop()
    assert await asyncio.to_thread(_receipts, postgres_url) == 5
    assert "Category 4" in _cached_tree(namespace)


async def test_worker_killed_mid_burst_and_restarted_completes_every_task_once(
    env: dict[str, str], producer: ApplicationContainer, postgres_url: str, namespace: str, tmp_path: Path
) -> None:
    total = 60
    first = LyceumProcess(["worker"], env, tmp_path / "worker-1.log")
    try:
        await asyncio.to_thread(wait_until, lambda: "worker started" in first.log(), 20, "the first worker")
        for i in range(total):
            await producer.catalog.create_category()(CreateCategoryCommand(f"Burst {i}"))
        await asyncio.to_thread(wait_until, lambda: _receipts(postgres_url) >= 1, 20, "the first task to finish")
    finally:
        first.kill()
    done_at_kill = await asyncio.to_thread(_receipts, postgres_url)

    with lyceum_process(["worker"], env, tmp_path / "worker-2.log") as second:
        await asyncio.to_thread(wait_until, lambda: _receipts(postgres_url) == total, 60, "every task")
        second.stop()
    assert await asyncio.to_thread(_outbox, postgres_url) == total
    assert await asyncio.to_thread(_receipts, postgres_url) == total
    dead = sa.select(sa.func.count()).select_from(tables.dead_letters)
    assert await asyncio.to_thread(_scalar, postgres_url, dead) == 0
    assert f"Burst {total - 1}" in _cached_tree(namespace)
    print(f"tasks completed before the kill: {done_at_kill}/{total}")
