"""Litestar dependencies that hand use cases from the container (kept on app.state) to handlers."""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from core.shared.errors import Unauthenticated
from entrypoints.bootstrap.containers import ApplicationContainer


def container_of(request: Request[Any, Any, Any]) -> ApplicationContainer:
    container: ApplicationContainer = request.app.state.container
    return container


def operator_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Write routes accept only the operator token until user accounts arrive.

    With no ``LYCEUM_ADMIN_TOKEN`` configured, writes are reachable only from the CLI.
    """
    container: ApplicationContainer = connection.app.state.container
    expected = container.settings().admin_token
    header = connection.headers.get("authorization", "")
    scheme, _, supplied = header.partition(" ")
    if not expected or scheme.lower() != "bearer" or not hmac.compare_digest(supplied.encode(), expected.encode()):
        raise Unauthenticated("auth.unauthenticated", "a valid bearer token is required for this operation")
