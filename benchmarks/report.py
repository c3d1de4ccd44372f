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

from benchmarks.harness import RSS_BUDGET_MB, Arm, RunOptions, ScenarioResult
from benchmarks.inprocess import InProcessResult
from benchmarks.inprocess import LatencyStats as InProcessLatency
from benchmarks.loadgen import wrk_version
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
