"""``lyceum enrollments``: a learner's enrollments, granting access, and ending it.

Acts as the platform (the system principal, audited as such)."""

from __future__ import annotations

import sys
import uuid
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from core.enrollment.application.enrolling import GrantEnrollmentCommand
from core.enrollment.domain.enrollments import Enrollment
from core.identity.application.context import Principal
from core.identity.domain.roles import Role
from core.shared.errors import NotFound
from entrypoints.bootstrap.containers import ApplicationContainer
from entrypoints.cli.courses import _course
from entrypoints.cli.runner import fail, run_with_container
from entrypoints.cli.users import CLI_CONTEXT, SYSTEM

app = typer.Typer(help="Enrollments: list, grant and cancel.", no_args_is_help=True)
console = Console(width=None if sys.stdout.isatty() else 200)


async def _learner(container: ApplicationContainer, email: str) -> uuid.UUID:
    async with container.infrastructure.uow() as uow:
        user = await uow.users.get_by_email(email.strip().lower())
    if user is None or user.deleted_at is not None:
        raise NotFound("user.not_found", f"no user {email!r}", {"email": email})
    return user.id


@app.command("list")
def list_enrollments(
    user: Annotated[str, typer.Option(help="The learner's email.")],
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
) -> None:
    """A learner's enrollments, newest first."""

    async def act(container: ApplicationContainer) -> list[Enrollment]:
        learner = Principal(await _learner(container, user), Role.STUDENT, "cli")
        found: list[Enrollment] = []
        cursor = None
        while len(found) < limit:
            page = await container.enrollment.my_enrollments()(
                learner, after=cursor, limit=min(100, limit - len(found))
            )
            found += page.items
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        return found

    rows = run_with_container(act)
    if not rows:
        typer.echo("no enrollments")
        return
    table = Table("course", "cohort", "revision", "status", "source", "since", "until", "id")
    for e in rows:
        until = f"{e.access_until:%Y-%m-%d}" if e.access_until else "lifetime"
        table.add_row(
            str(e.course_id), str(e.cohort_id or "-"), str(e.revision), e.status, e.source,
            f"{e.enrolled_at:%Y-%m-%d}", until, str(e.id),
        )  # fmt: skip
    console.print(table)


@app.command()
def grant(
    email: Annotated[str, typer.Argument(help="The learner's email.")],
    course: Annotated[str, typer.Argument(help="Course id or slug (published).")],
    cohort: Annotated[str | None, typer.Option(help="Cohort id, for a course that runs in cohorts.")] = None,
    term: Annotated[str | None, typer.Option(help="Access term: 3m, 6m, 12m or <n>d; lifetime if omitted.")] = None,
) -> None:
    """Enroll a learner in any course, free or paid (audited as the platform)."""

    async def act(container: ApplicationContainer) -> Enrollment:
        user_id = await _learner(container, email)
        found = await _course(container, course)
        try:
            cohort_id = uuid.UUID(cohort) if cohort else None
        except ValueError:
            fail(f"not a cohort id: {cohort!r}")
        command = GrantEnrollmentCommand(user_id, found.id, cohort_id, term)
        return await container.enrollment.grant()(SYSTEM, command, CLI_CONTEXT)

    enrollment = run_with_container(act)
    until = f"until {enrollment.access_until:%Y-%m-%d}" if enrollment.access_until else "for life"
    typer.echo(f"enrolled {email} {until}: {enrollment.id}")


@app.command()
def cancel(
    enrollment_id: Annotated[str, typer.Argument(help="Enrollment id.")],
    reason: Annotated[
        str, typer.Option(help="Why (kept in the record and the audit log).")
    ] = "cancelled by an operator",
) -> None:
    """End an enrollment; a cohort seat is offered to the next learner waiting."""
    try:
        parsed = uuid.UUID(enrollment_id)
    except ValueError:
        fail(f"not an enrollment id: {enrollment_id!r}")

    async def act(container: ApplicationContainer) -> Enrollment:
        return await container.enrollment.cancel()(SYSTEM, parsed, reason, CLI_CONTEXT)

    enrollment = run_with_container(act)
    typer.echo(f"enrollment {enrollment.id} is {enrollment.status}")
