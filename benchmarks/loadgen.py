"""The load generator: wrk, driven by a Lua script whose ``done()`` prints one JSON line.

Parsing wrk's human output is fragile (units change with magnitude: us, ms, s, k, M), so the
numbers come straight from wrk's own summary and latency histogram.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

RESULT_MARKER = "BENCH_RESULT "
INSTALL_HINT = "wrk not found: install it with `apt-get install wrk` (Debian/Ubuntu)"

_DONE_LUA = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nBENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,'
    .. '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,'
    .. '"mean_us":%.1f,"max_us":%.1f,"p50_us":%.1f,"p90_us":%.1f,"p99_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max, latency:percentile(50.0), latency:percentile(90.0),
    latency:percentile(99.0)))
end
"""


class LoadGeneratorMissing(RuntimeError):
    pass


class LoadGeneratorFailed(RuntimeError):
    pass


@dataclasses.dataclass(frozen=True)
class LoadSettings:
    connections: int
    threads: int
    duration_s: int
    timeout_s: int = 5


@dataclasses.dataclass(frozen=True)
class LoadResult:
    requests: int
    duration_s: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    http_errors: int
    socket_errors: int
    bytes_read: int

    @property
    def errors(self) -> int:
        return self.http_errors + self.socket_errors


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise LoadGeneratorMissing(INSTALL_HINT)
    return path


def wrk_version() -> str | None:
    path = shutil.which("wrk")
    if path is None:
        return None
    # wrk has no version flag: it prints its banner with the usage text and exits 1.
    out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10, check=False)
    first = (out.stdout or out.stderr).strip().splitlines()
    return first[0] if first else None


def lua_string(value: str | bytes) -> str:
    """A Lua string literal for any bytes (decimal escapes keep it byte-exact)."""
    raw = value.encode() if isinstance(value, str) else value
    parts = []
    for byte in raw:
        char = chr(byte)
        if 32 <= byte < 127 and char not in '"\\':
            parts.append(char)
        else:
            parts.append(f"\\{byte:03d}")
    return '"' + "".join(parts) + '"'


def request_lua(
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
) -> str:
    """Lua that shapes a fixed request; scenarios needing per-request variety define
    ``request = function() ... end`` themselves."""
    lines = [f"wrk.method = {lua_string(method)}"]
    for name, value in (headers or {}).items():
        lines.append(f"wrk.headers[{lua_string(name)}] = {lua_string(value)}")
    if body is not None:
        lines.append(f"wrk.body = {lua_string(body)}")
    return "\n".join(lines) + "\n"


def write_script(path: Path, scenario_lua: str) -> Path:
    path.write_text(scenario_lua + _DONE_LUA)
    return path


def wrk_command(url: str, settings: LoadSettings, script: Path) -> list[str]:
    return [
        require_wrk(),
        f"--threads={settings.threads}",
        f"--connections={settings.connections}",
        f"--duration={settings.duration_s}s",
        f"--timeout={settings.timeout_s}s",
        f"--script={script}",
        "--latency",
        url,
    ]


def parse_wrk_output(command: list[str], returncode: int, stdout: str, stderr: str) -> LoadResult:
    """The ``BENCH_RESULT`` line a script ending in ``_DONE_LUA`` prints, as a ``LoadResult``."""
    line = next((ln for ln in stdout.splitlines() if ln.startswith(RESULT_MARKER)), None)
    if returncode != 0 or line is None:
        detail = (stderr or stdout).strip()[-2000:]
        raise LoadGeneratorFailed(f"wrk exited {returncode}: {detail}")
    data = json.loads(line[len(RESULT_MARKER) :])
    duration_s = data["duration_us"] / 1e6
    return LoadResult(
        requests=data["requests"],
        duration_s=round(duration_s, 3),
        rps=round(data["requests"] / duration_s, 1) if duration_s else 0.0,
        p50_ms=round(data["p50_us"] / 1000, 3),
        p90_ms=round(data["p90_us"] / 1000, 3),
        p99_ms=round(data["p99_us"] / 1000, 3),
        mean_ms=round(data["mean_us"] / 1000, 3),
        max_ms=round(data["max_us"] / 1000, 3),
        # wrk counts a "status error" for any response status above 399.
        http_errors=data["status"],
        socket_errors=data["connect"] + data["read"] + data["write"] + data["timeout"],
        bytes_read=data["bytes"],
    )


def run_wrk(url: str, settings: LoadSettings, script: Path) -> LoadResult:
    command = wrk_command(url, settings, script)
    try:
        out = subprocess.run(
            command,
            capture_output=True,
            text=True,
            # wrk stops itself after the duration; the margin covers start-up and slow sockets.
            timeout=settings.duration_s + settings.timeout_s + 30,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise LoadGeneratorFailed(f"wrk did not finish: {' '.join(command)}") from exc
    return parse_wrk_output(command, out.returncode, out.stdout, out.stderr)
