"""The my-enrollments baseline: bare Litestar running the same keyset query through raw asyncpg
and encoding the rows with msgspec in the same JSON shape, with no authentication, no ORM and no
middleware: the ceiling for "server + framework + this query" that Lyceum is compared with."""

from __future__ import annotations

import datetime as dt
import os
import uuid

import asyncpg
import msgspec
from litestar import Litestar, Response, get

DSN_ENV = "BENCH_BASELINE_DSN"
USER_ENV = "BENCH_BASELINE_USER_ID"
PATH = "/api/v1/enrollments"
QUERY = (
    "SELECT id, course_id, cohort_id, revision, status, source, enrolled_at, access_until, completed_at, "
    "cancelled_at FROM enrollments WHERE user_id = $1 ORDER BY id DESC LIMIT $2"
)


class _Row(msgspec.Struct):
    id: uuid.UUID
    course_id: uuid.UUID
    cohort_id: uuid.UUID | None
    revision: int
    status: str
    source: str
    enrolled_at: dt.datetime
    access_until: dt.datetime | None
    completed_at: dt.datetime | None
    cancelled_at: dt.datetime | None


class _Page(msgspec.Struct):
    items: list[_Row]
    next_cursor: uuid.UUID | None


def app_factory() -> Litestar:
    user_id = uuid.UUID(os.environ[USER_ENV])
    encoder = msgspec.json.Encoder()
    state: dict[str, asyncpg.Pool] = {}

    async def open_pool() -> None:
        state["pool"] = await asyncpg.create_pool(os.environ[DSN_ENV], min_size=10, max_size=20)

    async def close_pool() -> None:
        await state["pool"].close()

    @get(PATH, cache=False)
    async def enrollments(limit: int = 20) -> Response[bytes]:
        rows = await state["pool"].fetch(QUERY, user_id, limit + 1)
        items = [
            _Row(*(uuid.UUID(bytes=v.bytes) if isinstance(v, asyncpg.pgproto.pgproto.UUID) else v for v in r))
            for r in rows[:limit]
        ]
        body = encoder.encode(_Page(items, items[-1].id if len(rows) > limit else None))
        return Response(body, media_type="application/json")

    return Litestar(
        route_handlers=[enrollments], on_startup=[open_pool], on_shutdown=[close_pool], openapi_config=None, debug=False
    )
