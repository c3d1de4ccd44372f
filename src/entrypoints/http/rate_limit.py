"""Per-route, per-principal rate limits with IETF RateLimit headers and 429 + Retry-After.

A route declares its policy with ``opt={"rate_limit": RateLimit(...)}`` or opts out with
``opt={"rate_limit": None}``; others get the default (``LYCEUM_RATE_LIMIT_PER_MINUTE``).
The principal is the authenticated user when there is one, else the client address.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from core.shared.errors import Unavailable
from entrypoints.http.ip_filter import ALLOWLISTED
from entrypoints.http.problems import problem_bytes
from ports.shared.rate_limit import RateDecision, RateLimit, RateLimiter

log = logging.getLogger("lyceum.http")
_UNSET = object()


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limiter: RateLimiter, default: RateLimit) -> None:
        self._app = app
        self._limiter = limiter
        self._default = default
        self._last_warning = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        handler = scope.get("route_handler")
        rule = handler.opt.get("rate_limit", _UNSET) if handler is not None else _UNSET
        state: dict[str, Any] = scope.get("state", {})  # type: ignore[assignment]
        if rule is None or state.get(ALLOWLISTED):
            await self._app(scope, receive, send)
            return
        if rule is _UNSET:
            rule = self._default
        # Buckets are per rule name and principal: routes sharing a policy share its budget.
        decision = await self._decide(_principal(scope, state), rule)
        if decision is None:  # limiter unreachable: fail open, availability first
            await self._app(scope, receive, send)
            return
        headers = _headers(rule, decision)
        if not decision.allowed:
            await _send_limited(scope, send, headers, decision)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *headers]  # type: ignore[typeddict-unknown-key]
            await send(message)

        await self._app(scope, receive, send_with_headers)

    async def _decide(self, key: str, rule: RateLimit) -> RateDecision | None:
        try:
            return await self._limiter.hit(key, rule, now=time.time())
        except Unavailable:
            if time.monotonic() - self._last_warning > 10:
                self._last_warning = time.monotonic()
                log.warning("rate limiter unreachable; requests pass unlimited until it is back")
            return None


def _principal(scope: Scope, state: dict[str, Any]) -> str:
    user = scope.get("user")
    user_id = getattr(user, "id", None)
    if user_id is not None:
        return f"user:{user_id}"
    return f"ip:{state.get('client_ip') or (scope.get('client') or ('unknown',))[0]}"


def _headers(rule: RateLimit, decision: RateDecision) -> list[tuple[bytes, bytes]]:
    window = math.ceil(rule.window_seconds)
    return [
        (b"ratelimit-limit", str(rule.limit).encode()),
        (b"ratelimit-remaining", str(decision.remaining).encode()),
        (b"ratelimit-reset", str(math.ceil(decision.reset_after)).encode()),
        (b"ratelimit-policy", f"{rule.limit};w={window}".encode()),
    ]


async def _send_limited(scope: Scope, send: Send, headers: list[tuple[bytes, bytes]], decision: RateDecision) -> None:
    retry = max(math.ceil(decision.retry_after), 1)
    body = problem_bytes(
        429,
        "request.rate_limited",
        "Too Many Requests",
        f"rate limit exceeded; retry in {retry} s",
        instance=scope["path"],
    )
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(retry).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
