"""Litestar dependencies that hand use cases from the container (kept on app.state) to handlers."""

from __future__ import annotations

from typing import Any

from litestar import Request

from entrypoints.bootstrap.containers import ApplicationContainer


def container_of(request: Request[Any, Any, Any]) -> ApplicationContainer:
    container: ApplicationContainer = request.app.state.container
    return container
