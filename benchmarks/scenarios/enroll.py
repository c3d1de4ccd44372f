"""Enrollment under contention: many learners joining one cohort at once, on PostgreSQL.

Every call targets the same cohort (capacity: half the calls), so the first half take seats
through the conditional update and the rest queue on the waitlist; all of them contend on the
cohort's row lock. Concurrency 32, as 32 request handlers would.

* **Ours**: ``EnrollInCourse``, the use case behind ``POST /api/v1/enrollments`` (and gRPC
  ``Enroll``): the published course's catalog entry, the learner's existing enrollment and open
  waitlist place, the seat (``UPDATE ... WHERE seats_taken < capacity``), the enrollment or the
  waitlist entry through the ORM unit of work, the domain event into the outbox, the commit, and
  the audit entry.
* **Baseline**: raw asyncpg doing the same conditional seat update and the same insert (an
  enrollment row, or a waitlist row when full) in one transaction, on a pool of the same size.

Both must end with exactly ``capacity`` enrollments; the numbers are per-call latency and the
throughput of each run.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks import database
from benchmarks.harness import ScenarioError, log
from benchmarks.inprocess import InProcessOptions, InProcessResult, InProcessScenario, LatencyStats, peak_rss_mb

CONCURRENCY = 32
FULL_CALLS, QUICK_CALLS = 2_000, 400
FULL_ROUNDS, QUICK_ROUNDS = 3, 1
POOL_SIZE = 10  # the container's pool: 10 + 10 overflow


class EnrollScenario(InProcessScenario):
    name = "enroll"
    summary = (
        "Enrollments into one cohort from 32 concurrent callers on PostgreSQL (half get a seat, half "
        "the waitlist): the EnrollInCourse use case against raw asyncpg doing the same conditional "
        "seat update and insert in one transaction."
    )
    path = "EnrollInCourse vs raw asyncpg UPDATE cohorts ... WHERE seats_taken < capacity + INSERT"

    def run(self, options: InProcessOptions) -> InProcessResult:
        if not options.database_url:
            raise ScenarioError("the enroll scenario needs --database-url (PostgreSQL)")
        return asyncio.run(self._run(options, options.database_url.rsplit("/", 1)[0] + "/lyceum_bench_enroll"))

    async def _run(self, options: InProcessOptions, url: str) -> InProcessResult:
        import asyncpg

        from core.enrollment.application.cohorts import CreateCohortCommand
        from core.enrollment.application.enrolling import EnrollCommand
        from core.identity.application.context import Principal, RequestContext
        from core.identity.domain.roles import Role
        from entrypoints.bootstrap.containers import build_container
        from entrypoints.bootstrap.lifecycle import shutdown
        from entrypoints.bootstrap.settings import load_settings

        started_at = dt.datetime.now(dt.UTC)
        loadavg_before = round(os.getloadavg()[0], 2)
        calls = QUICK_CALLS if options.quick else FULL_CALLS
        rounds = options.repeats or (QUICK_ROUNDS if options.quick else FULL_ROUNDS)
        capacity = calls // 2
        version = await database.recreate(url)
        await database.migrate(url)
        log(f"[enroll] database {url.rsplit('/', 1)[-1]} recreated and migrated ({version})")

        settings = load_settings(
            {"LYCEUM_DATABASE_URL": url, "LYCEUM_ENV": "production", "LYCEUM_LOG_LEVEL": "WARNING",
             "LYCEUM_DATA_DIR": os.path.join(options.results_dir, ".enroll-data")},
        )  # fmt: skip
        container = build_container(settings)
        raw_dsn = url.replace("postgresql+asyncpg://", "postgresql://")
        pool = await asyncpg.create_pool(raw_dsn, min_size=POOL_SIZE, max_size=2 * POOL_SIZE)
        ctx = RequestContext(ip="127.0.0.1", user_agent="bench")
        try:
            owner = Principal(uuid.uuid4(), Role.INSTRUCTOR, "bench")
            course = await _published_course(container, owner)
            enroll = container.enrollment.enroll()
            create_cohort = container.enrollment.create_cohort()

            async def new_cohort() -> uuid.UUID:
                command = CreateCohortCommand(course.id, "Launch", dt.date(2027, 1, 1), capacity=capacity)
                return (await create_cohort(owner, command, ctx)).id

            async def ours_round() -> list[float]:
                cohort_id = await new_cohort()

                async def one() -> None:
                    learner = Principal(uuid.uuid4(), Role.STUDENT, "bench")
                    await enroll(learner, EnrollCommand(course.id, cohort_id), ctx)

                samples = await _crowd(one, calls)
                await _check(pool, cohort_id, capacity, calls)
                return samples

            async def baseline_round() -> list[float]:
                cohort_id = await new_cohort()

                async def one() -> None:
                    async with pool.acquire() as connection, connection.transaction():
                        seated = await connection.fetchval(
                            "UPDATE cohorts SET seats_taken = seats_taken + 1 "
                            "WHERE id = $1 AND (capacity IS NULL OR seats_taken < capacity) RETURNING seats_taken",
                            cohort_id,
                        )
                        now = dt.datetime.now(dt.UTC)
                        if seated is not None:
                            await connection.execute(
                                "INSERT INTO enrollments (id, user_id, course_id, revision, cohort_id, status, source, "
                                "enrolled_at, updated_at, cancel_reason, version) "
                                "VALUES ($1, $2, $3, 1, $4, 'active', 'free', $5, $5, '', 1)",
                                uuid.uuid4(), uuid.uuid4(), course.id, cohort_id, now,
                            )  # fmt: skip
                        else:
                            await connection.execute(
                                "INSERT INTO waitlist_entries (id, cohort_id, course_id, user_id, status, joined_at) "
                                "VALUES ($1, $2, $3, $4, 'waiting', $5)",
                                uuid.uuid4(), cohort_id, course.id, uuid.uuid4(), now,
                            )  # fmt: skip

                samples = await _crowd(one, calls)
                await _check(pool, cohort_id, capacity, calls)
                return samples

            await _crowd(lambda: ours_warm(enroll, course.id), 50)  # warm the pools and caches
            ours: list[float] = []
            base: list[float] = []
            ours_rates: list[float] = []
            base_rates: list[float] = []
            for number in range(1, rounds + 1):
                for label, run, samples, rates in (
                    ("ours", ours_round, ours, ours_rates),
                    ("baseline", baseline_round, base, base_rates),
                ):
                    began = time.perf_counter()
                    taken = await run()
                    rate = calls / (time.perf_counter() - began)
                    samples += taken
                    rates.append(rate)
                    log(f"[enroll] round {number}/{rounds} {label}: {rate:,.0f} enrollments/s")
        finally:
            await pool.close()
            await shutdown(container)

        ours_rate, base_rate = statistics.median(ours_rates), statistics.median(base_rates)
        return InProcessResult(
            scenario=self.name,
            summary=self.summary,
            request=self.path,
            started_at=started_at,
            loadavg_before=loadavg_before,
            quick=options.quick,
            subject_label="EnrollInCourse (use case, ORM unit of work, outbox, audit)",
            subject=LatencyStats.of(ours),
            baseline_label="raw asyncpg: the conditional update and one insert in a transaction",
            baseline=LatencyStats.of(base),
            overhead_goal_ms=None,
            peak_rss_mb=peak_rss_mb(),
            details={
                "calls_per_round": calls,
                "capacity": capacity,
                "concurrency": CONCURRENCY,
                "rounds": rounds,
                "ours_per_s": round(ours_rate, 1),
                "baseline_per_s": round(base_rate, 1),
                "ratio": round(ours_rate / base_rate, 2),
                "database": version,
            },
            notes=(
                f"Throughput (median of {rounds} rounds of {calls:,} calls, {CONCURRENCY} at once): ours "
                f"{ours_rate:,.0f} enrollments/s, baseline {base_rate:,.0f}/s, ratio {ours_rate / base_rate:.2f}.",
                f"Every round ended with exactly {capacity:,} enrollments and {calls - capacity:,} waitlist "
                "places in the cohort (checked).",
                f"{version}; pools of {POOL_SIZE} + {POOL_SIZE} connections on both sides.",
            ),
            packages=("sqlalchemy", "asyncpg"),
        )


async def _published_course(container: Any, owner: Any) -> Any:
    """A free course with one lesson, written, submitted and approved through the use cases."""
    from core.catalog.application import authoring
    from core.catalog.application.workflow import CourseCommand
    from core.identity.application.context import Principal
    from core.identity.domain.roles import Role

    catalog = container.catalog
    course = await catalog.create_course()(owner, authoring.CreateCourseCommand("Contended Course"))
    course = await catalog.edit_course()(owner, authoring.AddSection(course.id, "Start"))
    await catalog.edit_course()(
        owner, authoring.AddLesson(course.id, course.sections[0].id, "Welcome", "article", article_html="<p>Hi</p>")
    )
    await catalog.submit_course()(owner, CourseCommand(course.id))
    await catalog.approve_course()(Principal(uuid.UUID(int=1), Role.ADMIN, "bench"), CourseCommand(course.id))
    return course


async def ours_warm(enroll: Callable[..., Awaitable[object]], course_id: uuid.UUID) -> None:
    """Warms pools and caches with enrollments into the course itself (before it has cohorts)."""
    from core.enrollment.application.enrolling import EnrollCommand
    from core.identity.application.context import Principal, RequestContext
    from core.identity.domain.roles import Role

    learner = Principal(uuid.uuid4(), Role.STUDENT, "bench")
    await enroll(learner, EnrollCommand(course_id), RequestContext(ip="127.0.0.1", user_agent="bench"))


async def _crowd(call: Callable[[], Awaitable[None]], calls: int) -> list[float]:
    """``calls`` calls, ``CONCURRENCY`` at a time; the latency of each."""
    samples: list[float] = []
    queue = iter(range(calls))

    async def worker() -> None:
        for _ in queue:
            began = time.perf_counter()
            await call()
            samples.append(time.perf_counter() - began)

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return samples


async def _check(pool: object, cohort_id: uuid.UUID, capacity: int, calls: int) -> None:
    enrolled = await pool.fetchval("SELECT count(*) FROM enrollments WHERE cohort_id = $1", cohort_id)  # type: ignore[attr-defined]
    queued = await pool.fetchval("SELECT count(*) FROM waitlist_entries WHERE cohort_id = $1", cohort_id)  # type: ignore[attr-defined]
    seats = await pool.fetchval("SELECT seats_taken FROM cohorts WHERE id = $1", cohort_id)  # type: ignore[attr-defined]
    if (enrolled, queued, seats) != (capacity, calls - capacity, capacity):
        raise ScenarioError(
            f"cohort {cohort_id}: {enrolled} enrolled, {queued} queued, {seats} seats taken; "
            f"expected {capacity}, {calls - capacity}, {capacity}"
        )
