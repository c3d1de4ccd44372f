"""Object storage fixtures: one real SeaweedFS (S3) per session, and a ``backend`` fixture that
runs every contract test on both adapters ("local" and "s3").

SeaweedFS binds 127.0.0.1 only, on free ports, in a temp dir; at session end it gets SIGTERM
and, after a short grace, SIGKILL (a graceful stop takes ~16 s and the dir is thrown away).
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.config.compression import CompressionConfig

from adapters.storage.local_fs import LocalObjectStorage
from adapters.storage.s3 import S3ObjectStorage
from entrypoints.http.problems import EXCEPTION_HANDLERS
from entrypoints.http.routes.health import health, ready
from entrypoints.http.routes.objects import SKIP_COMPRESSION, object_routes
from ports.shared.storage import ObjectStorage
from tests.integration.conftest import BUCKET, SeaweedFS
from tests.processes import free_port

LOCAL_BASE_URL = "http://lyceum.test"
SIGNING_SECRET = "test-signing-secret-0123456789abcdef"


def objects_app(storage: object, health_checks: list[Any] | None = None) -> Litestar:
    """The object routes (and /health, /ready) on a small app configured like ``create_app``:
    the same exception handlers, and compression that skips the object routes."""
    infrastructure = SimpleNamespace(object_storage=lambda: storage, health_checks=lambda: list(health_checks or []))
    app = Litestar(
        route_handlers=[*object_routes(), health, ready],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        compression_config=CompressionConfig(
            backend="gzip", minimum_size=1024, gzip_compress_level=6, exclude_opt_key=SKIP_COMPRESSION
        ),
        request_max_body_size=2048,  # like the app's JSON limit: object routes must not be bound by it
        debug=False,
        logging_config=None,
    )
    app.state.container = SimpleNamespace(infrastructure=infrastructure)
    return app


@dataclasses.dataclass
class Backend:
    """One adapter under test, an HTTP client that reaches its presigned URLs, and factories
    for the same adapter with a missing bucket and with an unreachable server."""

    kind: str
    storage: ObjectStorage
    http: httpx.AsyncClient
    missing_bucket: Callable[[], ObjectStorage]
    unreachable: Callable[[], ObjectStorage]


def local_storage(root: Path, **options: Any) -> LocalObjectStorage:
    return LocalObjectStorage(root, signing_secret=SIGNING_SECRET, public_base_url=LOCAL_BASE_URL, **options)


def s3_storage(server: SeaweedFS, **options: Any) -> S3ObjectStorage:
    values: dict[str, Any] = {
        "bucket": BUCKET,
        "endpoint_url": server.endpoint_url,
        "access_key_id": server.access_key_id,
        "secret_access_key": server.secret_access_key,
    }
    values.update(options)
    return S3ObjectStorage(**values)


@pytest.fixture(params=["local", "s3"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    closers: list[Callable[[], None]] = []
    if request.param == "local":
        storage: Any = local_storage(tmp_path / "objects")
        await storage.ensure_buckets()
        blocker = tmp_path / "not-a-directory"
        blocker.write_text("a file where the storage root should be")

        def missing() -> ObjectStorage:
            return local_storage(tmp_path / "never-created")

        def unreachable() -> ObjectStorage:
            return local_storage(blocker)

        mounts: dict[str, httpx.AsyncBaseTransport] = {LOCAL_BASE_URL: httpx.ASGITransport(app=objects_app(storage))}
    else:
        server: SeaweedFS = request.getfixturevalue("seaweedfs")
        storage = s3_storage(server)
        closers.append(storage.close)
        closed_port = free_port()

        def missing() -> ObjectStorage:
            adapter = s3_storage(server, bucket=f"lyceum-missing-{secrets.token_hex(4)}")
            closers.append(adapter.close)
            return adapter

        def unreachable() -> ObjectStorage:
            adapter = s3_storage(
                server, endpoint_url=f"http://127.0.0.1:{closed_port}", max_attempts=1, connect_timeout=1
            )
            closers.append(adapter.close)
            return adapter

        mounts = {}
    async with httpx.AsyncClient(mounts=mounts, timeout=30) as client:
        yield Backend(request.param, storage, client, missing, unreachable)
    for close in closers:
        close()


@pytest.fixture
def storage(backend: Backend) -> ObjectStorage:
    return backend.storage
