"""Fixtures shared by integration tests: real servers started once per session."""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import time
from collections.abc import Iterator

import pytest

from adapters.storage.s3 import S3ObjectStorage
from entrypoints.devservices.seaweedfs import start_seaweedfs
from ports.shared.storage import Purpose

BUCKET = "lyceum-test"


@dataclasses.dataclass
class SeaweedFS:
    endpoint_url: str
    access_key_id: str
    secret_access_key: str
    startup_seconds: float


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    """The same SeaweedFS that `lyceum services up` runs, once per test session."""
    started = time.monotonic()
    server = start_seaweedfs(tmp_path_factory.mktemp("seaweedfs"))
    try:
        # Create the session's bucket and pay the first write (volume allocation) once, here.
        warm = S3ObjectStorage(
            bucket=BUCKET,
            endpoint_url=server.endpoint_url,
            access_key_id=server.access_key_id,
            secret_access_key=server.secret_access_key,
        )

        async def warm_up() -> None:
            await warm.ensure_buckets()
            key = warm.new_key(Purpose.BACKUPS)
            await warm.put(key, b"warm", content_type="text/plain")
            await warm.delete(key)

        try:
            # This fixture may be first requested from inside a running loop (an async fixture).
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                pool.submit(asyncio.run, warm_up()).result()
        finally:
            warm.close()
        yield SeaweedFS(server.endpoint_url, server.access_key_id, server.secret_access_key, time.monotonic() - started)
    finally:
        server.stop()
