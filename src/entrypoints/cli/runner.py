"""Runs a CLI command's coroutine with a container, mapping every failure to one line and an exit code."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import NoReturn, TypeVar

import typer
from sqlalchemy.exc import DBAPIError, OperationalError

from core.shared.errors import DomainError
from entrypoints.bootstrap.containers import ApplicationContainer, build_container
from entrypoints.bootstrap.lifecycle import shutdown
from entrypoints.bootstrap.logging import configure_logging
from entrypoints.bootstrap.settings import Settings, SettingsError, load_settings

T = TypeVar("T")

EXIT_BY_KIND = {
    "invalid": 2,
    "not_found": 3,
    "conflict": 4,
    "forbidden": 5,
    "unauthenticated": 5,
    "unavailable": 6,
    "rate_limited": 7,
}
EXIT_CONFIG = 78  # EX_CONFIG from sysexits.h


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def settings_or_exit(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        fail(str(exc), EXIT_CONFIG)


def run_with_container(
    action: Callable[[ApplicationContainer], Awaitable[T]], *, settings: Settings | None = None, quiet: bool = True
) -> T:
    settings = settings or settings_or_exit()
    # Commands print results; logs only on warnings unless asked for.
    configure_logging("WARNING" if quiet and settings.log_level == "INFO" else settings.log_level, "text")
    container = build_container(settings)

    async def main() -> T:
        try:
            return await action(container)
        finally:
            await shutdown(container)

    try:
        return asyncio.run(main())
    except DomainError as exc:
        fail(f"{exc.message} ({exc.code})", EXIT_BY_KIND.get(exc.kind, 1))
    except (OperationalError, DBAPIError, OSError) as exc:
        logging.getLogger("lyceum").debug("infrastructure error", exc_info=True)
        fail(f"cannot reach a dependency: {_one_line(exc)}", 6)
    except KeyboardInterrupt:
        fail("interrupted", 130)


def _one_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def stdout_is_tty() -> bool:
    return sys.stdout.isatty()
