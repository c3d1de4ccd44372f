"""Rate limits and IP rules as operators see them: real server processes, real CLI."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.integration.test_serve import production_env  # noqa: F401 - fixture
from tests.processes import free_port, http_ok, lyceum_env, lyceum_process, run_cli, wait_until


def test_two_api_processes_sharing_redis_enforce_one_limit(
    production_env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    env = {**production_env, "LYCEUM_RATE_LIMIT_PER_MINUTE": "30", "LYCEUM_ACCESS_LOG": "false"}
    assert run_cli(["db", "upgrade"], env).returncode == 0
    ports = [free_port(), free_port()]
    with (
        lyceum_process(["serve", "--port", str(ports[0]), "--grpc-port", "0"], env, tmp_path / "a.log"),
        lyceum_process(["serve", "--port", str(ports[1]), "--grpc-port", "0"], env, tmp_path / "b.log"),
    ):
        for port in ports:
            wait_until(lambda p=port: http_ok(f"http://127.0.0.1:{p}/health"), 20, f"server on {port}")
        statuses = [
            httpx.get(f"http://127.0.0.1:{ports[i % 2]}/api/v1/categories", timeout=5).status_code for i in range(60)
        ]
    assert statuses.count(200) == 30
    assert statuses.count(429) == 30
    assert statuses[:30] == [200] * 30


def test_an_ip_rule_added_from_the_cli_reaches_a_running_server(tmp_path: Path) -> None:
    env = lyceum_env({"LYCEUM_DATA_DIR": str(tmp_path / "var"), "LYCEUM_ACCESS_LOG": "false"})
    port = free_port()
    url = f"http://127.0.0.1:{port}/api/v1/categories"
    with lyceum_process(["serve", "--port", str(port), "--grpc-port", "0"], env, tmp_path / "serve.log"):
        wait_until(lambda: http_ok(f"http://127.0.0.1:{port}/health"), 20, "/health")
        assert httpx.get(url).status_code == 200
        denied = run_cli(["ips", "deny", "127.0.0.1", "--note", "drill", "--for", "600"], env)
        assert denied.returncode == 0, denied.stderr
        wait_until(lambda: httpx.get(url).status_code == 403, 10, "the deny rule to apply", interval=0.25)
        listed = run_cli(["ips", "list"], env).stdout
        assert "127.0.0.1/32" in listed and "drill" in listed
        assert run_cli(["ips", "rm", "127.0.0.1"], env).returncode == 0
        wait_until(lambda: httpx.get(url).status_code == 200, 10, "the rule removal to apply", interval=0.25)
