"""``lyceum services up``: the production stack's storage and search on this machine."""

from __future__ import annotations

import shlex
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer

from entrypoints.cli.runner import fail, settings_or_exit
from entrypoints.devservices.seaweedfs import SeaweedFS, start_seaweedfs
from entrypoints.devservices.typesense import Typesense, start_typesense

app = typer.Typer(help="Local SeaweedFS (S3) and Typesense for development.", no_args_is_help=True)


@app.command()
def up(
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Where the services keep data (default: DATA_DIR/services).")
    ] = None,
    search: Annotated[bool, typer.Option(help="Start Typesense.")] = True,
    storage: Annotated[bool, typer.Option(help="Start SeaweedFS.")] = True,
) -> None:
    """Start the services, print the LYCEUM_* variables that use them, run until Ctrl-C."""
    base = directory or settings_or_exit().data_dir / "services"
    started: list[SeaweedFS | Typesense] = []
    env: dict[str, str] = {}
    try:
        if storage:
            typer.echo("starting SeaweedFS (S3)…", err=True)
            weed = start_seaweedfs(base / "seaweedfs")
            started.append(weed)
            env.update(weed.env())
        if search:
            typer.echo("starting Typesense…", err=True)
            typesense = start_typesense(base / "typesense")
            started.append(typesense)
            env.update(typesense.env())
    except RuntimeError as exc:
        for service in started:
            service.stop()
        fail(str(exc), 6)
    typer.echo("# services are up; in another shell:", err=True)
    for name, value in env.items():
        typer.echo(f"export {name}={shlex.quote(value)}")
    typer.echo("# Ctrl-C stops them", err=True)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    for service in started:
        service.stop()
    typer.echo("services stopped", err=True)
