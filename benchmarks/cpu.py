"""Who used the machine's CPUs during a measured run: the server, the harness (with wrk and
any helper processes), and everything else (PostgreSQL, other tenants of a shared machine).

On a machine that others share, a run where "other" is high is not comparable with one where
it is low; the scenario prints the share next to its numbers.
"""

from __future__ import annotations

import dataclasses
import os
import time
from types import TracebackType

import psutil


@dataclasses.dataclass(frozen=True)
class CpuShare:
    """Percent of the whole machine (100 = every CPU busy for the whole run)."""

    elapsed_s: float
    server_pct: float
    harness_pct: float
    other_pct: float
    steal_pct: float
    # Part of server_pct: threads of the server running at idle priority (SCHED_IDLE), which
    # are the password-hashing threads when LYCEUM_PASSWORD_HASH_YIELD_CPU is on.
    server_idle_policy_pct: float = 0.0


def _tree_seconds(pid: int | None) -> float:
    if pid is None:
        return 0.0
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


_SCHED_IDLE = 5
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _idle_policy_seconds(pid: int | None) -> float:
    """CPU seconds of the tree's threads whose scheduling policy is SCHED_IDLE (Linux /proc);
    0 where /proc is not there."""
    if pid is None:
        return 0.0
    try:
        root = psutil.Process(pid)
        pids = [root.pid, *(child.pid for child in root.children(recursive=True))]
    except psutil.Error:
        return 0.0
    total = 0
    for process_id in pids:
        try:
            tasks = os.listdir(f"/proc/{process_id}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{process_id}/task/{task}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            # After "pid (comm)": field 3 is fields[0]; utime 14, stime 15, policy 41.
            if int(fields[38]) == _SCHED_IDLE:
                total += int(fields[11]) + int(fields[12])
    return total / _TICKS


def _own_seconds() -> float:
    # Children count once reaped: wrk after communicate(), pool processes after shutdown.
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _machine() -> tuple[float, float, float]:
    t = psutil.cpu_times()
    idle = t.idle + getattr(t, "iowait", 0.0)
    steal = getattr(t, "steal", 0.0)
    total = sum(t) - getattr(t, "guest", 0.0) - getattr(t, "guest_nice", 0.0)
    return total - idle - steal, steal, total


class CpuMeter:
    """``with CpuMeter(server_pid) as m: ...`` then read ``m.share``."""

    def __init__(self, server_pid: int | None = None) -> None:
        self._pid = server_pid
        self.share: CpuShare | None = None

    def __enter__(self) -> CpuMeter:
        self._start = time.monotonic()
        self._server = _tree_seconds(self._pid)
        self._server_idle = _idle_policy_seconds(self._pid)
        self._own = _own_seconds()
        self._busy, self._steal, self._total = _machine()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        elapsed = time.monotonic() - self._start
        busy, steal, total = _machine()
        capacity = total - self._total
        if capacity <= 0 or elapsed <= 0:
            return
        server = _tree_seconds(self._pid) - self._server
        own = _own_seconds() - self._own
        busy -= self._busy

        def pct(seconds: float) -> float:
            return round(max(0.0, seconds) / capacity * 100, 1)

        self.share = CpuShare(
            elapsed_s=round(elapsed, 2),
            server_pct=pct(server),
            harness_pct=pct(own),
            other_pct=pct(busy - server - own),
            steal_pct=pct(steal - self._steal),
            server_idle_policy_pct=pct(_idle_policy_seconds(self._pid) - self._server_idle),
        )
