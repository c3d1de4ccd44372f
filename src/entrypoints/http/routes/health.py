"""Liveness and readiness."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import msgspec
from litestar import Request, Response, get

from entrypoints.http.dependencies import container_of
from ports.shared.health import HealthCheck

READY_TIMEOUT_SECONDS = 2.0


class Health(msgspec.Struct):
    status: str


class DependencyStatus(msgspec.Struct, omit_defaults=True):
    status: str
    kind: str
    critical: bool
    latency_ms: float
    error: str | None = None


class Readiness(msgspec.Struct):
    status: str
    checks: dict[str, DependencyStatus]


# Probes are exempt from rate limits: an orchestrator polling them must never be refused.
@get("/health", tags=["operations"], summary="The process is alive", cache=False, opt={"rate_limit": None})
async def health() -> Health:
    return Health(status="ok")


@get(
    "/ready", tags=["operations"], summary="Every configured dependency answers", cache=False, opt={"rate_limit": None}
)
async def ready(request: Request[Any, Any, Any]) -> Response[Readiness]:
    checks: list[HealthCheck] = container_of(request).infrastructure.health_checks()
    results = await asyncio.gather(*(_probe(c) for c in checks))
    report = dict(zip((c.name for c in checks), results, strict=True))
    if any(r.status == "down" and r.critical for r in results):
        return Response(Readiness("unavailable", report), status_code=503)
    return Response(Readiness("ok" if all(r.status == "up" for r in results) else "degraded", report))


async def _probe(check: HealthCheck) -> DependencyStatus:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(check.check(), READY_TIMEOUT_SECONDS)
    except Exception as exc:  # report, never raise: /ready must always answer
        error = "timed out" if isinstance(exc, TimeoutError) else f"{type(exc).__name__}: {exc}"[:300]
        return DependencyStatus("down", check.kind, check.critical, _ms(started), error)
    return DependencyStatus("up", check.kind, check.critical, _ms(started))


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
