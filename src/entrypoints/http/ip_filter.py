"""Outermost ASGI layer: blocks denied addresses before anything else runs."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from litestar.types import ASGIApp, Receive, Scope, Send

from core.security.domain.ip_rules import IpAction, IpRuleSet
from entrypoints.http.client_ip import Network, client_ip
from entrypoints.http.problems import problem_bytes

log = logging.getLogger("lyceum.http")
REFRESH_SECONDS = 5.0
ALLOWLISTED = "lyceum.ip_allowlisted"


class IpRules:
    """The active rule set, reloaded at most every few seconds (rules change at runtime,
    from the CLI or the admin API, possibly in another process)."""

    def __init__(self, load: Callable[[], Awaitable[IpRuleSet]], refresh_seconds: float = REFRESH_SECONDS) -> None:
        self._load = load
        self._refresh_seconds = refresh_seconds
        self._rules = IpRuleSet([])
        self._next_refresh = 0.0
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        self._next_refresh = 0.0

    async def current(self) -> IpRuleSet:
        if time.monotonic() >= self._next_refresh and not self._lock.locked():
            async with self._lock:
                try:
                    self._rules = await self._load()
                except Exception:  # keep enforcing the last known rules while storage is down
                    log.warning("could not reload IP rules; keeping the previous set", exc_info=True)
                self._next_refresh = time.monotonic() + self._refresh_seconds
        return self._rules


class IpFilterMiddleware:
    def __init__(self, app: ASGIApp, *, rules: IpRules, proxies: Sequence[Network]) -> None:
        self._app = app
        self._rules = rules
        self._proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self._app(scope, receive, send)
            return
        address = client_ip(scope, self._proxies)
        decision = (await self._rules.current()).decide(address)
        if decision is IpAction.DENY:
            await _send_blocked(scope, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})  # type: ignore[typeddict-item]
        state[ALLOWLISTED] = decision is IpAction.ALLOW
        state["client_ip"] = address
        await self._app(scope, receive, send)


async def _send_blocked(scope: Scope, send: Send) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    body = problem_bytes(
        403, "request.ip_blocked", "Forbidden", "requests from this address are blocked", instance=scope["path"]
    )
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
