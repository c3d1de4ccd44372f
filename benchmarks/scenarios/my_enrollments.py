"""GET /api/v1/enrollments?limit=20: a signed-in student's "my courses" page, 50 enrollments.

Setup publishes 50 free courses through the use cases and enrolls one student in all of them
(``EnrollInCourse``), then signs an access token for that student with the server's own keys.
Each request verifies the token, checks the route's permission, runs the keyset query (20 + 1
rows) and encodes the page. Two server processes, as the issue's measurement says.

The baseline is bare Litestar running the same query through raw asyncpg (pools of 10-20
connections per process) and encoding the same JSON shape, without authentication.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, ClassVar

import msgspec

from benchmarks import baseline_enrollments
from benchmarks.harness import Baseline, BenchContext, Scenario, ScenarioError, log
from benchmarks.scenarios.enroll import _published_course
from benchmarks.servers import AppSpec, HttpSample

if TYPE_CHECKING:
    from collections.abc import Mapping

COURSES = 50
PAGE = 20


class MyEnrollmentsScenario(Scenario):
    name = "my-enrollments"
    summary = (
        f"A student's enrollments page ({PAGE} of {COURSES}), signed in with a Bearer token, on PostgreSQL with "
        "2 server processes: token check, permission, keyset query, JSON; against bare Litestar running the "
        "same query through raw asyncpg."
    )
    path = f"/api/v1/enrollments?limit={PAGE}"
    workers: ClassVar[int | None] = 2

    def __init__(self) -> None:
        self.request_headers: Mapping[str, str] = {}  # type: ignore[misc]
        self.user_id = uuid.uuid4()

    async def setup(self, ctx: BenchContext) -> None:
        from core.enrollment.application.enrolling import EnrollCommand
        from core.identity.application.context import Principal, RequestContext
        from core.identity.domain.roles import Role
        from core.security.application.ip_rules import AddIpRuleCommand

        student = Principal(self.user_id, Role.STUDENT, "bench")
        bench = RequestContext(ip="127.0.0.1", user_agent="bench")
        async with ctx.container() as container:
            # One client address sends all the load: trusted like a load balancer would be.
            await container.security.add_ip_rule()(AddIpRuleCommand("127.0.0.1", "allow", "load generator"))
            owner = Principal(uuid.uuid4(), Role.INSTRUCTOR, "bench")
            enroll = container.enrollment.enroll()
            for _ in range(COURSES):
                course = await _published_course(container, owner)
                await enroll(student, EnrollCommand(course.id), bench)
            tokens = container.identity.access_tokens()
            # Signed with the keys the server will load from the same data directory.
            token = tokens.issue(
                user_id=self.user_id, role=Role.STUDENT, session_id="bench", now=container.infrastructure.clock().now()
            )
        self.request_headers = {"Authorization": f"Bearer {token}"}
        log(f"[{self.name}] {COURSES} courses published, one student enrolled in all of them")

    def check_response(self, sample: HttpSample) -> None:
        super().check_response(sample)
        page = msgspec.json.decode(sample.body)
        if len(page.get("items", ())) != PAGE or page.get("next_cursor") is None:
            raise ScenarioError(f"expected a full page of {PAGE} with a cursor: {sample.body[:300]!r}")

    def baseline(self, ctx: BenchContext, sample: HttpSample) -> Baseline:
        env = {
            baseline_enrollments.DSN_ENV: ctx.options.database_url.replace("postgresql+asyncpg://", "postgresql://"),
            baseline_enrollments.USER_ENV: str(self.user_id),
        }
        spec = AppSpec("baseline", "benchmarks.baseline_enrollments:app_factory", env, self.path)
        return Baseline(spec, "bare Litestar, the same query through raw asyncpg, same JSON shape")
