"""The shared outbound HTTP client against a real HTTP server on loopback that fails on cue."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import email.utils
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from adapters.http_client import BreakerState, OutboundHttpClient
from core.shared.errors import ProviderUnavailable
from tests.processes import free_port


@dataclasses.dataclass
class Step:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    delay: float = 0.0


@dataclasses.dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class ScriptedServer:
    """Answers each request with the next scripted step (then 200 "ok"); records what it saw and
    how many requests it was serving at once."""

    def __init__(self) -> None:
        self.script: list[Step] = []
        self.seen: list[Seen] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="scripted-http", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def queue(self, *steps: Step) -> None:
        with self._lock:
            self.script.extend(steps)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
        assert not self._thread.is_alive()

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        with self._lock:
            self.seen.append(
                Seen(handler.command, handler.path, {k.lower(): v for k, v in handler.headers.items()}, body)
            )
            step = self.script.pop(0) if self.script else Step()
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if step.delay and self._stopping.wait(step.delay):
                return
            handler.send_response(step.status)
            for name, value in step.headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(step.body)))
            handler.end_headers()
            handler.wfile.write(step.body)
        except OSError:
            pass  # the client gave up first
        finally:
            with self._lock:
                self.in_flight -= 1


class _Server(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True

    def __init__(self, owner: ScriptedServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.owner = owner


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so the pool is exercised
    server: _Server

    def do_GET(self) -> None:
        self.server.owner.serve(self)

    do_POST = do_PUT = do_DELETE = do_HEAD = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    scripted = ScriptedServer()
    scripted.start()
    yield scripted
    scripted.stop()


@pytest.fixture
def other_server() -> Iterator[ScriptedServer]:
    scripted = ScriptedServer()
    scripted.start()
    yield scripted
    scripted.stop()


@pytest.fixture
async def client() -> AsyncIterator[OutboundHttpClient]:
    async with OutboundHttpClient(
        timeout=1.0, max_attempts=3, backoff_base=0.01, backoff_cap=0.05, breaker_threshold=5, breaker_cooldown=0.3
    ) as http:
        yield http


async def test_get_is_retried_through_transient_failures(server: ScriptedServer, client: OutboundHttpClient) -> None:
    server.queue(Step(503), Step(502))
    response = await client.get(server.url + "/thing")
    assert response.status_code == 200
    assert response.text == "ok"
    assert [s.path for s in server.seen] == ["/thing"] * 3


async def test_exhausted_retries_raise_provider_unavailable(server: ScriptedServer, client: OutboundHttpClient) -> None:
    server.queue(Step(503), Step(504), Step(502))
    with pytest.raises(ProviderUnavailable) as caught:
        await client.get(server.url)
    assert caught.value.code == "provider.unavailable"
    assert caught.value.kind == "unavailable"
    assert caught.value.details["attempts"] == 3
    assert caught.value.details["status"] == 502
    assert len(server.seen) == 3


async def test_post_without_idempotency_key_is_not_repeated(server: ScriptedServer, client: OutboundHttpClient) -> None:
    server.queue(Step(503))
    with pytest.raises(ProviderUnavailable):
        await client.post(server.url, json={"charge": 100})
    assert len(server.seen) == 1


async def test_post_with_idempotency_key_is_retried_with_the_same_key(
    server: ScriptedServer, client: OutboundHttpClient
) -> None:
    server.queue(Step(503), Step(504))
    response = await client.post(server.url, json={"charge": 100}, idempotency_key="order-42")
    assert response.status_code == 200
    assert [s.headers.get("idempotency-key") for s in server.seen] == ["order-42"] * 3
    assert {s.body for s in server.seen} == {b'{"charge":100}'}


async def test_other_statuses_are_returned_not_retried(server: ScriptedServer, client: OutboundHttpClient) -> None:
    server.queue(Step(400, b'{"error": "bad"}'), Step(500, b"boom"))
    assert (await client.get(server.url)).status_code == 400
    assert (await client.get(server.url)).status_code == 500
    assert len(server.seen) == 2


async def test_429_waits_for_retry_after_seconds(server: ScriptedServer, client: OutboundHttpClient) -> None:
    server.queue(Step(429, headers={"Retry-After": "1"}))
    started = time.monotonic()
    response = await client.post(server.url, json={})  # 429: not processed, so even a POST is retried
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert len(server.seen) == 2
    assert 0.9 <= elapsed < 3


async def test_retry_after_as_an_http_date(server: ScriptedServer, client: OutboundHttpClient) -> None:
    when = email.utils.formatdate(time.time() + 1, usegmt=True)
    server.queue(Step(503, headers={"Retry-After": when}))
    started = time.monotonic()
    assert (await client.get(server.url)).status_code == 200
    assert time.monotonic() - started < 2.5


async def test_retry_after_beyond_the_cap_gives_up_at_once(server: ScriptedServer) -> None:
    async with OutboundHttpClient(timeout=1, retry_after_cap=5, backoff_base=0.01) as http:
        server.queue(Step(429, headers={"Retry-After": "120"}))
        started = time.monotonic()
        with pytest.raises(ProviderUnavailable) as caught:
            await http.get(server.url)
    assert time.monotonic() - started < 1
    assert caught.value.details["retry_after"] == 120
    assert caught.value.details["status"] == 429
    assert len(server.seen) == 1


async def test_slow_server_times_out_per_call(server: ScriptedServer, client: OutboundHttpClient) -> None:
    server.queue(Step(delay=2), Step(delay=2))
    started = time.monotonic()
    response = await client.get(server.url, timeout_seconds=0.2)
    assert response.status_code == 200  # third attempt was not delayed
    assert len(server.seen) == 3
    assert time.monotonic() - started < 1.5
    server.queue(Step(delay=2))
    with pytest.raises(ProviderUnavailable, match="timed out"):
        await client.post(server.url, json={}, timeout_seconds=0.2)  # may have been processed: no retry


async def test_connection_refused_is_retried_even_for_post(client: OutboundHttpClient) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ProviderUnavailable, match="cannot connect") as caught:
        await client.post(url, json={})
    assert caught.value.details["attempts"] == 3  # the request never left: repeating it is safe


async def test_circuit_opens_then_half_opens_for_one_trial(server: ScriptedServer) -> None:
    async with OutboundHttpClient(
        timeout=1, max_attempts=1, breaker_threshold=3, breaker_cooldown=0.3, backoff_base=0.01
    ) as http:
        server.queue(Step(500), Step(503), Step(500))
        for _ in range(3):
            with contextlib.suppress(ProviderUnavailable):
                await http.get(server.url)
        assert http.breaker_state(server.url) is BreakerState.OPEN
        with pytest.raises(ProviderUnavailable, match="circuit open") as caught:
            await http.get(server.url)
        assert caught.value.details["reason"] == "circuit_open"
        assert len(server.seen) == 3, "an open circuit does not call the host"

        await asyncio.sleep(0.35)
        # Half-open: one trial goes through (slowly); a concurrent call is refused meanwhile.
        server.queue(Step(delay=0.3))
        trial = asyncio.create_task(http.get(server.url))
        await asyncio.sleep(0.1)
        with pytest.raises(ProviderUnavailable, match="circuit open"):
            await http.get(server.url)
        assert (await trial).status_code == 200
        assert http.breaker_state(server.url) is BreakerState.CLOSED
        assert (await http.get(server.url)).status_code == 200


async def test_failed_trial_reopens_the_circuit(server: ScriptedServer) -> None:
    async with OutboundHttpClient(timeout=1, max_attempts=1, breaker_threshold=2, breaker_cooldown=0.2) as http:
        server.queue(Step(502), Step(502))
        for _ in range(2):
            with contextlib.suppress(ProviderUnavailable):
                await http.get(server.url)
        await asyncio.sleep(0.25)
        server.queue(Step(503))
        with pytest.raises(ProviderUnavailable):
            await http.get(server.url)
        assert http.breaker_state(server.url) is BreakerState.OPEN
        with pytest.raises(ProviderUnavailable, match="circuit open"):
            await http.get(server.url)
        assert len(server.seen) == 3


async def test_breakers_are_per_host(server: ScriptedServer, other_server: ScriptedServer) -> None:
    async with OutboundHttpClient(timeout=1, max_attempts=1, breaker_threshold=1, breaker_cooldown=30) as http:
        server.queue(Step(503))
        with pytest.raises(ProviderUnavailable):
            await http.get(server.url)
        assert http.breaker_state(server.url) is BreakerState.OPEN
        assert (await http.get(other_server.url)).status_code == 200
        assert http.breaker_state(other_server.url) is BreakerState.CLOSED


async def test_four_xx_answers_keep_the_circuit_closed(server: ScriptedServer) -> None:
    async with OutboundHttpClient(timeout=1, max_attempts=1, breaker_threshold=2) as http:
        server.queue(Step(500), Step(404), Step(500), Step(422), Step(500))
        for _ in range(5):
            await http.get(server.url)
        assert http.breaker_state(server.url) is BreakerState.CLOSED


async def test_connection_pool_is_bounded(server: ScriptedServer) -> None:
    async with OutboundHttpClient(timeout=5, max_connections=2, max_keepalive_connections=2) as http:
        server.queue(*[Step(delay=0.2) for _ in range(6)])
        responses = await asyncio.gather(*(http.get(server.url) for _ in range(6)))
    assert [r.status_code for r in responses] == [200] * 6
    assert server.max_in_flight == 2


async def test_aclose_closes_the_pool(server: ScriptedServer) -> None:
    http = OutboundHttpClient(timeout=1)
    assert (await http.get(server.url)).status_code == 200
    await http.aclose()
    assert http.closed
