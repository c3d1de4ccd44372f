"""``python -m benchmarks SCENARIO [options]`` (what ``nox -s bench -- ...`` runs)."""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import signal
import sys
from pathlib import Path
from types import FrameType

from benchmarks import report
from benchmarks.database import DatabaseError
from benchmarks.harness import RunOptions, Scenario, ScenarioError, log, run_scenario
from benchmarks.inprocess import InProcessOptions, InProcessScenario, is_in_process
from benchmarks.loadgen import LoadGeneratorFailed, LoadGeneratorMissing, require_wrk
from benchmarks.scenarios import REGISTRY
from benchmarks.servers import SERVERS, ServerFailed, caveats

DEFAULT_DATABASE_URL = "postgresql+asyncpg://root@127.0.0.1:5432/lyceum_bench"
DEFAULT_RESULTS_DIR = Path(__file__).resolve().parent / "results"
QUICK = {"duration": 2, "repeats": 1, "warmup": 1}
FULL = {"duration": 10, "repeats": 3, "warmup": 3}


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return number


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure a scenario against its baseline in the same run; "
        "write benchmarks/results/SCENARIO.{json,md}.",
    )
    parser.add_argument("scenario", nargs="?", choices=[*REGISTRY, "all"], help="what to measure")
    parser.add_argument("--list", action="store_true", help="list scenarios and exit")
    parser.add_argument("--duration", type=_positive, help="seconds per measured run (default 10)")
    parser.add_argument("--connections", type=_positive, default=64, help="open connections (default 64)")
    parser.add_argument("--threads", type=_positive, default=2, help="wrk threads (default 2)")
    parser.add_argument("--server", choices=SERVERS, default="granian")
    parser.add_argument("--workers", type=_positive, default=1, help="server processes (default 1)")
    parser.add_argument(
        "--repeats",
        type=_positive,
        help="measured runs per side; the median is reported (default 3)",
    )
    parser.add_argument("--warmup", type=_positive, help="warm-up seconds per side (default 3)")
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
        help="PostgreSQL database to DROP and recreate; its name must contain 'bench' "
        f"(default {DEFAULT_DATABASE_URL})",
    )
    parser.add_argument("--redis-url", help="use Redis for the cache (default: in-process cache)")
    parser.add_argument("--results-dir", type=Path, default=DEFAULT_RESULTS_DIR)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 2 s, 1 repeat, 1 s warm-up unless given explicitly",
    )
    args = parser.parse_args(argv)
    if not args.list and args.scenario is None:
        parser.error("a scenario is required (or --list)")
    if args.threads > args.connections:
        parser.error("--threads cannot exceed --connections (wrk needs a connection per thread)")
    return args


def _options(args: argparse.Namespace) -> RunOptions:
    defaults = QUICK if args.quick else FULL
    return RunOptions(
        duration_s=args.duration or defaults["duration"],
        connections=args.connections,
        threads=args.threads,
        server=args.server,
        workers=args.workers,
        repeats=args.repeats or defaults["repeats"],
        warmup_s=args.warmup or defaults["warmup"],
        database_url=args.database_url,
        redis_url=args.redis_url,
        results_dir=args.results_dir,
        quick=args.quick,
    )


def _with_companions(name: str) -> list[str]:
    """``name`` and the scenarios it asks to run right after it (``companions``, e.g. the
    cold-cache variant of ``catalog``), each once."""
    names = [name]
    for companion in getattr(REGISTRY[name], "companions", ()):
        if companion not in names:
            names.append(companion)
    return names


def _exit_on_sigterm(signum: int, _frame: FrameType | None) -> None:
    # SystemExit unwinds through every finally block, which is where servers get killed.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        for name, scenario in REGISTRY.items():
            print(f"{name:<16} {scenario.method} {scenario.path}: {scenario.summary}")
        return 0
    names = list(REGISTRY) if args.scenario == "all" else _with_companions(args.scenario)
    # In-process scenarios (benchmarks.inprocess) need neither wrk nor an ASGI server.
    if any(not is_in_process(REGISTRY[name]) for name in names):
        try:
            require_wrk()
        except LoadGeneratorMissing as exc:
            print(exc, file=sys.stderr)
            return 2
        if importlib.util.find_spec(args.server) is None:
            print(f"{args.server} is not installed in this environment", file=sys.stderr)
            return 2
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    signal.signal(signal.SIGHUP, _exit_on_sigterm)

    options = _options(args)
    for note in caveats(options.server, options.workers):
        log(f"caveat: {note}")
    status = 0
    for name in names:
        scenario = REGISTRY[name]
        if is_in_process(scenario):
            status = max(status, _run_in_process(name, scenario, args))
            continue
        if getattr(scenario, "kind", None) == "phased":
            status = max(status, _run_phased(name, scenario, options))
            continue
        # A scenario whose measurement names its server processes runs with that many.
        scenario_options = (
            options if scenario.workers is None else dataclasses.replace(options, workers=scenario.workers)
        )
        try:
            result = run_scenario(scenario(), scenario_options)
        except KeyboardInterrupt:
            log("interrupted; servers stopped")
            return 130
        except (ScenarioError, ServerFailed, LoadGeneratorFailed, DatabaseError) as exc:
            log(f"[{name}] failed: {exc}")
            status = 1
            continue
        markdown = report.write(options.results_dir, result, scenario_options)
        print(markdown)
        if result.subject.errors or result.baseline.errors:
            log(f"[{name}] requests failed during measurement: the numbers are not valid")
            status = 1
    return status


def _run_phased(name: str, scenario: type[Scenario], options: RunOptions) -> int:
    """A scenario with phases of its own (``login``): it runs itself and has its own report."""
    runner = scenario()
    try:
        result = runner.run(options)  # type: ignore[attr-defined]
    except KeyboardInterrupt:
        log("interrupted; servers stopped")
        raise SystemExit(130) from None
    except (ScenarioError, ServerFailed, LoadGeneratorFailed, DatabaseError) as exc:
        log(f"[{name}] failed: {exc}")
        return 1
    print(report.write_login(options.results_dir, result, options))
    if result.overload_failures:
        log(f"[{name}] {result.overload_failures} requests failed under overload (that phase's result, see its goal)")
    if result.errors:
        log(f"[{name}] {result.errors} requests failed during measurement: the numbers are not valid")
        return 1
    return 0


def _run_in_process(name: str, scenario: type[InProcessScenario], args: argparse.Namespace) -> int:
    options = InProcessOptions(
        quick=args.quick, repeats=args.repeats, results_dir=args.results_dir, database_url=args.database_url
    )
    try:
        result = scenario().run(options)
    except KeyboardInterrupt:
        log("interrupted; servers stopped")
        raise SystemExit(130) from None
    except (ScenarioError, RuntimeError, OSError) as exc:
        log(f"[{name}] failed: {exc}")
        return 1
    print(report.write_inprocess(options.results_dir, result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
