"""POST /api/v1/auth/login: Argon2id sign-ins against the raw verify ceiling, admission control
under overload, and the event loop's health while the CPUs hash passwords.

Not an A/B of two servers: a login's cost is the Argon2id verify by design, so the baseline is
the most verifies per second this machine can do with the same parameters (raw argon2-cffi on
every CPU, measured in the same run, alternating with the app's runs). Phases:

1. **throughput**: wrk, ``LOGIN_CONNECTIONS`` connections with one wrk thread each (so the
   script can time every response and tell 200s from 503s), logging the seeded users in in
   turn; alternated with the ceiling (threads, then processes) per repeat.
2. **overload**: ``OVERLOAD_CONNECTIONS`` connections that retry at once, ignoring Retry-After.
   A crowd of them (2 wrk threads) plus a few exactly-timed probe connections; admission
   control must answer the excess with fast 503s instead of a queue.
3. **event-loop isolation**: a paced probe of ``GET /api/v1/categories`` (a few connections,
   one request per connection every ``PROBE_PACE_MS`` ms: light, so it measures latency, not
   throughput), idle and then during a saturating login storm; alternated per repeat.

Peak RSS of the server's process tree is sampled through all of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

import msgspec

from benchmarks import argon2_ceiling, database
from benchmarks.argon2_ceiling import CeilingRun
from benchmarks.cpu import CpuMeter, CpuShare
from benchmarks.harness import SETTLE_S, BenchContext, RunOptions, Scenario, ScenarioError, log
from benchmarks.loadgen import (
    LoadGeneratorFailed,
    LoadResult,
    LoadSettings,
    parse_wrk_output,
    request_lua,
    write_script,
    wrk_command,
)
from benchmarks.rss import RssPeak, RssSampler
from benchmarks.scenarios.categories import CATEGORY_COUNT, CategoriesScenario
from benchmarks.servers import HttpSample, ServerProcess, fetch, free_port

USERS = 200
PASSWORD = "correct horse battery staple, benchmark edition"
EMAIL_DOMAIN = "bench.example"
LOGIN_PATH = "/api/v1/auth/login"
CATEGORIES_PATH = "/api/v1/categories"

# Enough concurrency to keep every hashing thread busy while the loop does the rest of a login
# (database, JWT, session, audit), few enough to stay well inside the admission queue (~0.5 s
# of hashes per process): the throughput phase should see no refusals.
LOGIN_CONNECTIONS = 8
OVERLOAD_CONNECTIONS = 256
# Overload probe: connections of their own wrk, one per thread, timed per response.
PROBE_CONNECTIONS = 4
CATEGORY_CONNECTIONS = 4
PROBE_PACE_MS = 10
# Storms start this much before the probes that measure them, and end as much after.
LEAD_S = 1

RATIO_GOAL = 0.8
RSS_BUDGET_MB = 300.0
ISOLATION_GOAL = 2.0
# "Bounded": a served login waits at most max_wait (0.5 s) plus a hash or two.
OVERLOAD_P99_GOAL_MS = 1000.0
REFUSAL_STATUSES = ("503", "429")
# Above this share of the machine busy with other work before the run, warn.
QUIET_MACHINE_PCT = 10.0
# A run during which other processes (PostgreSQL included) used more of the machine than this
# is "noisy"; the headline numbers skip repeats with a noisy run when a quiet repeat exists.
NOISY_OTHER_PCT = 10.0


def email(index: int) -> str:
    return f"user{index}@{EMAIL_DOMAIN}"


def login_body(index: int) -> bytes:
    return json.dumps({"email": email(index), "password": PASSWORD}).encode()


# -- wrk scripts ----------------------------------------------------------------------------------

_LOGIN_LUA = r"""
local USERS = %(users)d
local PATH = %(path)s
local PASSWORD = %(password)s
local DOMAIN = %(domain)s
-- Polite clients wait as long as Retry-After says before their next attempt (not timed).
local POLITE = %(polite)s
local HEADERS = {["Content-Type"] = "application/json", ["User-Agent"] = "lyceum-bench/wrk"}

local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec_t;
int clock_gettime(int clk_id, bench_timespec_t *tp);
]]
local bench_ts = ffi.new("bench_timespec_t")
local function now_us()
  ffi.C.clock_gettime(1, bench_ts)  -- CLOCK_MONOTONIC
  return tonumber(bench_ts.tv_sec) * 1000000 + tonumber(bench_ts.tv_nsec) / 1000
end

local bench_threads = {}
local bench_next_id = 0

setup = function(thread)
  thread:set("bench_id", bench_next_id)
  bench_next_id = bench_next_id + 1
  table.insert(bench_threads, thread)
end

init = function(args)
  -- Threads start at different users, then take them in turn.
  bench_user = ((bench_id or 0) * 37) %% USERS
  bench_counts = {}
  bench_started = nil
  -- One connection per thread: request() and response() alternate, so the time between
  -- them is this response's latency. With more connections per thread they interleave.
  bench_timed = %(timed)s
end

request = function()
  bench_user = ((bench_user or 0) + 1) %% USERS
  bench_started = now_us()
  local body = '{"email":"user' .. bench_user .. '@' .. DOMAIN .. '","password":"' .. PASSWORD .. '"}'
  return wrk.format("POST", PATH, HEADERS, body)
end

response = function(status, headers, body)
  local key = tostring(status)
  bench_counts[key] = (bench_counts[key] or 0) + 1
  if POLITE and (status == 503 or status == 429) then
    local after = headers["Retry-After"] or headers["retry-after"]
    bench_delay_ms = (tonumber(after) or 1) * 1000
  end
  if bench_timed and bench_started then
    -- One flat global list per status: wrk's thread:get() mangles nested tables.
    local name = "bench_latency_" .. key
    local list = _G[name]
    if list == nil then
      list = {}
      _G[name] = list
    end
    list[#list + 1] = now_us() - bench_started
  end
  bench_started = nil
end

if POLITE then
  delay = function()
    local ms = bench_delay_ms or 0
    bench_delay_ms = 0
    return ms
  end
end

local function bench_rank(sorted, p)
  local n = #sorted
  if n == 0 then return 0 end
  local rank = math.ceil(p / 100 * n)
  if rank < 1 then rank = 1 end
  return sorted[rank]
end

bench_status_done = function()
  local counts, lists = {}, {}
  for _, thread in ipairs(bench_threads) do
    local c = thread:get("bench_counts") or {}
    for k, v in pairs(c) do
      counts[k] = (counts[k] or 0) + v
      local list = thread:get("bench_latency_" .. k)
      if list ~= nil then
        local all = lists[k]
        if all == nil then
          all = {}
          lists[k] = all
        end
        for _, value in ipairs(list) do all[#all + 1] = value end
      end
    end
  end
  local parts = {}
  for k, n in pairs(counts) do
    local all = lists[k] or {}
    table.sort(all)
    parts[#parts + 1] = string.format(
      '"%%s":{"count":%%d,"timed":%%d,"p50_us":%%.1f,"p90_us":%%.1f,"p99_us":%%.1f,"max_us":%%.1f}',
      k, n, #all, bench_rank(all, 50), bench_rank(all, 90), bench_rank(all, 99), all[#all] or 0)
  end
  io.write("\nBENCH_STATUS {" .. table.concat(parts, ",") .. "}\n")
end
"""

# Appended after loadgen's done(), which prints BENCH_RESULT: print the statuses after it.
_CHAIN_DONE_LUA = r"""
local bench_base_done = done
done = function(summary, latency, requests)
  bench_base_done(summary, latency, requests)
  bench_status_done()
end
"""

STATUS_MARKER = "BENCH_STATUS "


def _lua_quote(value: str) -> str:
    return json.dumps(value)  # ASCII-only here: a JSON string is a valid Lua string


def login_lua(*, timed: bool, polite: bool = False) -> str:
    return _LOGIN_LUA % {
        "polite": "true" if polite else "false",
        "users": USERS,
        "path": _lua_quote(LOGIN_PATH),
        "password": _lua_quote(PASSWORD),
        "domain": _lua_quote(EMAIL_DOMAIN),
        "timed": "true" if timed else "false",
    }


def write_login_script(path: Path, *, timed: bool, polite: bool = False) -> Path:
    write_script(path, login_lua(timed=timed, polite=polite))
    with path.open("a") as script:
        script.write(_CHAIN_DONE_LUA)
    return path


def write_paced_script(path: Path, pace_ms: int) -> Path:
    # wrk's delay(): each connection waits this long after a response before its next request
    # (not counted in the latency), so the probe is light and open enough to measure latency.
    return write_script(path, request_lua("GET") + f"delay = function() return {pace_ms} end\n")


# -- results --------------------------------------------------------------------------------------


def _cpu_dict(cpu: CpuShare | None) -> dict[str, Any] | None:
    return dataclasses.asdict(cpu) if cpu else None


@dataclasses.dataclass(frozen=True)
class StatusStats:
    """Responses with one status; latencies only when the run timed each response."""

    count: int
    timed: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float


@dataclasses.dataclass(frozen=True)
class LoginRun:
    load: LoadResult
    statuses: dict[str, StatusStats]
    connections: int
    rss: RssPeak = dataclasses.field(default_factory=RssPeak)
    cpu: CpuShare | None = None

    def count(self, *statuses: str) -> int:
        return sum(self.statuses[s].count for s in statuses if s in self.statuses)

    @property
    def logins(self) -> int:
        return sum(s.count for code, s in self.statuses.items() if code.startswith("2"))

    @property
    def logins_per_s(self) -> float:
        return round(self.logins / self.load.duration_s, 1) if self.load.duration_s else 0.0

    @property
    def refusals(self) -> int:
        return self.count(*REFUSAL_STATUSES)

    @property
    def refusals_per_s(self) -> float:
        return round(self.refusals / self.load.duration_s, 1) if self.load.duration_s else 0.0

    @property
    def unexpected(self) -> dict[str, int]:
        """Statuses that are neither a login nor an admission refusal (e.g. 401, 500)."""
        return {
            code: s.count
            for code, s in self.statuses.items()
            if not code.startswith("2") and code not in REFUSAL_STATUSES
        }

    @property
    def errors(self) -> int:
        return self.load.socket_errors + sum(self.unexpected.values())

    def p99(self, status: str) -> float | None:
        stats = self.statuses.get(status)
        return stats.p99_ms if stats is not None and stats.timed else None

    @property
    def ok_p99_ms(self) -> float | None:
        return self.p99("200")

    @property
    def refusal_p99_ms(self) -> float | None:
        values = [p for s in REFUSAL_STATUSES if (p := self.p99(s)) is not None]
        return max(values) if values else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "connections": self.connections,
            **dataclasses.asdict(self.load),
            "logins": self.logins,
            "logins_per_s": self.logins_per_s,
            "refusals": self.refusals,
            "refusals_per_s": self.refusals_per_s,
            "ok_p99_ms": self.ok_p99_ms,
            "refusal_p99_ms": self.refusal_p99_ms,
            "unexpected_statuses": self.unexpected,
            "statuses": {code: dataclasses.asdict(s) for code, s in sorted(self.statuses.items())},
            "peak_rss_mb": self.rss.largest_mb,
            "peak_rss_total_mb": self.rss.total_mb,
            "cpu": _cpu_dict(self.cpu),
        }


@dataclasses.dataclass(frozen=True)
class ProbeRun:
    """A paced GET /api/v1/categories run, alone (idle) or during a login storm."""

    load: LoadResult
    storm: LoginRun | None = None
    rss: RssPeak = dataclasses.field(default_factory=RssPeak)
    cpu: CpuShare | None = None

    @property
    def errors(self) -> int:
        return self.load.errors + (self.storm.errors if self.storm else 0)

    def as_dict(self) -> dict[str, Any]:
        return {
            **dataclasses.asdict(self.load),
            "errors": self.load.errors,
            "storm": self.storm.as_dict() if self.storm else None,
            "peak_rss_mb": self.rss.largest_mb,
            "peak_rss_total_mb": self.rss.total_mb,
            "cpu": _cpu_dict(self.cpu),
        }


@dataclasses.dataclass(frozen=True)
class OverloadRound:
    """``OVERLOAD_CONNECTIONS`` login clients at once: a crowd (2 wrk threads) and a few probe
    connections timed per response; hostile clients retry at once, polite ones after the
    Retry-After the refusal carries."""

    polite: bool
    crowd: LoginRun
    probe: LoginRun
    categories: ProbeRun | None
    rss: RssPeak
    cpu: CpuShare | None
    # Seconds the server stayed busy after the clients had gone (work queued for nobody).
    drain_s: float = 0.0

    @property
    def logins_per_s(self) -> float:
        return round(self.crowd.logins_per_s + self.probe.logins_per_s, 1)

    @property
    def refusals(self) -> int:
        return self.crowd.refusals + self.probe.refusals

    @property
    def refusals_per_s(self) -> float:
        return round(self.crowd.refusals_per_s + self.probe.refusals_per_s, 1)

    @property
    def p99_ms(self) -> float:
        """Of every response the crowd got (logins and refusals alike)."""
        return self.crowd.load.p99_ms

    @property
    def errors(self) -> int:
        return self.crowd.errors + self.probe.errors + (self.categories.errors if self.categories else 0)

    @property
    def within_goal(self) -> bool:
        return self.p99_ms < OVERLOAD_P99_GOAL_MS and not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "clients": "polite (wait Retry-After)" if self.polite else "hostile (retry at once)",
            "connections": self.crowd.connections + self.probe.connections,
            "logins_per_s": self.logins_per_s,
            "refusals": self.refusals,
            "refusals_per_s": self.refusals_per_s,
            "p99_ms": self.p99_ms,
            "p99_goal_ms": OVERLOAD_P99_GOAL_MS,
            "within_goal": self.within_goal,
            "refusal_p99_ms": self.probe.refusal_p99_ms,
            "login_p99_ms": self.probe.ok_p99_ms,
            "categories_p99_ms": self.categories.load.p99_ms if self.categories else None,
            "errors": self.errors,
            "drain_s": self.drain_s,
            "crowd": self.crowd.as_dict(),
            "probe": self.probe.as_dict(),
            "categories": self.categories.as_dict() if self.categories else None,
            "peak_rss_mb": self.rss.largest_mb,
            "peak_rss_total_mb": self.rss.total_mb,
            "cpu": _cpu_dict(self.cpu),
        }


@dataclasses.dataclass
class LoginResult:
    scenario: str
    summary: str
    method: str
    path: str
    started_at: dt.datetime
    loadavg_before: float
    database_version: str | None
    hash_parameters: str = ""
    cpus: int = 1
    # Hashes the app computes at once per process (its admission gate's slots).
    hasher_concurrency: int = 0
    ceiling_threads: list[CeilingRun] = dataclasses.field(default_factory=list)
    ceiling_processes: list[CeilingRun] = dataclasses.field(default_factory=list)
    logins: list[LoginRun] = dataclasses.field(default_factory=list)
    overload: list[OverloadRound] = dataclasses.field(default_factory=list)
    idle: list[ProbeRun] = dataclasses.field(default_factory=list)
    storm: list[ProbeRun] = dataclasses.field(default_factory=list)
    # The end of the server's log (tracebacks would be a finding).
    server_log_tail: str = ""
    # Share of the machine busy before anything started (other tenants of a shared machine).
    busy_before_pct: float | None = None

    # -- the headline numbers ------------------------------------------------------------
    # On a shared machine other tenants come and go: a repeat is "quiet" when, in each of its
    # runs, other processes used at most NOISY_OTHER_PCT of the machine. The headline numbers
    # come from the quiet repeats when there is one, else from all (and say so).

    @property
    def throughput_repeats(self) -> list[int]:
        indices = list(range(len(self.logins)))
        quiet = [i for i in indices if _quiet(self.logins[i], self.ceiling_threads[i], self.ceiling_processes[i])]
        return quiet or indices

    @property
    def isolation_repeats(self) -> list[int]:
        indices = list(range(min(len(self.idle), len(self.storm))))
        return [i for i in indices if _quiet(self.idle[i], self.storm[i])] or indices

    def _throughput_median(self, values: Sequence[float]) -> float:
        used = [values[i] for i in self.throughput_repeats]
        return round(statistics.median(used), 3) if used else 0.0

    def _isolation_median(self, values: Sequence[float]) -> float:
        used = [values[i] for i in self.isolation_repeats]
        return round(statistics.median(used), 3) if used else 0.0

    @property
    def logins_per_s(self) -> float:
        return round(self._throughput_median([r.logins_per_s for r in self.logins]), 1)

    @property
    def ceiling_threads_per_s(self) -> float:
        return round(self._throughput_median([r.verifies_per_s for r in self.ceiling_threads]), 1)

    @property
    def ceiling_processes_per_s(self) -> float:
        return round(self._throughput_median([r.verifies_per_s for r in self.ceiling_processes]), 1)

    def ceiling_of(self, repeat: int) -> float:
        """The better of the two ways to use every CPU: the ceiling is what the machine can do."""
        return max(self.ceiling_threads[repeat].verifies_per_s, self.ceiling_processes[repeat].verifies_per_s)

    @property
    def ceiling_per_s(self) -> float:
        return round(self._throughput_median([self.ceiling_of(i) for i in range(len(self.logins))]), 1)

    def ratio_of(self, repeat: int) -> float:
        ceiling = self.ceiling_of(repeat)
        return self.logins[repeat].logins_per_s / ceiling if ceiling else 0.0

    @property
    def ratio(self) -> float:
        """Median over the repeats used of each repeat's logins/s ÷ its own ceiling (the two
        were measured seconds apart, so drift of the machine cancels out)."""
        return self._throughput_median([self.ratio_of(i) for i in range(len(self.logins))])

    @property
    def login_p50_ms(self) -> float:
        return self._throughput_median([r.load.p50_ms for r in self.logins])

    @property
    def login_p99_ms(self) -> float:
        return self._throughput_median([r.load.p99_ms for r in self.logins])

    @property
    def idle_p50_ms(self) -> float:
        return self._isolation_median([r.load.p50_ms for r in self.idle])

    @property
    def idle_p99_ms(self) -> float:
        return self._isolation_median([r.load.p99_ms for r in self.idle])

    @property
    def storm_p50_ms(self) -> float:
        return self._isolation_median([r.load.p50_ms for r in self.storm])

    @property
    def storm_p99_ms(self) -> float:
        return self._isolation_median([r.load.p99_ms for r in self.storm])

    def isolation_ratio_of(self, repeat: int) -> float:
        idle = self.idle[repeat].load.p99_ms
        return self.storm[repeat].load.p99_ms / idle if idle else 0.0

    @property
    def isolation_ratio(self) -> float:
        """Median over the repeats used of each repeat's storm p99 ÷ its idle p99."""
        return self._isolation_median([self.isolation_ratio_of(i) for i in range(len(self.storm))])

    def round(self, *, polite: bool) -> OverloadRound | None:
        return next((r for r in self.overload if r.polite == polite), None)

    @property
    def rss(self) -> RssPeak:
        peak = RssPeak()
        for run in (*self.logins, *self.overload, *self.idle, *self.storm):
            peak = peak.merge(run.rss)
        return peak

    @property
    def errors(self) -> int:
        """Failed requests in the throughput and isolation phases (socket errors, statuses
        other than 2xx/503/429, failed category reads): when non-zero those numbers are not
        valid. Failures under overload are that phase's result (its goal), not counted here."""
        runs: list[LoginRun | ProbeRun] = [*self.logins, *self.idle, *self.storm]
        return sum(run.errors for run in runs)

    @property
    def overload_failures(self) -> int:
        return sum(round_.errors for round_ in self.overload)

    @staticmethod
    def other_cpu_pct(runs: Sequence[LoginRun | ProbeRun | CeilingRun]) -> float | None:
        """Median share of the machine used by other processes (PostgreSQL, other tenants)."""
        values = [run.cpu.other_pct for run in runs if run.cpu is not None]
        return round(statistics.median(values), 1) if values else None

    def cpu_ms_per_login(self) -> tuple[float, float] | None:
        """Median over the login runs of the server's CPU per login, in ms: (hashing threads,
        everything else). Hashing threads are told apart by their idle scheduling policy, so
        this is None when the hasher does not yield the CPU (or /proc is not there)."""
        hashing: list[float] = []
        rest: list[float] = []
        for run in self.logins:
            cpu = run.cpu
            if cpu is None or not run.logins or cpu.server_idle_policy_pct <= 0:
                continue
            seconds = cpu.elapsed_s * self.cpus / 100 * 1000 / run.logins
            hashing.append(cpu.server_idle_policy_pct * seconds)
            rest.append((cpu.server_pct - cpu.server_idle_policy_pct) * seconds)
        if not hashing:
            return None
        return round(statistics.median(hashing), 1), round(statistics.median(rest), 1)

    def goals(self) -> dict[str, bool]:
        hostile, polite = self.round(polite=False), self.round(polite=True)
        return {
            "ratio": self.ratio >= RATIO_GOAL,
            "rss": self.rss.total_mb < RSS_BUDGET_MB,
            "overload_p99_hostile": hostile is not None and hostile.within_goal,
            "overload_p99_polite": polite is not None and polite.within_goal,
            "isolation": bool(self.idle_p99_ms) and self.isolation_ratio < ISOLATION_GOAL,
        }


def _quiet(*runs: LoginRun | ProbeRun | CeilingRun) -> bool:
    return all(run.cpu is not None and run.cpu.other_pct <= NOISY_OTHER_PCT for run in runs)


# -- running wrk ------------------------------------------------------------------------------------


class _Wrk:
    """One wrk process in the background (several run at once in the storm phases)."""

    def __init__(self, url: str, settings: LoadSettings, script: Path) -> None:
        self.settings = settings
        self.command = wrk_command(url, settings, script)
        self.proc = subprocess.Popen(
            self.command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True
        )

    def wait(self) -> tuple[LoadResult, str]:
        try:
            out, err = self.proc.communicate(timeout=self.settings.duration_s + self.settings.timeout_s + 30)
        except subprocess.TimeoutExpired as exc:
            self.kill()
            raise LoadGeneratorFailed(f"wrk did not finish: {' '.join(self.command)}") from exc
        return parse_wrk_output(self.command, self.proc.returncode, out, err), out

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


@contextlib.contextmanager
def _wrk(url: str, settings: LoadSettings, script: Path) -> Iterator[_Wrk]:
    run = _Wrk(url, settings, script)
    try:
        yield run
    finally:
        run.kill()  # only if still running: an error elsewhere must not leave wrk behind


def _statuses(stdout: str) -> dict[str, StatusStats]:
    line = next((ln for ln in stdout.splitlines() if ln.startswith(STATUS_MARKER)), None)
    if line is None:
        raise LoadGeneratorFailed("wrk printed no status counts (the login script's done() did not run)")
    data = json.loads(line[len(STATUS_MARKER) :])
    return {
        code: StatusStats(
            count=v["count"],
            timed=v["timed"],
            p50_ms=round(v["p50_us"] / 1000, 3),
            p90_ms=round(v["p90_us"] / 1000, 3),
            p99_ms=round(v["p99_us"] / 1000, 3),
            max_ms=round(v["max_us"] / 1000, 3),
        )
        for code, v in data.items()
    }


def _login_result(run: _Wrk, connections: int) -> LoginRun:
    load, stdout = run.wait()
    return LoginRun(load, _statuses(stdout), connections)


def _describe(run: LoginRun) -> str:
    parts = [f"{run.logins_per_s:,.1f} logins/s", f"{run.refusals_per_s:,.0f} refusals/s"]
    if run.refusal_p99_ms is not None:
        parts[-1] += f" (p99 {run.refusal_p99_ms:.1f} ms)"
    parts.append(f"p50 {run.load.p50_ms:.1f} ms, p99 {run.load.p99_ms:.1f} ms (all)")
    if run.unexpected:
        parts.append(f"unexpected statuses {run.unexpected}")
    if run.load.socket_errors:
        parts.append(f"socket errors {run.load.socket_errors}")
    return ", ".join(parts)


def _cpu_note(cpu: CpuShare | None) -> str:
    if cpu is None:
        return ""
    return f"; CPU: server {cpu.server_pct:.0f}%, harness+wrk {cpu.harness_pct:.0f}%, other {cpu.other_pct:.0f}%"


# -- the scenario ---------------------------------------------------------------------------------


class _TokensOut(msgspec.Struct):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int


class LoginScenario(Scenario):
    # Run by its own phases (``run``), not by the A/B harness: see ``benchmarks.__main__``.
    kind: ClassVar[str] = "phased"
    name = "login"
    summary = (
        f"Password sign-in of {USERS} seeded users (Argon2id at the OWASP minimum) against the raw "
        "argon2-cffi verify ceiling on every CPU; admission control under overload; "
        "GET /api/v1/categories latency during a login storm."
    )
    method = "POST"
    path = LOGIN_PATH
    request_headers: ClassVar[dict[str, str]] = {"Content-Type": "application/json"}
    request_body = login_body(0)
    # Filled by setup().
    password_hash: str = ""
    hash_parameters: str = ""
    hasher_concurrency: int = 0

    # -- setup --------------------------------------------------------------------------------

    async def setup(self, ctx: BenchContext) -> None:
        # The IP allowlist for the load generator, and the category tree the probe reads.
        await CategoriesScenario().setup(ctx)
        import argon2

        from core.identity.domain.user import User

        async with ctx.container() as container:
            hasher = container.identity.hasher()
            # One hash for everybody: seeding 200 distinct hashes would cost seconds, and a
            # verify costs the same whatever the salt.
            password_hash = await hasher.hash(PASSWORD)
            ours = argon2.extract_parameters(password_hash)
            raw = argon2.extract_parameters(argon2_ceiling.raw_hasher().hash(PASSWORD))
            if ours != raw:
                raise ScenarioError(f"the app hashes with {ours}, the ceiling would use {raw}: not comparable")
            self.hash_parameters = password_hash.rsplit("$", 2)[0]  # $argon2id$v=19$m=..,t=..,p=..
            self.password_hash = password_hash
            self.hasher_concurrency = hasher.concurrency
            now = container.infrastructure.clock().now()
            async with container.infrastructure.uow() as uow:
                for index in range(USERS):
                    user = User.register(
                        email=email(index),
                        name=f"Bench User {index}",
                        password_hash=password_hash,
                        now=now,
                        verified=True,
                    )
                    await uow.users.add(user)
                await uow.commit()

    def check_response(self, sample: HttpSample) -> None:
        super().check_response(sample)
        try:
            tokens = msgspec.json.decode(sample.body, type=_TokensOut)
        except msgspec.DecodeError as exc:
            raise ScenarioError(f"{self.path} did not answer a token pair: {sample.body[:300]!r}") from exc
        if tokens.token_type.lower() != "bearer" or not tokens.access_token or not tokens.refresh_token:
            raise ScenarioError(f"{self.path} answered an unexpected token pair: {tokens}")

    # -- the run ------------------------------------------------------------------------------

    def run(self, options: RunOptions) -> LoginResult:
        result = LoginResult(
            scenario=self.name,
            summary=self.summary,
            method=self.method,
            path=self.path,
            started_at=dt.datetime.now(dt.UTC),
            loadavg_before=round(os.getloadavg()[0], 2),
            database_version=None,
            cpus=_cpus(),
        )
        with CpuMeter() as meter:
            time.sleep(2)
        if meter.share is not None:
            result.busy_before_pct = round(meter.share.other_pct + meter.share.harness_pct, 1)
            if result.busy_before_pct > QUIET_MACHINE_PCT:
                log(
                    f"[{self.name}] warning: {result.busy_before_pct:.0f}% of the machine is busy before the run; "
                    "the numbers will be noisy (see the 'other' CPU share of each run)"
                )
        with tempfile.TemporaryDirectory(prefix=f"bench-{self.name}-") as tmp:
            ctx = BenchContext(options, Path(tmp))
            result.database_version = ctx.database_version = asyncio.run(database.recreate(options.database_url))
            log(f"database {options.database_url.rsplit('/', 1)[-1]} recreated; migrating")
            asyncio.run(database.migrate(options.database_url))
            log(f"[{self.name}] setting up: allowlist, {CATEGORY_COUNT} categories, {USERS} users")
            asyncio.run(self.setup(ctx))
            result.hash_parameters = self.hash_parameters
            result.hasher_concurrency = self.hasher_concurrency
            server = ServerProcess(
                options.server, self.subject(ctx), port=free_port(), workers=options.workers, log_dir=ctx.workdir
            )
            try:
                server.start()
                server.wait_ready()
                log(f"lyceum ready: {options.server} x{options.workers} on {server.url('')}")
                self._check(server)
                scripts = _Scripts(ctx.workdir)
                self._warm_up(options, server, scripts)
                self._throughput(options, server, scripts, result)
                for polite in (False, True):
                    result.overload.append(self._overload(options, server, scripts, polite=polite))
                self._isolation(options, server, scripts, result)
                self._check(server)  # still answering correctly after all that
            finally:
                result.server_log_tail = server.log_tail(20)
                server.stop()
        return result

    def _check(self, server: ServerProcess) -> None:
        self.check_response(self.fetch_once(server.port))
        listing = fetch(server.port, CATEGORIES_PATH)
        CategoriesScenario().check_response(listing)

    def _warm_up(self, options: RunOptions, server: ServerProcess, scripts: _Scripts) -> None:
        settings = LoadSettings(LOGIN_CONNECTIONS, LOGIN_CONNECTIONS, options.warmup_s)
        with _wrk(server.url(LOGIN_PATH), settings, scripts.login_timed) as run:
            warm = _login_result(run, LOGIN_CONNECTIONS)
        log(f"[{self.name}] warm-up logins: {_describe(warm)}")
        if not warm.logins:
            raise ScenarioError(f"no login succeeded during the warm-up: {warm.statuses}")
        probe = LoadSettings(CATEGORY_CONNECTIONS, 1, options.warmup_s)
        with _wrk(server.url(CATEGORIES_PATH), probe, scripts.paced) as run:
            load, _ = run.wait()
        log(f"[{self.name}] warm-up categories: {load.rps:,.0f} req/s, p99 {load.p99_ms:.2f} ms")

    def _throughput(self, options: RunOptions, server: ServerProcess, scripts: _Scripts, result: LoginResult) -> None:
        cpus = result.cpus
        # One connection per wrk thread, so every response is timed by status.
        settings = LoadSettings(LOGIN_CONNECTIONS, LOGIN_CONNECTIONS, options.duration_s)
        for repeat in range(1, options.repeats + 1):
            for mode, runs in (("threads", result.ceiling_threads), ("processes", result.ceiling_processes)):
                time.sleep(SETTLE_S)
                with CpuMeter(server.pid) as meter:
                    ceiling = argon2_ceiling.measure(
                        self.password_hash, PASSWORD, mode=mode, workers=cpus, duration_s=options.duration_s
                    )
                ceiling = dataclasses.replace(ceiling, cpu=meter.share)
                runs.append(ceiling)
                log(
                    f"[{self.name}] repeat {repeat}/{options.repeats} ceiling ({cpus} {mode}): "
                    f"{ceiling.verifies_per_s:,.1f} verifies/s{_cpu_note(ceiling.cpu)}"
                )
            time.sleep(SETTLE_S)
            with (
                RssSampler(server.pid) as sampler,
                CpuMeter(server.pid) as meter,
                _wrk(server.url(LOGIN_PATH), settings, scripts.login_timed) as run,
            ):
                login = _login_result(run, LOGIN_CONNECTIONS)
            login = dataclasses.replace(login, rss=sampler.peak, cpu=meter.share)
            result.logins.append(login)
            log(
                f"[{self.name}] repeat {repeat}/{options.repeats} lyceum ({LOGIN_CONNECTIONS} connections): "
                f"{_describe(login)}, peak RSS {login.rss.largest_mb:.0f}/{login.rss.total_mb:.0f} MB"
                f"{_cpu_note(login.cpu)}"
            )

    def _overload(
        self, options: RunOptions, server: ServerProcess, scripts: _Scripts, *, polite: bool
    ) -> OverloadRound:
        crowd_connections = OVERLOAD_CONNECTIONS - PROBE_CONNECTIONS
        crowd = LoadSettings(crowd_connections, options.threads, options.duration_s + 2 * LEAD_S)
        probe = LoadSettings(PROBE_CONNECTIONS, PROBE_CONNECTIONS, options.duration_s)
        paced = LoadSettings(CATEGORY_CONNECTIONS, 1, options.duration_s)
        crowd_script = scripts.polite_untimed if polite else scripts.login_untimed
        probe_script = scripts.polite_timed if polite else scripts.login_timed
        label = "polite" if polite else "hostile"
        time.sleep(SETTLE_S)
        with (
            RssSampler(server.pid) as sampler,
            CpuMeter(server.pid) as meter,
            _wrk(server.url(LOGIN_PATH), crowd, crowd_script) as crowd_run,
        ):
            time.sleep(LEAD_S)
            categories: ProbeRun | None = None
            with _wrk(server.url(LOGIN_PATH), probe, probe_script) as probe_run:
                if polite:
                    probed = _login_result(probe_run, PROBE_CONNECTIONS)
                else:
                    with _wrk(server.url(CATEGORIES_PATH), paced, scripts.paced) as categories_run:
                        probed = _login_result(probe_run, PROBE_CONNECTIONS)
                        listing, _ = categories_run.wait()
                    categories = ProbeRun(listing)
            crowded = _login_result(crowd_run, crowd_connections)
        drain_s = _drain(server)
        result = OverloadRound(polite, crowded, probed, categories, sampler.peak, meter.share, drain_s)
        log(f"[{self.name}] overload, {label}, crowd ({crowd_connections} connections): {_describe(crowded)}")
        log(
            f"[{self.name}] overload, {label}, probe ({PROBE_CONNECTIONS} connections): {_describe(probed)}"
            f"{_cpu_note(result.cpu)}"
        )
        if categories is not None:
            log(
                f"[{self.name}] categories during the {label} overload: p50 {categories.load.p50_ms:.2f} ms, "
                f"p99 {categories.load.p99_ms:.2f} ms"
            )
        log(f"[{self.name}] the server was busy for {drain_s:.1f} s after the {label} clients had gone")
        return result

    def _isolation(self, options: RunOptions, server: ServerProcess, scripts: _Scripts, result: LoginResult) -> None:
        probe = LoadSettings(CATEGORY_CONNECTIONS, 1, options.duration_s)
        storm = LoadSettings(LOGIN_CONNECTIONS, LOGIN_CONNECTIONS, options.duration_s + 2 * LEAD_S)
        for repeat in range(1, options.repeats + 1):
            time.sleep(SETTLE_S)
            with (
                RssSampler(server.pid) as sampler,
                CpuMeter(server.pid) as meter,
                _wrk(server.url(CATEGORIES_PATH), probe, scripts.paced) as run,
            ):
                idle, _ = run.wait()
            result.idle.append(ProbeRun(idle, None, sampler.peak, meter.share))
            time.sleep(SETTLE_S)
            with (
                RssSampler(server.pid) as sampler,
                CpuMeter(server.pid) as meter,
                _wrk(server.url(LOGIN_PATH), storm, scripts.login_timed) as storm_run,
            ):
                time.sleep(LEAD_S)
                with _wrk(server.url(CATEGORIES_PATH), probe, scripts.paced) as run:
                    stormy, _ = run.wait()
                storm_logins = _login_result(storm_run, LOGIN_CONNECTIONS)
            result.storm.append(ProbeRun(stormy, storm_logins, sampler.peak, meter.share))
            log(
                f"[{self.name}] repeat {repeat}/{options.repeats} categories p99: idle {idle.p99_ms:.2f} ms, "
                f"during logins {stormy.p99_ms:.2f} ms ({storm_logins.logins_per_s:,.1f} logins/s); "
                f"p50 {idle.p50_ms:.2f} / {stormy.p50_ms:.2f} ms{_cpu_note(meter.share)}"
            )


def _drain(server: ServerProcess, *, idle_cpu: float = 0.05, window_s: float = 0.5, limit_s: float = 60.0) -> float:
    """Wait until the server tree uses less than ``idle_cpu`` of one CPU over ``window_s``;
    return how long that took. Clients that gave up may have left work queued (requests
    waiting for a pool connection or a hashing slot): it must not be billed to the next phase."""
    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        with CpuMeter(server.pid) as meter:
            time.sleep(window_s)
        share = meter.share
        # server_pct is of the whole machine; idle_cpu is of one CPU.
        if share is None or share.server_pct / 100 * _cpus() < idle_cpu:
            break
    return round(max(0.0, time.monotonic() - started - window_s), 1)


class _Scripts:
    def __init__(self, workdir: Path) -> None:
        self.login_timed = write_login_script(workdir / "login-timed.lua", timed=True)
        self.login_untimed = write_login_script(workdir / "login.lua", timed=False)
        self.polite_timed = write_login_script(workdir / "polite-timed.lua", timed=True, polite=True)
        self.polite_untimed = write_login_script(workdir / "polite.lua", timed=False, polite=True)
        self.paced = write_paced_script(workdir / "categories-paced.lua", PROBE_PACE_MS)


def _cpus() -> int:
    # The same count the app's hasher sizes its thread pool with.
    from adapters.identity.argon2 import available_cpus

    return available_cpus()
