"""`lyceum services up`: the production stack's storage and search on a developer machine."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import boto3

from tests.processes import lyceum_env, lyceum_process, wait_until


def _exports(log: str) -> dict[str, str]:
    pairs = (line.removeprefix("export ").split("=", 1) for line in log.splitlines() if line.startswith("export "))
    return {name: value.strip("'") for name, value in pairs}


def test_services_up_starts_working_s3_and_typesense_and_stops_them(tmp_path: Path) -> None:
    env = lyceum_env({"LYCEUM_DATA_DIR": str(tmp_path)})
    with lyceum_process(["services", "up", "--dir", str(tmp_path / "services")], env, tmp_path / "up.log") as up:
        wait_until(lambda: "Ctrl-C stops them" in up.log(), 90, "the services to start", interval=0.5)
        exported = _exports(up.log())
        assert set(exported) >= {"LYCEUM_S3_ENDPOINT_URL", "LYCEUM_S3_ACCESS_KEY_ID", "LYCEUM_TYPESENSE_URL"}

        s3 = boto3.client(
            "s3",
            endpoint_url=exported["LYCEUM_S3_ENDPOINT_URL"],
            aws_access_key_id=exported["LYCEUM_S3_ACCESS_KEY_ID"],
            aws_secret_access_key=exported["LYCEUM_S3_SECRET_ACCESS_KEY"],
            region_name="us-east-1",
        )
        s3.create_bucket(Bucket="services-up-check")
        assert "Buckets" in s3.list_buckets()

        with urllib.request.urlopen(f"{exported['LYCEUM_TYPESENSE_URL']}/health", timeout=5) as response:
            assert json.loads(response.read()) == {"ok": True}

        assert up.stop(timeout=40) == 0
        assert "services stopped" in up.log()
