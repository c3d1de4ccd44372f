"""The baseline: bare Litestar replaying one recorded response body from a single route.

Served by the same server program with the same workers as the app under test, it is the
ceiling for "server + framework + these bytes"; the ratio to it is what the app's own work
(middleware, use case, cache, encoding) costs.
"""

from __future__ import annotations

import os
from pathlib import Path

from litestar import Litestar, Response, get

BODY_FILE_ENV = "BENCH_BASELINE_BODY_FILE"
PATH_ENV = "BENCH_BASELINE_PATH"
MEDIA_TYPE_ENV = "BENCH_BASELINE_MEDIA_TYPE"
STATUS_ENV = "BENCH_BASELINE_STATUS"


def app_factory() -> Litestar:
    body = Path(os.environ[BODY_FILE_ENV]).read_bytes()
    path = os.environ.get(PATH_ENV, "/")
    media_type = os.environ.get(MEDIA_TYPE_ENV, "application/json")
    status_code = int(os.environ.get(STATUS_ENV, "200"))

    @get(path, cache=False)
    async def replay() -> Response[bytes]:
        return Response(body, media_type=media_type, status_code=status_code)

    return Litestar(route_handlers=[replay], openapi_config=None, debug=False)
