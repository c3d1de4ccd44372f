"""A real HTTP server on 127.0.0.1 (a free port) that serves ECB feed documents on cue.

The same shape as the scripted servers of ``tests/integration/test_http_client.py`` and the mail
contract servers: stdlib ``ThreadingHTTPServer`` in a background thread, HTTP/1.0 (no
connection outlives its request), stopped and joined when the test ends.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from adapters.http_client import OutboundHttpClient

FIXTURES = Path(__file__).parent


@dataclasses.dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/xml"


class FeedServer:
    """Answers ``GET <path>`` with the reply set for that path (404 otherwise); counts requests."""

    def __init__(self) -> None:
        self._replies: dict[str, Reply] = {}
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="ecb-feed-http", daemon=True
        )

    def url(self, path: str) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{path}"

    def reply(self, path: str, reply: Reply) -> None:
        with self._lock:
            self._replies[path] = reply

    def serve_fixture(self, path: str, name: str) -> None:
        self.reply(path, Reply(200, (FIXTURES / name).read_bytes()))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
        assert not self._thread.is_alive()

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.requests.append(handler.path)
            reply = self._replies.get(handler.path, Reply(404, b"not found", "text/plain"))
        handler.send_response(reply.status)
        handler.send_header("Content-Type", reply.content_type)
        handler.send_header("Content-Length", str(len(reply.body)))
        handler.end_headers()
        handler.wfile.write(reply.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins every handler thread
    block_on_close = True

    def __init__(self, owner: FeedServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.owner = owner


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    server: _Server

    def do_GET(self) -> None:
        self.server.owner.answer(self)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def http_client() -> AsyncIterator[OutboundHttpClient]:
    # Quick retries so a scripted 503 gives up in milliseconds, not seconds.
    async with OutboundHttpClient(timeout=2.0, max_attempts=2, backoff_base=0.01, backoff_cap=0.05) as client:
        yield client
