from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from entrypoints.bootstrap.containers import ApplicationContainer, build_container
from entrypoints.bootstrap.lifecycle import prepare_storage, shutdown, upgrade_database
from entrypoints.http.app import create_app
from tests.conftest import test_settings

OPERATOR_TOKEN = "operator-test-token-0123456789"


@pytest.fixture
def http_overrides() -> dict[str, object]:
    return {}


@pytest.fixture
async def http_container(
    tmp_path: Path, database_url: str, http_overrides: dict[str, object]
) -> AsyncIterator[ApplicationContainer]:
    overrides: dict[str, object] = {"admin_token": OPERATOR_TOKEN, "max_body_bytes": 2048}
    overrides.update(http_overrides)
    container = build_container(test_settings(tmp_path, database_url, **overrides))
    await upgrade_database(container)
    await prepare_storage(container)  # as `lyceum serve` does at start
    yield container
    await shutdown(container)


@pytest.fixture
async def client(http_container: ApplicationContainer) -> AsyncIterator[httpx.AsyncClient]:
    # Same event loop as the fixtures (the database pool must not cross loops).
    transport = httpx.ASGITransport(app=create_app(http_container))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as test_client:
        yield test_client


@pytest.fixture
def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {OPERATOR_TOKEN}"}
