"""The second kind of scenario: measured in-process, without an HTTP server or wrk.

For code that has no HTTP endpoint yet (a port and its adapter): the scenario times calls
through our code (the subject) and the same work done directly (the baseline) in one run,
interleaved, and reports latency percentiles, the overhead at p50, and peak memory.

    class MyScenario(InProcessScenario):
        name = "thing"
        summary = "..."
        def run(self, options: InProcessOptions) -> InProcessResult: ...

Register the class in ``benchmarks/scenarios/__init__.py`` like any scenario; ``python -m
benchmarks NAME`` runs it (no wrk, server or database needed unless the scenario says so).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import resource
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

MIB = 1024 * 1024


@dataclasses.dataclass(frozen=True)
class InProcessOptions:
    quick: bool
    repeats: int | None
    results_dir: Path
    # PostgreSQL for the scenarios that need one (``--database-url``).
    database_url: str | None = None


@dataclasses.dataclass(frozen=True)
class LatencyStats:
    """Percentiles (ms) of a list of samples (seconds), nearest-rank."""

    count: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float

    @classmethod
    def of(cls, samples_s: Sequence[float]) -> LatencyStats:
        ordered = sorted(samples_s)
        if not ordered:
            return cls(0, 0.0, 0.0, 0.0, 0.0, 0.0)

        def rank(p: float) -> float:
            return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000

        return cls(
            count=len(ordered),
            p50_ms=round(rank(50), 3),
            p90_ms=round(rank(90), 3),
            p99_ms=round(rank(99), 3),
            mean_ms=round(statistics.fmean(ordered) * 1000, 3),
            max_ms=round(ordered[-1] * 1000, 3),
        )


@dataclasses.dataclass(frozen=True)
class InProcessResult:
    scenario: str
    summary: str
    # What one measured call is, for the heading (e.g. "SearchIndex.search vs GET /collections/..").
    request: str
    started_at: dt.datetime
    loadavg_before: float
    quick: bool
    subject_label: str
    subject: LatencyStats
    baseline_label: str
    baseline: LatencyStats
    # The goal on the p50 overhead (subject p50 - baseline p50), ms; None when there is none.
    overhead_goal_ms: float | None
    peak_rss_mb: float
    # Scenario-specific numbers (sizes, timings, per-case tables) and notes for the Markdown.
    details: dict[str, Any] = dataclasses.field(default_factory=dict)
    notes: tuple[str, ...] = ()
    # (case, subject p50 ms, baseline p50 ms) rows.
    cases: tuple[tuple[str, float, float], ...] = ()
    packages: tuple[str, ...] = ()

    @property
    def overhead_p50_ms(self) -> float:
        return round(self.subject.p50_ms - self.baseline.p50_ms, 3)


class InProcessScenario:
    """Subclasses set ``name`` and ``summary`` and implement ``run``."""

    kind: ClassVar[str] = "in-process"
    name: ClassVar[str]
    summary: ClassVar[str]
    # Shown by ``--list`` where HTTP scenarios show their request.
    method: ClassVar[str] = "IN-PROCESS"
    path: ClassVar[str] = ""

    def run(self, options: InProcessOptions) -> InProcessResult:
        raise NotImplementedError


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def is_in_process(scenario: type[object]) -> bool:
    return isinstance(scenario, type) and issubclass(scenario, InProcessScenario)
