"""The scenario contract and the A/B runner: real app and baseline, same server, same load."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from benchmarks import baseline_app, database
from benchmarks.loadgen import LoadResult, LoadSettings, request_lua, run_wrk, write_script
from benchmarks.rss import RssPeak, RssSampler
from benchmarks.servers import (
    AppSpec,
    HttpSample,
    ServerProcess,
    fetch,
    free_port,
)

if TYPE_CHECKING:
    from entrypoints.bootstrap.containers import ApplicationContainer

RSS_BUDGET_MB = 200.0
# A pause between measured runs, so one run's tail (GC, closing sockets) is not billed to
# the next.
SETTLE_S = 0.5


class ScenarioError(RuntimeError):
    """The app under test answered, but not what the scenario expects: numbers would lie."""


@dataclasses.dataclass(frozen=True)
class RunOptions:
    duration_s: int
    connections: int
    threads: int
    server: str
    workers: int
    repeats: int
    warmup_s: int
    database_url: str
    redis_url: str | None
    results_dir: Path
    quick: bool

    @property
    def load(self) -> LoadSettings:
        return LoadSettings(self.connections, self.threads, self.duration_s)


@dataclasses.dataclass
class BenchContext:
    options: RunOptions
    workdir: Path
    database_version: str | None = None

    def lyceum_env(self) -> dict[str, str]:
        """The app's settings in production-like mode, as the server process receives them."""
        env = {
            "LYCEUM_DATABASE_URL": self.options.database_url,
            "LYCEUM_ENV": "production",
            "LYCEUM_ACCESS_LOG": "false",
            "LYCEUM_LOG_LEVEL": "WARNING",
            "LYCEUM_GRPC_PORT": "0",
            # Nothing may land in the project tree, even by accident.
            "LYCEUM_DATA_DIR": str(self.workdir / "data"),
        }
        if self.options.redis_url:
            env["LYCEUM_REDIS_URL"] = self.options.redis_url
        return env

    @contextlib.asynccontextmanager
    async def container(self) -> AsyncIterator[ApplicationContainer]:
        """The app's own container, configured exactly like the server, for seeding data
        through the use cases."""
        from entrypoints.bootstrap.containers import build_container
        from entrypoints.bootstrap.lifecycle import shutdown
        from entrypoints.bootstrap.settings import load_settings

        container = build_container(load_settings(self.lyceum_env()))
        try:
            yield container
        finally:
            await shutdown(container)


@dataclasses.dataclass(frozen=True)
class Baseline:
    spec: AppSpec
    description: str
    # When set, the baseline must answer these exact bytes before it is measured.
    expected_body: bytes | None = None


class Scenario:
    """One measured request shape. Subclasses set ``name``, ``summary`` and ``path`` and
    usually override ``setup`` (seed data) and ``check_response``."""

    name: ClassVar[str]
    summary: ClassVar[str]
    path: ClassVar[str]
    method: ClassVar[str] = "GET"
    request_headers: ClassVar[Mapping[str, str]] = {}
    request_body: ClassVar[bytes | None] = None
    uses_database: ClassVar[bool] = True
    subject_target: ClassVar[str] = "entrypoints.http.asgi:app_factory"
    subject_ready_path: ClassVar[str] = "/health"
    # Server processes for both sides when the measurement names a number; else --workers.
    workers: ClassVar[int | None] = None

    async def setup(self, ctx: BenchContext) -> None:
        """Seed data; runs after the database is recreated and migrated, before any server."""

    async def teardown(self, ctx: BenchContext) -> None:
        """Runs after both servers stopped, also after a failure."""

    def subject(self, ctx: BenchContext) -> AppSpec:
        return AppSpec("lyceum", self.subject_target, ctx.lyceum_env(), self.subject_ready_path)

    def check_response(self, sample: HttpSample) -> None:
        if not 200 <= sample.status < 300:
            raise ScenarioError(f"{self.method} {self.path} answered {sample.status}: {sample.body[:300]!r}")

    def baseline(self, ctx: BenchContext, sample: HttpSample) -> Baseline:
        return replay_baseline(ctx, self.path, sample)

    def wrk_lua(self) -> str:
        return request_lua(self.method, self.request_headers, self.request_body)

    def fetch_once(self, port: int) -> HttpSample:
        return fetch(
            port,
            self.path,
            method=self.method,
            headers=self.request_headers,
            body=self.request_body,
        )


def replay_baseline(ctx: BenchContext, path: str, sample: HttpSample) -> Baseline:
    """Bare Litestar answering ``sample``'s status, media type and body on ``path``."""
    body_file = ctx.workdir / "baseline-body.bin"
    body_file.write_bytes(sample.body)
    media_type = sample.headers.get("content-type", "application/json").split(";")[0]
    env = {
        baseline_app.BODY_FILE_ENV: str(body_file),
        baseline_app.PATH_ENV: path.split("?", 1)[0],  # a route, not a URL
        baseline_app.MEDIA_TYPE_ENV: media_type,
        baseline_app.STATUS_ENV: str(sample.status),
    }
    spec = AppSpec("baseline", "benchmarks.baseline_app:app_factory", env, path)
    return Baseline(spec, "bare Litestar replaying the same body", sample.body)


@dataclasses.dataclass(frozen=True)
class RunRecord:
    load: LoadResult
    rss: RssPeak

    def as_dict(self) -> dict[str, object]:
        return {
            **dataclasses.asdict(self.load),
            "errors": self.load.errors,
            "peak_rss_mb": self.rss.largest_mb,
            "peak_rss_total_mb": self.rss.total_mb,
            "rss_samples": self.rss.samples,
        }


@dataclasses.dataclass
class Arm:
    """One side of the comparison: a server and its measured runs."""

    label: str
    description: str
    server: ServerProcess
    runs: list[RunRecord] = dataclasses.field(default_factory=list)

    @property
    def rps(self) -> float:
        return round(statistics.median(r.load.rps for r in self.runs), 1)

    @property
    def p50_ms(self) -> float:
        return round(statistics.median(r.load.p50_ms for r in self.runs), 3)

    @property
    def p99_ms(self) -> float:
        return round(statistics.median(r.load.p99_ms for r in self.runs), 3)

    @property
    def errors(self) -> int:
        return sum(r.load.errors for r in self.runs)

    @property
    def rss(self) -> RssPeak:
        peak = RssPeak()
        for run in self.runs:
            peak = peak.merge(run.rss)
        return peak


@dataclasses.dataclass(frozen=True)
class ScenarioResult:
    scenario: str
    summary: str
    method: str
    path: str
    started_at: dt.datetime
    subject: Arm
    baseline: Arm
    response_bytes: int
    database_version: str | None
    # The machine's 1-minute load before the run: a busy machine explains odd numbers.
    loadavg_before: float

    @property
    def ratio(self) -> float:
        # Unrounded: the JSON and the table round it each once, to their own precision.
        return self.subject.rps / self.baseline.rps if self.baseline.rps else 0.0


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def run_scenario(scenario: Scenario, options: RunOptions) -> ScenarioResult:
    started_at = dt.datetime.now(dt.UTC)
    loadavg_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix=f"bench-{scenario.name}-") as tmp:
        ctx = BenchContext(options, Path(tmp))
        if scenario.uses_database:
            ctx.database_version = asyncio.run(database.recreate(options.database_url))
            log(f"database {options.database_url.rsplit('/', 1)[-1]} recreated; migrating")
            asyncio.run(database.migrate(options.database_url))
        try:
            log(f"[{scenario.name}] setting up")
            asyncio.run(scenario.setup(ctx))
            with contextlib.ExitStack() as servers:
                subject, baseline, sample = _start_servers(scenario, ctx, servers)
                script = write_script(ctx.workdir / "wrk.lua", scenario.wrk_lua())
                _warm_up(scenario, options, script, (baseline, subject))
                _measure(scenario, options, script, (baseline, subject))
        finally:
            asyncio.run(scenario.teardown(ctx))
    return ScenarioResult(
        scenario=scenario.name,
        summary=scenario.summary,
        method=scenario.method,
        path=scenario.path,
        started_at=started_at,
        subject=subject,
        baseline=baseline,
        response_bytes=len(sample.body),
        database_version=ctx.database_version,
        loadavg_before=round(loadavg_before, 2),
    )


def _start(spec: AppSpec, options: RunOptions, ctx: BenchContext, stack: contextlib.ExitStack) -> ServerProcess:
    server = ServerProcess(options.server, spec, port=free_port(), workers=options.workers, log_dir=ctx.workdir)
    stack.callback(server.stop)  # registered first: a half-started server is killed too
    server.start()
    server.wait_ready()
    log(f"{spec.label} ready: {options.server} x{options.workers} on {server.url('')}")
    return server


def _start_servers(scenario: Scenario, ctx: BenchContext, stack: contextlib.ExitStack) -> tuple[Arm, Arm, HttpSample]:
    options = ctx.options
    subject_server = _start(scenario.subject(ctx), options, ctx, stack)
    sample = scenario.fetch_once(subject_server.port)
    scenario.check_response(sample)
    baseline = scenario.baseline(ctx, sample)
    baseline_server = _start(baseline.spec, options, ctx, stack)
    replayed = scenario.fetch_once(baseline_server.port)
    if replayed.status != sample.status or (
        baseline.expected_body is not None and replayed.body != baseline.expected_body
    ):
        raise ScenarioError(
            f"baseline answered {replayed.status} with {len(replayed.body)} bytes, "
            f"expected {sample.status} with {len(sample.body)} bytes"
        )
    subject = Arm("lyceum", f"Lyceum app ({scenario.subject_target})", subject_server)
    return subject, Arm("baseline", baseline.description, baseline_server), sample


def _warm_up(scenario: Scenario, options: RunOptions, script: Path, arms: tuple[Arm, ...]) -> None:
    # Fills caches and connection pools and lets the interpreter settle before timing.
    settings = dataclasses.replace(options.load, duration_s=options.warmup_s)
    for arm in arms:
        result = run_wrk(arm.server.url(scenario.path), settings, script)
        log(f"[{scenario.name}] warm-up {arm.label}: {result.rps:,.0f} req/s")


def _measure(scenario: Scenario, options: RunOptions, script: Path, arms: tuple[Arm, ...]) -> None:
    # Arms alternate within every repeat (A/B/A/B) so slow drift of the machine (thermal,
    # other tenants) hits both sides alike.
    for repeat in range(1, options.repeats + 1):
        for arm in arms:
            time.sleep(SETTLE_S)
            with RssSampler(arm.server.pid) as sampler:
                result = run_wrk(arm.server.url(scenario.path), options.load, script)
            arm.runs.append(RunRecord(result, sampler.peak))
            log(
                f"[{scenario.name}] repeat {repeat}/{options.repeats} {arm.label}: "
                f"{result.rps:,.0f} req/s, p50 {result.p50_ms:.2f} ms, "
                f"p99 {result.p99_ms:.2f} ms, errors {result.errors}, "
                f"peak RSS {sampler.peak.largest_mb:.0f}/{sampler.peak.total_mb:.0f} MB"
            )
