"""`lyceum serve` as a user runs it: real processes, real ports, HTTP and gRPC together."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
import redis
import sqlalchemy as sa

from adapters.persistence import tables
from entrypoints.cli.demo import DEMO_CATEGORIES, DEMO_COURSES
from entrypoints.grpc.generated.lyceum.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from tests.conftest import REDIS_URL, _truncate_postgres
from tests.integration.conftest import BUCKET, SeaweedFS
from tests.integration.workers.test_redis_worker import _scalar
from tests.processes import free_port, http_ok, lyceum_env, lyceum_process, run_cli, wait_until

# Generous: a cold start is ~4 s on this 2-core box, but several processes starting at once
# while other suites run can take twice that; a hung start still fails.
READY_WITHIN_SECONDS = 20


def _grpc_names(port: int) -> list[str]:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = catalog_pb2_grpc.CatalogServiceStub(channel)
        reply = stub.ListCategories(catalog_pb2.ListCategoriesRequest(), timeout=5)
    return [c.name for c in reply.categories]


def _ready(port: int) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"http://127.0.0.1:{port}/ready", timeout=5).json()
    return body


def _http_names(port: int) -> list[str]:
    return [c["name"] for c in httpx.get(f"http://127.0.0.1:{port}/api/v1/categories", timeout=5).json()["items"]]


def test_embedded_serve_with_demo_is_ready_fast_and_shows_cli_changes(tmp_path: Path) -> None:
    http_port, grpc_port = free_port(), free_port()
    env = lyceum_env({"LYCEUM_DATA_DIR": str(tmp_path / "var")})
    started = time.monotonic()
    with lyceum_process(
        ["serve", "--demo", "--port", str(http_port), "--grpc-port", str(grpc_port)], env, tmp_path / "serve.log"
    ) as server:
        wait_until(lambda: http_ok(f"http://127.0.0.1:{http_port}/health"), READY_WITHIN_SECONDS, "/health")
        ready_after = time.monotonic() - started
        assert ready_after < READY_WITHIN_SECONDS

        wait_until(lambda: _ready(http_port)["status"] == "ok", 10, "/ready to report ok", interval=0.5)
        ready = _ready(http_port)
        assert {k: v["kind"] for k, v in ready["checks"].items()} == {
            "database": "sqlite",
            "cache": "memory",
            "broker": "in-process",
            "storage": "local",
            "search": "embedded",
            "mail": "maildir",
        }

        login = httpx.post(
            f"http://127.0.0.1:{http_port}/api/v1/auth/login",
            json={"email": "admin@demo.lyceum.test", "password": "lyceum demo password"},
            timeout=5,
        )
        assert login.status_code == 200 and login.json()["token_type"] == "Bearer"

        names = _http_names(http_port)
        assert set(DEMO_CATEGORIES) <= set(names)

        catalog = httpx.get(f"http://127.0.0.1:{http_port}/api/v1/catalog/courses", timeout=5).json()
        assert len(catalog["items"]) == sum(1 for course in DEMO_COURSES if course[-1])
        # Published demo courses reach search through the in-process worker.
        wait_until(
            lambda: bool(
                httpx.get(f"http://127.0.0.1:{http_port}/api/v1/search/courses?q=kubernets", timeout=5).json()["hits"]
            ),
            10,
            "demo courses in search",
            interval=0.2,
        )
        assert names == _grpc_names(grpc_port)

        added = run_cli(["categories", "add", "Quantum Computing"], env)
        assert added.returncode == 0, added.stderr
        # The CLI is another process: the change reaches the server through the outbox.
        wait_until(lambda: "Quantum Computing" in _http_names(http_port), 10, "the new category over HTTP")
        assert "Quantum Computing" in _grpc_names(grpc_port)

        assert server.stop() == 0
        assert '"msg": "lyceum stopped"' in server.log()
    print(f"embedded serve answered /health {ready_after:.2f}s after start")


def test_demo_seed_is_idempotent_across_restarts(tmp_path: Path) -> None:
    env = lyceum_env({"LYCEUM_DATA_DIR": str(tmp_path / "var")})
    counts = []
    for attempt in range(2):
        port = free_port()
        with lyceum_process(
            ["serve", "--demo", "--port", str(port), "--grpc-port", "0"], env, tmp_path / f"serve-{attempt}.log"
        ) as server:
            wait_until(lambda p=port: http_ok(f"http://127.0.0.1:{p}/health"), READY_WITHIN_SECONDS, "/health")
            counts.append(len(_http_names(port)))
            server.stop()
    assert counts[0] == counts[1] > 0


def test_port_in_use_fails_with_one_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli(
            ["serve", "--port", str(port), "--grpc-port", "0"],
            lyceum_env({"LYCEUM_DATA_DIR": str(tmp_path), "LYCEUM_LOG_LEVEL": "ERROR"}),
            timeout=30,
        )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].startswith("error: ")


def test_bad_setting_stops_serve_with_one_line(tmp_path: Path) -> None:
    result = run_cli(["serve"], lyceum_env({"LYCEUM_DATA_DIR": str(tmp_path), "LYCEUM_MAX_BODY_BYTES": "big"}))
    assert result.returncode == 78
    assert result.stderr == "error: LYCEUM_MAX_BODY_BYTES: expected an integer, got 'big'\n"


@pytest.fixture
def production_env(postgres_url: str, seaweedfs: SeaweedFS, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The production stack: PostgreSQL, Redis and S3 (SeaweedFS), each a real server."""
    asyncio.run(_truncate_postgres(postgres_url))
    namespace = f"test-{secrets.token_hex(4)}"
    yield lyceum_env(
        {
            "LYCEUM_S3_BUCKET": f"{BUCKET}-{namespace}",
            "LYCEUM_S3_ENDPOINT_URL": seaweedfs.endpoint_url,
            "LYCEUM_S3_ACCESS_KEY_ID": seaweedfs.access_key_id,
            "LYCEUM_S3_SECRET_ACCESS_KEY": seaweedfs.secret_access_key,
            "LYCEUM_DATABASE_URL": postgres_url,
            "LYCEUM_REDIS_URL": REDIS_URL,
            "LYCEUM_REDIS_NAMESPACE": namespace,
            "LYCEUM_DATA_DIR": str(tmp_path / "unused"),
            "LYCEUM_OUTBOX_POLL_SECONDS": "0.1",
        }
    )
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{namespace}:*"):
        client.delete(key)
    client.close()


def test_postgres_redis_serve_with_separate_worker(
    production_env: dict[str, str], postgres_url: str, tmp_path: Path
) -> None:
    env = production_env
    assert run_cli(["db", "upgrade"], env).returncode == 0
    http_port, grpc_port = free_port(), free_port()
    with (
        lyceum_process(
            ["serve", "--port", str(http_port), "--grpc-port", str(grpc_port)], env, tmp_path / "serve.log"
        ) as server,
        lyceum_process(["worker"], env, tmp_path / "worker.log") as worker,
    ):
        wait_until(lambda: http_ok(f"http://127.0.0.1:{http_port}/health"), READY_WITHIN_SECONDS, "/health")
        # A fresh S3 bucket may answer its first probe slowly; orchestrators poll readiness too.
        wait_until(lambda: _ready(http_port)["status"] == "ok", 15, "/ready to report ok", interval=0.5)
        ready = _ready(http_port)
        assert {k: v["kind"] for k, v in ready["checks"].items()} == {
            "database": "postgresql",
            "cache": "redis",
            "broker": "redis",
            "storage": "s3",
            "search": "embedded",
            "mail": "maildir",
        }
        assert all(check["status"] == "up" for check in ready["checks"].values())

        added = run_cli(["categories", "add", "Kubernetes"], env)
        assert added.returncode == 0, added.stderr
        wait_until(lambda: "Kubernetes" in _http_names(http_port), 10, "the category over HTTP")
        assert _grpc_names(grpc_port) == ["Kubernetes"]

        receipts = sa.select(sa.func.count()).select_from(tables.task_receipts)
        wait_until(lambda: _scalar(postgres_url, receipts) == 1, 15, "the worker to run the outbox task")
        time.sleep(0.5)  # a duplicate delivery would show up here
        assert _scalar(postgres_url, receipts) == 1
        assert "handler completed" in worker.log()
        assert worker.stop() == 0
        assert server.stop() == 0
