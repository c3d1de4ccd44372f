"""Results as JSON (for machines and history) and a Markdown table (for people)."""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from benchmarks import argon2_ceiling
from benchmarks.harness import RSS_BUDGET_MB, Arm, RunOptions, ScenarioResult
from benchmarks.inprocess import InProcessResult
from benchmarks.inprocess import LatencyStats as InProcessLatency
from benchmarks.loadgen import wrk_version
from benchmarks.scenarios import login as login_scenario
from benchmarks.scenarios.login import LoginResult, OverloadRound
from benchmarks.servers import PROJECT_ROOT, caveats

_PACKAGES = ("litestar", "msgspec", "sqlalchemy", "asyncpg", "granian", "uvicorn")


def cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def _package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def conditions(options: RunOptions, result: ScenarioResult) -> dict[str, Any]:
    return {
        "date": result.started_at.isoformat(timespec="seconds"),
        "machine": {
            "cpu_count": os.cpu_count(),
            "cpu_model": cpu_model(),
            "platform": platform.platform(),
            "loadavg_1m_before": result.loadavg_before,
        },
        "python": platform.python_version(),
        "server": options.server,
        "workers": options.workers,
        "connections": options.connections,
        "threads": options.threads,
        "duration_s": options.duration_s,
        "warmup_s": options.warmup_s,
        "repeat_count": options.repeats,
        "quick": options.quick,
        "load_generator": wrk_version(),
        "database": result.database_version,
        "cache": "redis" if options.redis_url else "in-process",
        "packages": {name: _package_version(name) for name in _PACKAGES},
        "git_commit": git_commit(),
        "caveats": caveats(options.server, options.workers),
    }


def _arm_dict(arm: Arm) -> dict[str, Any]:
    return {
        "label": arm.label,
        "description": arm.description,
        "runs": [run.as_dict() for run in arm.runs],
    }


def to_json(result: ScenarioResult, conds: dict[str, Any]) -> dict[str, Any]:
    subject, baseline = result.subject, result.baseline
    return {
        "scenario": result.scenario,
        "summary": result.summary,
        "request": f"{result.method} {result.path}",
        "response_bytes": result.response_bytes,
        "rps": subject.rps,
        "p50_ms": subject.p50_ms,
        "p99_ms": subject.p99_ms,
        "baseline": baseline.description,
        "baseline_rps": baseline.rps,
        "baseline_p50_ms": baseline.p50_ms,
        "baseline_p99_ms": baseline.p99_ms,
        "ratio": round(result.ratio, 3),
        "errors": subject.errors,
        "baseline_errors": baseline.errors,
        "peak_rss_mb": subject.rss.largest_mb,
        "peak_rss_total_mb": subject.rss.total_mb,
        "baseline_peak_rss_mb": baseline.rss.largest_mb,
        "baseline_peak_rss_total_mb": baseline.rss.total_mb,
        "rss_budget_mb": RSS_BUDGET_MB,
        "within_rss_budget": subject.rss.largest_mb < RSS_BUDGET_MB,
        "repeats": {"subject": _arm_dict(subject), "baseline": _arm_dict(baseline)},
        "conditions": conds,
    }


def _row(name: str, arm: Arm) -> str:
    rss = arm.rss
    return (
        f"| {name} | {arm.rps:,.0f} | {arm.p50_ms:.2f} | {arm.p99_ms:.2f} | {arm.errors} "
        f"| {rss.largest_mb:.0f} / {rss.total_mb:.0f} |"
    )


def to_markdown(result: ScenarioResult, conds: dict[str, Any]) -> str:
    subject, baseline = result.subject, result.baseline
    repeats = len(subject.runs)
    machine = conds["machine"]
    budget = "within" if subject.rss.largest_mb < RSS_BUDGET_MB else "**OVER**"
    per_repeat = ", ".join(
        f"{s.load.rps:,.0f} vs {b.load.rps:,.0f}" for s, b in zip(subject.runs, baseline.runs, strict=True)
    )
    lines = [
        f"### {result.scenario}: {result.method} {result.path}",
        "",
        result.summary,
        "",
        f"| | req/s (median of {repeats}) | p50 ms | p99 ms | errors | peak RSS MB (largest / total) |",
        "|---|---:|---:|---:|---:|---:|",
        _row("Lyceum", subject),
        _row(f"Baseline: {baseline.description}", baseline),
        f"| **ratio** | **{result.ratio:.2f}** | | | | |",
        "",
        f"- Peak RSS of the largest Lyceum process: {subject.rss.largest_mb:.0f} MB, "
        f"{budget} the {RSS_BUDGET_MB:.0f} MB budget.",
        f"- Per repeat, Lyceum vs baseline req/s: {per_repeat}.",
        f"- Response body: {result.response_bytes:,} bytes.",
        f"- {conds['date']}, {machine['cpu_count']} x {machine['cpu_model']}, "
        f"Python {conds['python']}, {conds['server']} "
        f"{conds['packages'].get(conds['server'])} x{conds['workers']} worker(s), "
        f"wrk {conds['threads']} threads / {conds['connections']} connections, "
        f"{conds['duration_s']} s x {repeats} (A/B alternated, {conds['warmup_s']} s warm-up), "
        f"{conds['database'] or 'no database'}, {conds['cache']} cache, "
        f"commit {conds['git_commit'] or 'none'}"
        + (" (quick run: not for comparison)" if conds["quick"] else "")
        + ".",
        *(f"- Caveat: {note}." for note in conds["caveats"]),
    ]
    return "\n".join(lines) + "\n"


def write(results_dir: Path, result: ScenarioResult, options: RunOptions) -> str:
    """Write SCENARIO.json and SCENARIO.md; return the Markdown."""
    conds = conditions(options, result)
    results_dir.mkdir(parents=True, exist_ok=True)
    data = to_json(result, conds)
    (results_dir / f"{result.scenario}.json").write_text(json.dumps(data, indent=2) + "\n")
    markdown = to_markdown(result, conds)
    (results_dir / f"{result.scenario}.md").write_text(markdown)
    return markdown


# -- in-process scenarios (benchmarks.inprocess) ----------------------------------------------


def inprocess_conditions(result: InProcessResult) -> dict[str, Any]:
    return {
        "date": result.started_at.isoformat(timespec="seconds"),
        "machine": {
            "cpu_count": os.cpu_count(),
            "cpu_model": cpu_model(),
            "platform": platform.platform(),
            "loadavg_1m_before": result.loadavg_before,
        },
        "python": platform.python_version(),
        "quick": result.quick,
        "packages": {name: _package_version(name) for name in result.packages},
        "git_commit": git_commit(),
    }


def inprocess_to_json(result: InProcessResult, conds: dict[str, Any]) -> dict[str, Any]:
    return {
        "scenario": result.scenario,
        "kind": "in-process",
        "summary": result.summary,
        "request": result.request,
        "subject": result.subject_label,
        **{f"{k}": v for k, v in dataclasses.asdict(result.subject).items()},
        "baseline": result.baseline_label,
        **{f"baseline_{k}": v for k, v in dataclasses.asdict(result.baseline).items()},
        "overhead_p50_ms": result.overhead_p50_ms,
        "overhead_goal_ms": result.overhead_goal_ms,
        "within_overhead_goal": (
            None if result.overhead_goal_ms is None else result.overhead_p50_ms < result.overhead_goal_ms
        ),
        "peak_rss_mb": result.peak_rss_mb,
        "cases": [{"case": c, "p50_ms": s, "baseline_p50_ms": b} for c, s, b in result.cases],
        "details": result.details,
        "conditions": conds,
    }


def _latency_row(name: str, stats: InProcessLatency) -> str:
    return (
        f"| {name} | {stats.count:,} | {stats.p50_ms:.3f} | {stats.p90_ms:.3f} | {stats.p99_ms:.3f} "
        f"| {stats.mean_ms:.3f} |"
    )


def inprocess_to_markdown(result: InProcessResult, conds: dict[str, Any]) -> str:
    machine = conds["machine"]
    goal = result.overhead_goal_ms
    verdict = (
        "" if goal is None else f" Goal < {goal:g} ms: {'met' if result.overhead_p50_ms < goal else '**NOT MET**'}."
    )
    packages = ", ".join(f"{k} {v}" for k, v in conds["packages"].items() if v)
    lines = [
        f"### {result.scenario}: {result.request}",
        "",
        result.summary,
        "",
        "| | calls | p50 ms | p90 ms | p99 ms | mean ms |",
        "|---|---:|---:|---:|---:|---:|",
        _latency_row(result.subject_label, result.subject),
        _latency_row(f"Baseline: {result.baseline_label}", result.baseline),
        f"| **overhead** (p50, p99) | | **{result.overhead_p50_ms:.3f}** | "
        f"| {result.subject.p99_ms - result.baseline.p99_ms:.3f} | |",
        "",
        f"- Overhead at p50 (ours - baseline): {result.overhead_p50_ms:.3f} ms.{verdict}",
        *(f"- {note}" for note in result.notes),
        f"- Peak RSS of the benchmark process: {result.peak_rss_mb:.0f} MB.",
        f"- {conds['date']}, {machine['cpu_count']} x {machine['cpu_model']}, Python {conds['python']}, "
        f"{packages}, commit {conds['git_commit'] or 'none'}"
        + (" (quick run: not for comparison)" if conds["quick"] else "")
        + ".",
    ]
    if result.cases:
        lines += [
            "",
            "| case | p50 ms (ours) | p50 ms (baseline) | overhead ms |",
            "|---|---:|---:|---:|",
            *(f"| {case} | {ours:.3f} | {base:.3f} | {ours - base:.3f} |" for case, ours, base in result.cases),
        ]
    return "\n".join(lines) + "\n"


def write_inprocess(results_dir: Path, result: InProcessResult) -> str:
    """Write SCENARIO.json and SCENARIO.md for an in-process scenario; return the Markdown."""
    conds = inprocess_conditions(result)
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / f"{result.scenario}.json").write_text(
        json.dumps(inprocess_to_json(result, conds), indent=2, ensure_ascii=False) + "\n"
    )
    markdown = inprocess_to_markdown(result, conds)
    (results_dir / f"{result.scenario}.md").write_text(markdown)
    return markdown


# -- the login scenario (benchmarks.scenarios.login: phases, not an A/B of two servers) -------

_LOGIN_PACKAGES = (*_PACKAGES, "argon2-cffi", "argon2-cffi-bindings")


def login_conditions(options: RunOptions, result: LoginResult) -> dict[str, Any]:
    return {
        "date": result.started_at.isoformat(timespec="seconds"),
        "machine": {
            "cpu_count": os.cpu_count(),
            "cpus_available": result.cpus,
            "cpu_model": cpu_model(),
            "platform": platform.platform(),
            "loadavg_1m_before": result.loadavg_before,
            "busy_before_pct": result.busy_before_pct,
        },
        "python": platform.python_version(),
        "server": options.server,
        "workers": options.workers,
        "threads": options.threads,
        "duration_s": options.duration_s,
        "warmup_s": options.warmup_s,
        "repeat_count": options.repeats,
        "quick": options.quick,
        "load_generator": wrk_version(),
        "database": result.database_version,
        "cache": "redis" if options.redis_url else "in-process",
        "packages": {name: _package_version(name) for name in _LOGIN_PACKAGES},
        "git_commit": git_commit(),
        "caveats": caveats(options.server, options.workers),
    }


def _ms(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def login_to_json(result: LoginResult, conds: dict[str, Any]) -> dict[str, Any]:
    ls = login_scenario
    rss = result.rss
    return {
        "scenario": result.scenario,
        "kind": "phased",
        "summary": result.summary,
        "request": f"{result.method} {result.path}",
        "hash_parameters": result.hash_parameters,
        "ceiling_description": argon2_ceiling.describe(),
        "users": ls.USERS,
        "hasher_concurrency": result.hasher_concurrency,
        "connections": ls.LOGIN_CONNECTIONS,
        "logins_per_s": result.logins_per_s,
        "p50_ms": result.login_p50_ms,
        "p99_ms": result.login_p99_ms,
        "refusals": sum(r.refusals for r in result.logins),
        "ceiling_verifies_per_s": result.ceiling_per_s,
        "ceiling_threads_verifies_per_s": result.ceiling_threads_per_s,
        "ceiling_processes_verifies_per_s": result.ceiling_processes_per_s,
        "ratio": round(result.ratio, 3),
        "ratio_goal": ls.RATIO_GOAL,
        "ratio_per_repeat": [round(result.ratio_of(i), 3) for i in range(len(result.logins))],
        "repeats_used": [i + 1 for i in result.throughput_repeats],
        "noisy_other_pct": ls.NOISY_OTHER_PCT,
        "overload": [round_.as_dict() for round_ in result.overload],
        "isolation": {
            "request": f"GET {ls.CATEGORIES_PATH}",
            "connections": ls.CATEGORY_CONNECTIONS,
            "pace_ms": ls.PROBE_PACE_MS,
            "storm_connections": ls.LOGIN_CONNECTIONS,
            "idle_p50_ms": result.idle_p50_ms,
            "idle_p99_ms": result.idle_p99_ms,
            "storm_p50_ms": result.storm_p50_ms,
            "storm_p99_ms": result.storm_p99_ms,
            "ratio": round(result.isolation_ratio, 3),
            "ratio_goal": ls.ISOLATION_GOAL,
            "ratio_per_repeat": [round(result.isolation_ratio_of(i), 3) for i in range(len(result.storm))],
            "repeats_used": [i + 1 for i in result.isolation_repeats],
            "idle": [run.as_dict() for run in result.idle],
            "storm": [run.as_dict() for run in result.storm],
        },
        "errors": result.errors,
        "overload_failures": result.overload_failures,
        "peak_rss_mb": rss.largest_mb,
        "peak_rss_total_mb": rss.total_mb,
        "rss_budget_mb": ls.RSS_BUDGET_MB,
        "goals_met": result.goals(),
        "other_cpu_pct": {
            "logins": result.other_cpu_pct(result.logins),
            "ceiling": result.other_cpu_pct([*result.ceiling_threads, *result.ceiling_processes]),
            "isolation": result.other_cpu_pct([*result.idle, *result.storm]),
        },
        "repeats": {
            "logins": [run.as_dict() for run in result.logins],
            "ceiling": [
                {**dataclasses.asdict(run), "verifies_per_s": run.verifies_per_s}
                for run in (*result.ceiling_threads, *result.ceiling_processes)
            ],
        },
        "server_log_tail": result.server_log_tail,
        "conditions": conds,
    }


def _verdict(met: bool) -> str:
    return "met" if met else "**NOT MET**"


def _overload_row(round_: OverloadRound) -> str:
    clients = "polite: wait Retry-After" if round_.polite else "hostile: retry at once"
    categories = _ms(round_.categories.load.p99_ms, 2) if round_.categories else "n/a"
    return (
        f"| {login_scenario.OVERLOAD_CONNECTIONS} connections, {clients} | {round_.logins_per_s:,.1f} "
        f"| {round_.refusals_per_s:,.0f} | {round_.crowd.load.p50_ms:,.1f} | {round_.p99_ms:,.1f} "
        f"| {_ms(round_.probe.refusal_p99_ms)} | {_ms(round_.probe.ok_p99_ms)} | {categories} "
        f"| {round_.errors} | {round_.drain_s:.1f} |"
    )


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}%"


def _split(split: tuple[float, float] | None) -> str:
    if split is None:
        return "n/a (the hashing threads are not at idle priority)"
    hashing, rest = split
    return f"{hashing:.1f} ms in the hashing threads, {rest:.1f} ms in the rest (event loop, server I/O threads)"


def _ceiling_ms(result: LoginResult) -> str:
    rate = result.ceiling_threads_per_s
    return f"{result.cpus * 1000 / rate:.1f} ms" if rate else "n/a"


def login_to_markdown(result: LoginResult, conds: dict[str, Any]) -> str:
    ls = login_scenario
    goals = result.goals()
    rss = result.rss
    repeats = len(result.logins)
    machine = conds["machine"]
    refusals = sum(r.refusals for r in result.logins)
    refusal_p99 = max((p for r in result.logins if (p := r.refusal_p99_ms) is not None), default=None)
    used, iso_used = result.throughput_repeats, result.isolation_repeats

    def other(run: Any) -> str:
        return f"other {run.cpu.other_pct:.0f}%" if run.cpu is not None else "other n/a"

    per_repeat = "; ".join(
        f"{i + 1}{'' if i in used else ' (noisy, not used)'}: {result.logins[i].logins_per_s:,.1f} vs "
        f"{result.ceiling_threads[i].verifies_per_s:,.1f} / {result.ceiling_processes[i].verifies_per_s:,.1f} = "
        f"{result.ratio_of(i):.2f} ({other(result.logins[i])}, "
        f"{other(result.ceiling_threads[i])}, {other(result.ceiling_processes[i])})"
        for i in range(len(result.logins))
    )
    per_repeat_isolation = "; ".join(
        f"{i + 1}{'' if i in iso_used else ' (noisy, not used)'}: {result.idle[i].load.p99_ms:.2f} -> "
        f"{result.storm[i].load.p99_ms:.2f} ms = {result.isolation_ratio_of(i):.2f} "
        f"({other(result.idle[i])}, {other(result.storm[i])})"
        for i in range(min(len(result.idle), len(result.storm)))
    )
    hostile, polite = result.round(polite=False), result.round(polite=True)
    packages = conds["packages"]

    def overload_verdict(round_: OverloadRound | None, label: str) -> str:
        if round_ is None:
            return f"{label}: not run"
        return f"{label} {round_.p99_ms:,.0f} ms: {_verdict(round_.within_goal)}"

    lines = [
        f"### {result.scenario}: {result.method} {result.path}",
        "",
        result.summary,
        "",
        f"| | per s (median of {len(used)}) | p50 ms | p99 ms | 503s | p99 of 503s ms "
        "| peak RSS MB, whole run (largest / total) |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| Lyceum logins ({ls.LOGIN_CONNECTIONS} connections) | {result.logins_per_s:,.1f} "
        f"| {result.login_p50_ms:,.1f} | {result.login_p99_ms:,.1f} | {refusals} | {_ms(refusal_p99)} "
        f"| {rss.largest_mb:.0f} / {rss.total_mb:.0f} |",
        f"| Ceiling: raw argon2-cffi verify, {result.cpus} threads | {result.ceiling_threads_per_s:,.1f} | | | | | |",
        f"| Ceiling: raw argon2-cffi verify, {result.cpus} processes "
        f"| {result.ceiling_processes_per_s:,.1f} | | | | | |",
        f"| **ratio** (goal >= {ls.RATIO_GOAL}) | **{result.ratio:.2f}** | | | | | |",
        "",
        "| overload | logins/s | refusals/s | p50 ms (all) | p99 ms (all) | p99 ms of refusals "
        "| p99 ms of logins | categories p99 ms | failed | busy after, s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *(_overload_row(round_) for round_ in result.overload),
        "",
        f"| GET {ls.CATEGORIES_PATH} ({ls.CATEGORY_CONNECTIONS} connections, each one request per "
        f"{ls.PROBE_PACE_MS} ms) | p50 ms | p99 ms |",
        "|---|---:|---:|",
        f"| idle | {result.idle_p50_ms:.2f} | {result.idle_p99_ms:.2f} |",
        f"| during a login storm ({ls.LOGIN_CONNECTIONS} connections) | {result.storm_p50_ms:.2f} "
        f"| {result.storm_p99_ms:.2f} |",
        f"| **storm / idle p99** (goal < {ls.ISOLATION_GOAL:g}) | | **{result.isolation_ratio:.2f}** |",
        "",
        f"- Throughput: {result.logins_per_s:,.1f} logins/s = {result.ratio:.2f} of the ceiling "
        f"({result.ceiling_per_s:,.1f} verifies/s): {_verdict(goals['ratio'])} (goal >= {ls.RATIO_GOAL}).",
        f"- Peak RSS of the server's process tree: {rss.total_mb:.0f} MB (largest process "
        f"{rss.largest_mb:.0f} MB): {_verdict(goals['rss'])} (budget {ls.RSS_BUDGET_MB:.0f} MB).",
        f"- Overload p99 of all responses (goal < {ls.OVERLOAD_P99_GOAL_MS:,.0f} ms, no timeouts): "
        f"{overload_verdict(hostile, 'hostile clients')}; {overload_verdict(polite, 'polite clients')}. "
        "Failed: timeouts (5 s) and other socket errors, statuses other than 2xx/503/429. "
        f"Crowd: {ls.OVERLOAD_CONNECTIONS - ls.PROBE_CONNECTIONS} connections on {conds['threads']} wrk threads "
        f"(p50/p99 of all responses); probe: {ls.PROBE_CONNECTIONS} connections timed per response "
        "(p99 of refusals and of logins); busy after: how long the server kept working once the clients "
        "had gone.",
        f"- Categories p99 during logins / idle: {result.isolation_ratio:.2f}: {_verdict(goals['isolation'])} "
        f"(goal < {ls.ISOLATION_GOAL:g}).",
        f"- Per repeat, logins/s vs ceiling threads / processes verifies/s = ratio (CPU share of other "
        f"processes): {per_repeat}. The ratio is the median of the per-repeat ratios of the quiet repeats "
        f"(other processes <= {ls.NOISY_OTHER_PCT:g}% of the machine in each run), of all when none is quiet.",
        f"- Per repeat, categories p99 idle -> during logins: {per_repeat_isolation}.",
        f"- CPU used by other processes (PostgreSQL, other tenants), median share of the machine: "
        f"{_pct(result.other_cpu_pct(result.logins))} during the login runs, "
        f"{_pct(result.other_cpu_pct([*result.ceiling_threads, *result.ceiling_processes]))} during the "
        f"ceiling runs, {_pct(result.other_cpu_pct([*result.idle, *result.storm]))} during the category probes.",
        f"- Server CPU per login (median of the login runs): {_split(result.cpu_ms_per_login())}; a raw "
        f"verify costs {_ceiling_ms(result)} of CPU in the ceiling runs.",
        f"- {result.hash_parameters}; the app's hasher runs {result.hasher_concurrency} hash(es) at once per "
        f"process; {ls.USERS} users sharing one hash; failed requests outside the overload phase: "
        f"{result.errors}.",
        f"- {conds['date']}, {machine['cpu_count']} x {machine['cpu_model']} ({machine['cpus_available']} "
        f"available, load {machine['loadavg_1m_before']} and {_pct(machine['busy_before_pct'])} busy before), "
        f"Python {conds['python']}, {conds['server']} "
        f"{packages.get(conds['server'])} x{conds['workers']} worker(s), argon2-cffi {packages.get('argon2-cffi')}, "
        f"{conds['duration_s']} s x {repeats} (ceiling and app alternated, {conds['warmup_s']} s warm-up), "
        f"{conds['database'] or 'no database'}, {conds['cache']} cache, commit {conds['git_commit'] or 'none'}"
        + (" (quick run: not for comparison)" if conds["quick"] else "")
        + ".",
        *(f"- Caveat: {note}." for note in conds["caveats"]),
    ]
    return "\n".join(lines) + "\n"


def write_login(results_dir: Path, result: LoginResult, options: RunOptions) -> str:
    """Write login.json and login.md; return the Markdown."""
    conds = login_conditions(options, result)
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / f"{result.scenario}.json").write_text(json.dumps(login_to_json(result, conds), indent=2) + "\n")
    markdown = login_to_markdown(result, conds)
    (results_dir / f"{result.scenario}.md").write_text(markdown)
    return markdown
