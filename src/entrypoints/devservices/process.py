"""A server subprocess in its own process group, on loopback, stopped for sure."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    # If the owner is SIGKILLed no finally block runs; the kernel still stops the server.
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class LocalServer:
    def __init__(
        self, name: str, command: Sequence[str], log_path: Path, *, drop_env_prefixes: Sequence[str] = ()
    ) -> None:
        self.name = name
        self.log_path = log_path
        self.leftovers: list[Path] = []  # files the server leaves outside its directory
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = log_path.open("ab")
        env = {k: v for k, v in os.environ.items() if not k.startswith(tuple(drop_env_prefixes))}
        self.process = subprocess.Popen(  # noqa: S603 - a binary from an installed package
            list(command),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_until(self, ready: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            with contextlib.suppress(Exception):
                if ready():
                    return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} was not ready after {timeout:.0f}s; see {self.log_path}")

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM the group, then SIGKILL what is left after ``grace`` seconds."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self._log.close()
        for path in self.leftovers:
            path.unlink(missing_ok=True)
