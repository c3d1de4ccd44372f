"""``lyceum users``: account administration from the command line.

The CLI runs with direct access to the database, so it acts as the platform itself: a
system principal with Super Admin rights, recorded in the audit log as the system actor.
It is the one place where a Super Admin account can be created.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
import uuid
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from core.identity.application.administration import CSV_FIELDS, user_row
from core.identity.application.context import Principal, RequestContext
from core.identity.domain.roles import Role
from core.identity.domain.user import User
from core.shared.errors import NotFound
from entrypoints.bootstrap.containers import ApplicationContainer
from entrypoints.cli.runner import fail, run_with_container
from ports.identity.repositories import UserFilter

app = typer.Typer(help="User accounts.", no_args_is_help=True)
# Piped output (scripts, logs) keeps whole rows; a terminal gets its own width.
console = Console(width=None if sys.stdout.isatty() else 200)
SYSTEM = Principal(uuid.UUID(int=0), Role.SUPER_ADMIN, "cli")
CLI_CONTEXT = RequestContext(ip="cli", user_agent="lyceum-cli")


async def _resolve(container: ApplicationContainer, ref: str) -> User:
    """An id or an email, as an operator would type either."""
    try:
        user_id: uuid.UUID | None = uuid.UUID(ref)
    except ValueError:
        user_id = None
    async with container.infrastructure.uow() as uow:
        user = await uow.users.get(user_id) if user_id else await uow.users.get_by_email(ref.strip().lower())
    if user is None:
        raise NotFound("user.not_found", f"no user {ref!r}", {"ref": ref})
    return user


def _table(users: list[User]) -> None:
    table = Table("email", "name", "role", "status", "created", "id")
    for u in users:
        table.add_row(u.email, u.name, u.role, u.status, f"{u.created_at:%Y-%m-%d}", str(u.id))
    console.print(table)


@app.command()
def create(
    email: str,
    name: Annotated[str, typer.Option(help="Display name.")],
    role: Annotated[str, typer.Option(help="student, instructor, admin or super_admin.")] = "student",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
) -> None:
    """Create an active, verified account (the way to make the first Super Admin)."""
    if not password_stdin:
        fail("pass --password-stdin and pipe the password in (it never goes on the command line)", 2)
    password = sys.stdin.readline().rstrip("\n")

    async def act(container: ApplicationContainer) -> User:
        return await container.identity.create_user()(
            SYSTEM, email=email, name=name, role=role, password=password, ctx=CLI_CONTEXT
        )

    user = run_with_container(act)
    typer.echo(f"created {user.email} ({user.role}) {user.id}")


@app.command("list")
def list_users(
    role: Annotated[list[str] | None, typer.Option(help="Filter by role (repeatable).")] = None,
    status: Annotated[list[str] | None, typer.Option(help="Filter by status (repeatable).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
) -> None:
    """List accounts, oldest first."""
    _print_search(UserFilter(roles=tuple(role or ()), statuses=tuple(status or ())), limit)


@app.command()
def find(text: str, limit: Annotated[int, typer.Option(min=1, max=1000)] = 50) -> None:
    """Find accounts whose name or email contains TEXT."""
    _print_search(UserFilter(text=text), limit)


def _print_search(criteria: UserFilter, limit: int) -> None:
    async def act(container: ApplicationContainer) -> list[User]:
        found: list[User] = []
        cursor = None
        while len(found) < limit:
            page = await container.identity.search_users()(SYSTEM, criteria, after=cursor, limit=min(100, limit))
            found += page.items
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        return found[:limit]

    users = run_with_container(act)
    if not users:
        typer.echo("no users match")
        return
    _table(users)


def _status(ref: str, status: str, reason: str, until: dt.datetime | None) -> None:
    async def act(container: ApplicationContainer) -> User:
        target = await _resolve(container, ref)
        return await container.identity.administer().set_status(
            SYSTEM, target.id, status, CLI_CONTEXT, reason=reason, until=until
        )

    user = run_with_container(act)
    typer.echo(f"{user.email} is {user.status}")


@app.command()
def suspend(
    ref: Annotated[str, typer.Argument(help="Email or id.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the account and the audit log).")] = "",
    days: Annotated[float | None, typer.Option(help="Lift automatically after this many days.", min=0.01)] = None,
) -> None:
    """Suspend an account (sessions end at once)."""
    until = dt.datetime.now(dt.UTC) + dt.timedelta(days=days) if days else None
    _status(ref, "suspended", reason, until)


@app.command()
def ban(ref: Annotated[str, typer.Argument(help="Email or id.")], reason: str = "") -> None:
    """Ban an account (sessions end at once)."""
    _status(ref, "banned", reason, None)


@app.command()
def activate(ref: Annotated[str, typer.Argument(help="Email or id.")]) -> None:
    """Lift a suspension or ban."""
    _status(ref, "active", "", None)


@app.command("set-role")
def set_role(ref: Annotated[str, typer.Argument(help="Email or id.")], role: str) -> None:
    """Change an account's role (student, instructor, admin)."""

    async def act(container: ApplicationContainer) -> User:
        target = await _resolve(container, ref)
        return await container.identity.administer().set_role(SYSTEM, target.id, role, CLI_CONTEXT)

    user = run_with_container(act)
    typer.echo(f"{user.email} is now {user.role}")


@app.command("import")
def import_users(path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]) -> None:
    """Create accounts from a CSV with columns email,name,role[,password,language]."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))

    async def act(container: ApplicationContainer) -> dict[str, int]:
        counts = {"created": 0, "exists": 0, "error": 0}
        importer = container.identity.import_users()
        with progress_bar() as progress:
            task = progress.add_task("importing", total=len(rows))
            for line, row in enumerate(rows, start=2):
                clean = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
                result = await importer.row(SYSTEM, line, clean, CLI_CONTEXT)
                counts[result.status] += 1
                if result.status == "error":
                    progress.console.print(f"line {line}: {result.email or '(no email)'}: {result.error}")
                progress.advance(task)
        return counts

    counts = run_with_container(act, quiet=True)
    typer.echo(f"created {counts['created']}, already there {counts['exists']}, errors {counts['error']}")
    if counts["error"]:
        raise typer.Exit(2)


@app.command()
def export(
    path: Annotated[Path, typer.Argument(dir_okay=False, help="CSV file to write ('-' for stdout).")],
    role: Annotated[list[str] | None, typer.Option(help="Filter by role (repeatable).")] = None,
) -> None:
    """Write accounts as CSV (streamed page by page)."""
    criteria = UserFilter(roles=tuple(role or ()))

    async def act(container: ApplicationContainer) -> int:
        written = 0
        out = sys.stdout if str(path) == "-" else path.open("w", newline="", encoding="utf-8")
        try:
            writer = csv.DictWriter(out, fieldnames=CSV_FIELDS)
            writer.writeheader()
            async with container.infrastructure.uow() as uow:
                total = await uow.users.count()
            with progress_bar(enabled=out is not sys.stdout) as progress:
                task = progress.add_task("exporting", total=total)
                cursor = None
                while True:
                    page = await container.identity.search_users()(SYSTEM, criteria, after=cursor, limit=100)
                    for user in page.items:
                        writer.writerow(user_row(user))
                    written += len(page.items)
                    progress.advance(task, len(page.items))
                    if page.next_cursor is None:
                        return written
                    cursor = page.next_cursor
        finally:
            if out is not sys.stdout:
                out.close()

    written = run_with_container(act)
    if str(path) != "-":
        typer.echo(f"wrote {written} users to {path}")


def progress_bar(*, enabled: bool = True) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not enabled or not sys.stderr.isatty(),
    )
