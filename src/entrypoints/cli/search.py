"""``lyceum search``: rebuild the search index from the catalog."""

from __future__ import annotations

import typer

from core.catalog.application.course_search import ReindexCoursesCommand, ReindexCoursesResult
from entrypoints.bootstrap.containers import ApplicationContainer
from entrypoints.cli.runner import run_with_container
from entrypoints.cli.users import progress_bar

app = typer.Typer(help="The search index.", no_args_is_help=True)


@app.command()
def reindex() -> None:
    """Rebuild course and content search from the published catalog, without downtime:
    searches answer from the old index until the new one replaces it."""
    progress = progress_bar()

    async def act(container: ApplicationContainer) -> ReindexCoursesResult:
        task = progress.add_task("indexing", total=None)

        def report(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        with progress:
            return await container.catalog.reindex_courses()(ReindexCoursesCommand(on_progress=report))

    result = run_with_container(act)
    typer.echo(f"indexed {result.courses} course(s) and {result.content_documents} content document(s)")
