"""The Litestar application factory."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.config.cors import CORSConfig

from entrypoints.bootstrap.containers import ApplicationContainer
from entrypoints.bootstrap.lifecycle import shutdown
from entrypoints.http.docs import assets_router, openapi_config
from entrypoints.http.problems import EXCEPTION_HANDLERS
from entrypoints.http.request_context import RequestContextMiddleware
from entrypoints.http.routes.categories import CategoryController
from entrypoints.http.routes.health import health, ready


def lyceum_version() -> str:
    try:
        return version("lyceum")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0"


def create_app(container: ApplicationContainer, *, owns_container: bool = False) -> Litestar:
    """Build the HTTP app around a container.

    ``owns_container``: close the container's resources when the app shuts down (when the
    app runs alone under an ASGI server); ``lyceum serve`` manages them itself.
    """
    settings = container.settings()

    async def on_shutdown() -> None:
        if owns_container:
            await shutdown(container)

    app = Litestar(
        route_handlers=[health, ready, CategoryController, assets_router()],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        cors_config=CORSConfig(allow_origins=list(settings.cors_origins)) if settings.cors_origins else None,
        compression_config=CompressionConfig(backend="gzip", minimum_size=1024, gzip_compress_level=6),
        request_max_body_size=settings.max_body_bytes,
        openapi_config=openapi_config(lyceum_version()),
        on_shutdown=[on_shutdown],
        debug=False,
        logging_config=None,  # logging is configured once, by the entrypoint (JSON lines)
    )
    app.state.container = container
    # Outermost wrapper, so router-level errors (404/405) get a request id and a log line too.
    app.asgi_handler = RequestContextMiddleware(app.asgi_handler, access_log=settings.access_log)
    return app
