"""``lyceum serve``: HTTP and gRPC, plus the worker, relay and scheduler in embedded mode."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import Iterator

import uvicorn

from entrypoints.bootstrap.containers import build_container
from entrypoints.bootstrap.lifecycle import prepare_database, prepare_storage, shutdown
from entrypoints.bootstrap.settings import Settings
from entrypoints.cli.demo import seed_demo
from entrypoints.grpc.server import start_grpc_server
from entrypoints.http.app import create_app
from entrypoints.workers.runtime import run_relay, run_scheduler, run_worker, start_broker

log = logging.getLogger("lyceum")


class _Server(uvicorn.Server):
    """Uvicorn without its own signal handling: ``serve`` owns shutdown for every component."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve(settings: Settings, *, demo: bool) -> None:
    container = build_container(settings)
    stop = _stop_on_signals()

    background: list[asyncio.Task[None]] = []
    grpc_server = None
    try:
        await prepare_database(container)
        await prepare_storage(container)
        container.identity.access_tokens()  # a bad LYCEUM_JWT_PRIVATE_KEYS stops start-up here
        embedded_broker = settings.redis_url is None
        if embedded_broker:
            # One process runs it all: tasks execute in-process, the scheduler fires here too.
            background.append(asyncio.create_task(run_worker(container, stop), name="worker"))
            background.append(asyncio.create_task(run_scheduler(container, stop), name="scheduler"))
        else:
            # Separate `lyceum worker` processes consume; this process relays what it commits.
            await start_broker(container, is_worker=False)
            background.append(asyncio.create_task(run_relay(container, stop), name="relay"))
        if demo:
            created = await seed_demo(container)
            log.info("demo data ready", extra={"categories_created": created})
        # Bound before anything else listens, so a busy port is one clear OSError.
        http_socket = _bind(settings.host, settings.port)
        if settings.grpc_port:
            grpc_server = await start_grpc_server(container, settings.host, settings.grpc_port)
        server = _Server(
            uvicorn.Config(
                create_app(container),
                host=settings.host,
                port=settings.port,
                log_config=None,
                access_log=False,
                lifespan="on",
                server_header=False,
            )
        )
        http = asyncio.create_task(server.serve(sockets=[http_socket]), name="http")
        log.info(
            "lyceum is serving",
            extra={
                "http": f"http://{settings.host}:{settings.port}",
                "grpc_port": settings.grpc_port or None,
                "embedded": settings.embedded_database,
            },
        )
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({http, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stop.set()
        server.should_exit = True
        await http
        if http.exception() is not None or not server.started:
            raise SystemExit(f"HTTP server failed to start on {settings.host}:{settings.port}")
    finally:
        stop.set()
        if grpc_server is not None:
            await grpc_server.stop(grace=5)
        for task in background:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=10)
        await shutdown(container)
        log.info("lyceum stopped")


def _stop_on_signals() -> asyncio.Event:
    """SIGINT/SIGTERM set the returned event: every component then drains and stops."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(exc.errno, f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


async def worker(settings: Settings, *, with_scheduler: bool = False) -> None:
    container = build_container(settings)
    stop = _stop_on_signals()
    try:
        tasks = [asyncio.create_task(run_worker(container, stop))]
        if with_scheduler:
            tasks.append(asyncio.create_task(run_scheduler(container, stop)))
        log.info("worker started", extra={"broker": "redis" if settings.redis_url else "in-process"})
        await asyncio.gather(*tasks)
    finally:
        await shutdown(container)


async def scheduler(settings: Settings) -> None:
    container = build_container(settings)
    stop = _stop_on_signals()
    try:
        log.info("scheduler started")
        await run_scheduler(container, stop)
    finally:
        await shutdown(container)
