"""ASGI servers under test: started in their own process group on 127.0.0.1, always killed."""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import psutil

HOST = "127.0.0.1"
SERVERS = ("granian", "uvicorn")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
_PR_SET_PDEATHSIG = 1


class ServerFailed(RuntimeError):
    pass


@dataclasses.dataclass(frozen=True)
class AppSpec:
    """An ASGI app to serve: ``target`` is a ``module:factory`` returning the app."""

    label: str
    target: str
    env: Mapping[str, str]
    ready_path: str


@dataclasses.dataclass(frozen=True)
class HttpSample:
    status: int
    headers: Mapping[str, str]
    body: bytes


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def fetch(
    port: int,
    path: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    timeout_s: float = 10.0,
) -> HttpSample:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout_s)
    try:
        connection.request(method, path, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        data = response.read()
        return HttpSample(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    finally:
        connection.close()


def server_command(server: str, target: str, port: int, workers: int) -> list[str]:
    # sys.executable: the harness already runs inside the project venv.
    if server == "granian":
        return [
            sys.executable, "-m", "granian",
            "--interface", "asgi",
            "--factory",
            "--host", HOST,
            "--port", str(port),
            "--workers", str(workers),
            "--no-access-log",
            "--log-level", "warning",
            "--no-ws",
            target,
        ]  # fmt: skip
    if server == "uvicorn":
        return [
            sys.executable, "-m", "uvicorn",
            "--factory", target,
            "--host", HOST,
            "--port", str(port),
            "--workers", str(workers),
            "--no-access-log",
            "--log-level", "warning",
            "--ws", "none",
        ]  # fmt: skip
    raise ValueError(f"unknown server {server!r}; expected one of {', '.join(SERVERS)}")


def server_version(server: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(server)
    except PackageNotFoundError:
        return None


def caveats(server: str, workers: int) -> list[str]:
    """Known server-side effects that skew numbers, printed next to them."""
    notes = []
    if server == "uvicorn":
        import importlib.util

        missing = [m for m in ("httptools", "uvloop") if importlib.util.find_spec(m) is None]
        if missing:
            notes.append(f"uvicorn without {' and '.join(missing)}: pure-Python h11 / asyncio loop")
        if workers > 1:
            # The supervisor's listening socket has proto 0, so asyncio never sets TCP_NODELAY
            # and every keep-alive response waits for the client's delayed ACK.
            notes.append(
                "uvicorn --workers >1 loses TCP_NODELAY (github.com/Kludex/uvicorn/issues/3149): "
                "~44 ms per request, both sides; compare with granian instead"
            )
    return notes


def _die_with_parent() -> None:
    # If the harness itself is SIGKILLed no finally block runs; the kernel still tells the
    # server's master process to stop, and it takes its workers down with it.
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class ServerProcess:
    """One server (master plus workers) in a new session, so signals reach the whole group."""

    def __init__(self, server: str, spec: AppSpec, *, port: int, workers: int, log_dir: Path) -> None:
        self.server = server
        self.spec = spec
        self.port = port
        self.workers = workers
        self.log_path = log_dir / f"{spec.label}-{server}-{port}.log"
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        if self._proc is None:
            raise ServerFailed(f"{self.spec.label} server is not started")
        return self._proc.pid

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LYCEUM_")}
        env.update(self.spec.env)
        # Workers may be spawned fresh: they must import `benchmarks` and the src packages
        # from the project, whatever the server does with sys.path.
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if p)
        command = server_command(self.server, self.spec.target, self.port, self.workers)
        with self.log_path.open("wb") as log:
            self._proc = subprocess.Popen(
                command,
                cwd=PROJECT_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                # Safe despite preexec_fn's thread caveat: servers start before any sampler thread.
                preexec_fn=_die_with_parent,
            )

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        last_error = "no answer"
        while time.monotonic() < deadline:
            if self._proc is None or self._proc.poll() is not None:
                raise ServerFailed(f"{self.spec.label} server exited during start-up:\n{self.log_tail()}")
            try:
                sample = fetch(self.port, self.spec.ready_path, timeout_s=2.0)
            except OSError as exc:
                last_error = f"{type(exc).__name__}: {exc}"
            else:
                if sample.status == 200:
                    return
                last_error = f"HTTP {sample.status}: {sample.body[:200]!r}"
            time.sleep(0.1)
        raise ServerFailed(
            f"{self.spec.label} server not ready after {timeout_s:.0f}s on "
            f"{self.url(self.spec.ready_path)} ({last_error}):\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, grace_s: float = 10.0) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        # Remember the workers: if the master dies first they would be orphaned, not killed.
        try:
            family = psutil.Process(proc.pid).children(recursive=True)
        except psutil.Error:
            family = []
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                # The master is still alive, so the group id is still ours to kill.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=grace_s)
        _, alive = psutil.wait_procs(family, timeout=grace_s)
        for child in alive:
            with contextlib.suppress(psutil.Error):
                child.kill()
