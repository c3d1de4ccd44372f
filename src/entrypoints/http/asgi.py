"""ASGI entry for running the HTTP app under any server, several processes at once:

    uvicorn --factory entrypoints.http.asgi:app_factory --workers 2
    granian --interface asgi --factory entrypoints.http.asgi:app_factory --workers 2

Settings come from ``LYCEUM_*``; migrations must already be applied (``lyceum db upgrade``).
"""

from __future__ import annotations

import logging

from litestar import Litestar

from entrypoints.bootstrap.containers import build_container
from entrypoints.bootstrap.logging import configure_logging
from entrypoints.bootstrap.settings import load_settings
from entrypoints.http.app import create_app


def app_factory() -> Litestar:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    if settings.redis_url is None:
        # Each process would keep its own cache and no worker would refresh it: fine for
        # one process, stale across several. Production runs with Redis and `lyceum worker`.
        logging.getLogger("lyceum").warning(
            "LYCEUM_REDIS_URL is not set: caches are per process and no worker runs here; "
            "use 'lyceum serve' for a single embedded process, or configure Redis"
        )
    return create_app(build_container(settings), owns_container=True)
