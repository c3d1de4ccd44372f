"""``lyceum db``: schema migrations."""

from __future__ import annotations

from typing import Annotated

import typer

from entrypoints.bootstrap.containers import ApplicationContainer
from entrypoints.bootstrap.lifecycle import database_revision, downgrade_database, upgrade_database
from entrypoints.cli.runner import run_with_container

app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)


@app.command()
def upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply migrations (default: all)."""

    async def action(container: ApplicationContainer) -> tuple[str | None, str | None]:
        return await upgrade_database(container, revision)

    before, after = run_with_container(action)
    typer.echo(f"database at {after or 'base'}" + ("" if before == after else f" (was {before or 'base'})"))


@app.command()
def downgrade(revision: Annotated[str, typer.Argument(help="Target revision, e.g. -1 or base.")]) -> None:
    """Revert migrations down to REVISION."""

    async def action(container: ApplicationContainer) -> tuple[str | None, str | None]:
        return await downgrade_database(container, revision)

    before, after = run_with_container(action)
    typer.echo(f"database at {after or 'base'} (was {before or 'base'})")


@app.command()
def current() -> None:
    """Show the schema revision and whether it is up to date."""

    async def action(container: ApplicationContainer) -> tuple[str | None, str | None]:
        return await database_revision(container)

    now, head = run_with_container(action)
    state = "up to date" if now == head else f"behind (head is {head}): run 'lyceum db upgrade'"
    typer.echo(f"{now or 'base'} — {state}")
