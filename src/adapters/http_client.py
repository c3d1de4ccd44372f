"""The one outbound HTTP client every provider adapter shares (httpx underneath).

* **Timeouts** on every call (the default, or ``timeout_seconds=`` per call).
* **Retries** with exponential backoff and jitter, on connection errors, timeouts and
  429/502/503/504 — but only where repeating the call is safe: idempotent methods (GET, HEAD,
  PUT, DELETE, OPTIONS) or a call that carries an idempotency key (sent as the
  ``Idempotency-Key`` header, or the header the caller names). Other calls are retried only
  when the request provably never reached the server (the connection could not be made) or the
  server answered 429 (it did not process it).
* **Retry-After** (seconds or an HTTP date) on 429/503 is honoured up to ``retry_after_cap``;
  a longer wait gives up at once rather than hold a worker.
* **A circuit breaker per host**: after ``breaker_threshold`` consecutive failures (connection
  errors, timeouts, 5xx) the host is *open* and calls fail at once; after
  ``breaker_cooldown`` seconds one trial call is let through (*half-open*): success closes the
  circuit, failure opens it again.
* **Typed errors**: an open circuit, a connection failure or timeout, or a 429/502/503/504 that
  outlived its retries raises ``ProviderUnavailable`` (never an httpx exception). Every other
  response — 2xx, 4xx, 500 — is returned for the adapter to interpret.
* **A bounded connection pool**; ``aclose()`` closes it (the container does, at shutdown).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import email.utils
import enum
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Self

import httpx

from core.shared.errors import ProviderUnavailable

log = logging.getLogger("lyceum.http")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})


class BreakerState(enum.StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclasses.dataclass
class _Breaker:
    threshold: int
    cooldown: float
    state: BreakerState = BreakerState.CLOSED
    failures: int = 0
    opened_at: float = 0.0
    trial_in_flight: bool = False

    def admit(self, now: float) -> bool:
        if self.state is BreakerState.OPEN and now - self.opened_at >= self.cooldown:
            self.state = BreakerState.HALF_OPEN
            self.trial_in_flight = False
        if self.state is BreakerState.CLOSED:
            return True
        if self.state is BreakerState.HALF_OPEN and not self.trial_in_flight:
            self.trial_in_flight = True
            return True
        return False

    def succeeded(self) -> None:
        self.state = BreakerState.CLOSED
        self.failures = 0
        self.trial_in_flight = False

    def failed(self, now: float) -> None:
        self.failures += 1
        if self.state is BreakerState.HALF_OPEN or self.failures >= self.threshold:
            self.state = BreakerState.OPEN
            self.opened_at = now
            self.trial_in_flight = False

    def released(self) -> None:
        """The trial call ended without telling us anything (cancelled, pool exhausted)."""
        self.trial_in_flight = False


class _Transient(Exception):
    """One attempt failed in a way that may be retried."""

    def __init__(
        self,
        reason: str,
        *,
        response: httpx.Response | None = None,
        sent: bool = True,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.response = response
        self.sent = sent  # False: the request never reached the server
        self.retry_after = retry_after


class OutboundHttpClient:
    def __init__(
        self,
        *,
        timeout: float = 10.0,
        max_attempts: int = 3,
        backoff_base: float = 0.25,
        backoff_cap: float = 5.0,
        retry_after_cap: float = 30.0,
        breaker_threshold: int = 5,
        breaker_cooldown: float = 30.0,
        max_connections: int = 50,
        max_keepalive_connections: int = 10,
        user_agent: str = "lyceum",
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if max_attempts < 1 or breaker_threshold < 1:
            raise ValueError("max_attempts and breaker_threshold must be at least 1")
        self._timeout = timeout
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._retry_after_cap = retry_after_cap
        self._breaker_threshold = breaker_threshold
        self._breaker_cooldown = breaker_cooldown
        self._clock = clock
        self._sleep = sleep
        self._breakers: dict[str, _Breaker] = {}
        self._client = httpx.AsyncClient(
            timeout=timeout,
            limits=httpx.Limits(
                max_connections=max_connections,
                max_keepalive_connections=max_keepalive_connections,
            ),
            headers={"User-Agent": user_agent},
            transport=transport,
            follow_redirects=False,
            trust_env=False,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    @property
    def closed(self) -> bool:
        return self._client.is_closed

    def breaker_state(self, url: str) -> BreakerState:
        breaker = self._breakers.get(_host_key(httpx.URL(url)))
        return breaker.state if breaker else BreakerState.CLOSED

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", url, **kwargs)

    async def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PUT", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", url, **kwargs)

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
        data: Mapping[str, Any] | None = None,
        timeout_seconds: float | None = None,
        idempotency_key: str | None = None,
        idempotency_header: str = "Idempotency-Key",
        max_attempts: int | None = None,
    ) -> httpx.Response:
        """Send one logical call (maybe several attempts). See the module docstring."""
        method = method.upper()
        request_headers = dict(headers or {})
        if idempotency_key is not None:
            request_headers[idempotency_header] = idempotency_key
        safe_to_repeat = method in IDEMPOTENT_METHODS or idempotency_key is not None
        attempts = max_attempts or self._max_attempts
        target = httpx.URL(url)
        host = _host_key(target)
        breaker = self._breakers.setdefault(host, _Breaker(self._breaker_threshold, self._breaker_cooldown))
        last: _Transient | None = None
        for attempt in range(1, attempts + 1):
            if not breaker.admit(self._clock()):
                raise ProviderUnavailable(
                    f"{host} is failing; not calling it for a while (circuit open)",
                    {"host": host, "reason": "circuit_open", "attempts": attempt - 1},
                )
            try:
                response = await self._attempt(
                    breaker, method, target, request_headers, params, json, content, data, timeout_seconds
                )
                return response
            except _Transient as failure:
                last = failure
            retryable = safe_to_repeat or not last.sent or last.reason == "429"
            if not retryable or attempt == attempts:
                break
            delay = self._delay(attempt, last.retry_after)
            if delay is None:
                break  # the server asked for a longer pause than we are willing to wait
            log.warning(
                "provider call failed (%s); retrying in %.2fs",
                last.reason,
                delay,
                extra={"host": host, "method": method, "attempt": attempt},
            )
            await self._sleep(delay)
        assert last is not None
        details: dict[str, Any] = {"host": host, "reason": last.reason, "attempts": attempt}
        if last.response is not None:
            details["status"] = last.response.status_code
        if last.retry_after is not None:
            details["retry_after"] = last.retry_after
        raise ProviderUnavailable(f"{method} {host} failed: {last.reason}", details)

    async def _attempt(
        self,
        breaker: _Breaker,
        method: str,
        url: httpx.URL,
        headers: Mapping[str, str],
        params: Mapping[str, Any] | None,
        json: Any,
        content: bytes | str | None,
        data: Mapping[str, Any] | None,
        timeout_seconds: float | None,
    ) -> httpx.Response:
        try:
            response = await self._client.request(
                method,
                url,
                headers=headers,
                params=params,
                json=json,
                content=content,
                data=data,
                timeout=self._timeout if timeout_seconds is None else timeout_seconds,
            )
        except httpx.PoolTimeout as exc:
            # Our own pool is exhausted: says nothing about the host.
            breaker.released()
            raise _Transient("connection pool exhausted", sent=False) from exc
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            breaker.failed(self._clock())
            raise _Transient(f"cannot connect ({type(exc).__name__})", sent=False) from exc
        except httpx.TimeoutException as exc:
            breaker.failed(self._clock())
            raise _Transient(f"timed out ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            breaker.failed(self._clock())
            raise _Transient(f"transport error ({type(exc).__name__})") from exc
        except BaseException:
            breaker.released()
            raise
        status = response.status_code
        if status >= 500:
            breaker.failed(self._clock())
        else:
            breaker.succeeded()
        if status in RETRYABLE_STATUSES:
            retry_after = _retry_after(response) if status in (429, 503) else None
            await response.aclose()
            raise _Transient(str(status), response=response, retry_after=retry_after)
        return response

    def _delay(self, attempt: int, retry_after: float | None) -> float | None:
        if retry_after is not None:
            return retry_after if retry_after <= self._retry_after_cap else None
        ceiling = min(self._backoff_cap, self._backoff_base * 2.0 ** (attempt - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not crypto


def _host_key(url: httpx.URL) -> str:
    port = url.port or {"http": 80, "https": 443}.get(url.scheme, 0)
    return f"{url.scheme}://{url.host}:{port}"


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("Retry-After")
    if not raw:
        return None
    raw = raw.strip()
    if raw.isdigit():
        return float(raw)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
