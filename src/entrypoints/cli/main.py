"""``lyceum``: the admin and operations CLI."""

from __future__ import annotations

import asyncio
import logging
import sys
import uuid
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from core.catalog.application.categories import (
    CreateCategoryCommand,
    DeleteCategoryCommand,
    MoveCategoryCommand,
    RenameCategoryCommand,
)
from core.catalog.domain.tree import CategoryView
from core.security.application.ip_rules import AddIpRuleCommand
from core.security.domain.ip_rules import IpRule
from core.shared.errors import NotFound
from entrypoints.bootstrap.containers import ApplicationContainer
from entrypoints.bootstrap.logging import configure_logging
from entrypoints.bootstrap.settings import describe
from entrypoints.cli import courses, database, enrollments, payments, search, services, users
from entrypoints.cli.runner import fail, run_with_container, settings_or_exit
from entrypoints.http.app import lyceum_version

app = typer.Typer(
    name="lyceum",
    help="Lyceum learning platform: serve the API, run workers, administer data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
categories_app = typer.Typer(help="The course category tree.", no_args_is_help=True)
config_app = typer.Typer(help="Configuration.", no_args_is_help=True)
tasks_app = typer.Typer(help="Background tasks.", no_args_is_help=True)
ips_app = typer.Typer(
    help="IP allow and deny rules (applied by every API process within seconds).", no_args_is_help=True
)
app.add_typer(categories_app, name="categories")
app.add_typer(config_app, name="config")
app.add_typer(courses.app, name="courses")
app.add_typer(database.app, name="db")
app.add_typer(enrollments.app, name="enrollments")
app.add_typer(payments.app, name="payments")
app.add_typer(tasks_app, name="tasks")
app.add_typer(ips_app, name="ips")
app.add_typer(search.app, name="search")
app.add_typer(services.app, name="services")
app.add_typer(users.app, name="users")

# Piped output (scripts, logs) keeps whole rows; a terminal gets its own width.
console = Console(width=None if sys.stdout.isatty() else 200)


@app.command()
def version() -> None:
    """Print the Lyceum version."""
    typer.echo(lyceum_version())


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (LYCEUM_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="HTTP port (LYCEUM_PORT).", min=0, max=65535)] = None,
    grpc_port: Annotated[
        int | None, typer.Option("--grpc-port", help="gRPC port, 0 disables (LYCEUM_GRPC_PORT).", min=0, max=65535)
    ] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Seed demo data.")] = False,
) -> None:
    """Serve HTTP and gRPC. Without service URLs, runs everything embedded under LYCEUM_DATA_DIR."""
    from entrypoints.cli import serve as serving

    overrides = {k: v for k, v in {"host": host, "port": port, "grpc_port": grpc_port}.items() if v is not None}
    settings = settings_or_exit(**overrides)
    configure_logging(settings.log_level, settings.log_format)
    try:
        asyncio.run(serving.serve(settings, demo=demo))
    except SystemExit as exc:
        if isinstance(exc.code, str):
            fail(exc.code)
        raise
    except OSError as exc:
        fail(f"cannot start: {exc.strerror or exc}")
    except Exception as exc:
        logging.getLogger("lyceum").exception("serve failed")
        fail(f"serve failed: {type(exc).__name__}: {exc}")


@app.command()
def worker(
    with_scheduler: Annotated[bool, typer.Option("--with-scheduler", help="Also run the scheduler here.")] = False,
) -> None:
    """Consume background tasks (needs LYCEUM_REDIS_URL to share work between processes)."""
    from entrypoints.cli import serve as serving

    settings = settings_or_exit()
    configure_logging(settings.log_level, settings.log_format)
    asyncio.run(serving.worker(settings, with_scheduler=with_scheduler))


@app.command()
def scheduler() -> None:
    """Send scheduled tasks (run exactly one per deployment)."""
    from entrypoints.cli import serve as serving

    settings = settings_or_exit()
    configure_logging(settings.log_level, settings.log_format)
    asyncio.run(serving.scheduler(settings))


@config_app.command("show")
def config_show() -> None:
    """Print the effective configuration, secrets redacted."""
    settings = settings_or_exit()
    table = Table("variable", "value", "meaning")
    effective = settings.redacted()
    for name, _default, help_text in describe():
        table.add_row(name, effective[name], help_text)
    table.add_row("(database in use)", "sqlite (embedded)" if settings.embedded_database else "external", "")
    console.print(table)


def _resolve(tree: list[CategoryView], ref: str) -> CategoryView:
    """Accept an id or a slug, as an admin would type either."""
    try:
        wanted: uuid.UUID | None = uuid.UUID(ref)
    except ValueError:
        wanted = None
    for view in tree:
        if view.id == wanted or view.slug == ref:
            return view
    raise NotFound("category.not_found", f"no category with id or slug {ref!r}", {"ref": ref})


async def _tree(container: ApplicationContainer) -> list[CategoryView]:
    # Straight from the database (refreshing the shared cache): admins see what is stored.
    return await container.catalog.refresh_category_tree()()


def _print_tree(tree: list[CategoryView]) -> None:
    table = Table("name", "slug", "id")
    for view in tree:
        table.add_row("  " * view.depth + view.name, view.slug, str(view.id))
    console.print(table)


@categories_app.command("list")
def categories_list() -> None:
    """Show the category tree."""
    tree = run_with_container(_tree)
    if not tree:
        typer.echo("no categories yet")
        return
    _print_tree(tree)


@categories_app.command("add")
def categories_add(
    name: Annotated[str, typer.Argument(help="Display name, e.g. 'Web Development'.")],
    parent: Annotated[str | None, typer.Option(help="Parent category id or slug.")] = None,
    slug: Annotated[str | None, typer.Option(help="URL slug (default: from the name).")] = None,
) -> None:
    """Create a category."""

    async def action(container: ApplicationContainer) -> CategoryView:
        parent_id = _resolve(await _tree(container), parent).id if parent else None
        return await container.catalog.create_category()(CreateCategoryCommand(name, parent_id, slug))

    view = run_with_container(action)
    typer.echo(f"created {view.name} ({view.slug}) {view.id}")


@categories_app.command("rename")
def categories_rename(ref: str, name: str) -> None:
    """Rename a category (by id or slug)."""

    async def action(container: ApplicationContainer) -> CategoryView:
        target = _resolve(await _tree(container), ref)
        return await container.catalog.rename_category()(RenameCategoryCommand(target.id, name))

    view = run_with_container(action)
    typer.echo(f"renamed {view.slug} to {view.name}")


@categories_app.command("move")
def categories_move(
    ref: str,
    parent: Annotated[str | None, typer.Option(help="New parent id or slug; omit for the top level.")] = None,
) -> None:
    """Move a category under another one (or to the top level)."""

    async def action(container: ApplicationContainer) -> CategoryView:
        tree = await _tree(container)
        target = _resolve(tree, ref)
        parent_id = _resolve(tree, parent).id if parent else None
        return await container.catalog.move_category()(MoveCategoryCommand(target.id, parent_id))

    view = run_with_container(action)
    typer.echo(f"moved {view.slug} to {'/'.join(view.path)}")


@categories_app.command("rm")
def categories_rm(ref: Annotated[str, typer.Argument(help="Category id or slug.")]) -> None:
    """Delete a category that has no subcategories."""

    async def action(container: ApplicationContainer) -> CategoryView:
        target = _resolve(await _tree(container), ref)
        await container.catalog.delete_category()(DeleteCategoryCommand(target.id))
        return target

    view = run_with_container(action)
    typer.echo(f"deleted {view.name} ({view.slug})")


@tasks_app.command("dead-letters")
def tasks_dead_letters(limit: Annotated[int, typer.Option(min=1, max=1000)] = 50) -> None:
    """Tasks that kept failing after every retry."""

    async def action(container: ApplicationContainer) -> list[dict[str, object]]:
        return await container.infrastructure.inbox().list_dead_letters(limit)

    rows = run_with_container(action)
    if not rows:
        typer.echo("no dead letters")
        return
    table = Table("when", "handler", "event", "attempts", "error")
    for row in rows:
        table.add_row(
            str(row["created_at"]),
            str(row["handler"]),
            str(row["event_type"]),
            str(row["attempts"]),
            str(row["error"])[:120],
        )
    console.print(table)


def _add_ip_rule(action: str, network: str, note: str, ttl: float | None) -> None:
    async def act(container: ApplicationContainer) -> IpRule:
        return await container.security.add_ip_rule()(AddIpRuleCommand(network, action, note, ttl))

    rule = run_with_container(act)
    until = f" until {rule.expires_at:%Y-%m-%d %H:%M} UTC" if rule.expires_at else ""
    typer.echo(f"{action} {rule.network}{until} ({rule.id})")


@ips_app.command("deny")
def ips_deny(
    network: Annotated[str, typer.Argument(help="Address or CIDR, e.g. 203.0.113.0/24.")],
    note: Annotated[str, typer.Option(help="Why (shown in listings).")] = "",
    ttl: Annotated[float | None, typer.Option("--for", help="Seconds until the rule lapses.", min=1)] = None,
) -> None:
    """Block an address or network."""
    _add_ip_rule("deny", network, note, ttl)


@ips_app.command("allow")
def ips_allow(
    network: Annotated[str, typer.Argument(help="Address or CIDR; wins over deny rules, skips rate limits.")],
    note: Annotated[str, typer.Option(help="Why (shown in listings).")] = "",
    ttl: Annotated[float | None, typer.Option("--for", help="Seconds until the rule lapses.", min=1)] = None,
) -> None:
    """Trust an address or network."""
    _add_ip_rule("allow", network, note, ttl)


@ips_app.command("list")
def ips_list() -> None:
    """Active IP rules."""

    async def act(container: ApplicationContainer) -> list[IpRule]:
        return await container.security.list_ip_rules()()

    rules = run_with_container(act)
    if not rules:
        typer.echo("no IP rules")
        return
    table = Table("action", "network", "expires", "note", "id")
    for rule in rules:
        expires = f"{rule.expires_at:%Y-%m-%d %H:%M}" if rule.expires_at else "never"
        table.add_row(rule.action, rule.network, expires, rule.note, str(rule.id))
    console.print(table)


@ips_app.command("rm")
def ips_rm(ref: Annotated[str, typer.Argument(help="Rule id, or a network to remove all its rules.")]) -> None:
    """Remove IP rules."""

    async def act(container: ApplicationContainer) -> list[IpRule]:
        return await container.security.remove_ip_rule()(ref)

    removed = run_with_container(act)
    typer.echo(f"removed {len(removed)} rule(s) for {', '.join(sorted({r.network for r in removed}))}")


def run() -> None:
    app()
