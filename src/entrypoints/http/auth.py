"""Who is calling: Bearer access tokens verified once per request, and per-route permissions.

The middleware never refuses a request by itself: it records the principal (or why the token
failed) in the scope; each route's guard decides. Every route declares its permission with
``guards=[requires(Permission.X)]`` or is public.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

from core.identity.application.context import Principal, RequestContext
from core.identity.domain.roles import Permission, Role
from core.shared.errors import PermissionDenied, Unauthenticated
from entrypoints.bootstrap.containers import ApplicationContainer

AUTH_ERROR = "lyceum.auth_error"
_MFA_ROLES = (Role.ADMIN, Role.SUPER_ADMIN)


class AuthenticationMiddleware:
    def __init__(self, app: ASGIApp, *, container: ApplicationContainer) -> None:
        self._app = app
        self._tokens = container.identity.access_tokens()
        self._clock = container.infrastructure.clock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            header = next((v for k, v in scope["headers"] if k == b"authorization"), b"")
            scheme, _, token = header.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token:
                try:
                    claims = self._tokens.verify(token.strip(), now=self._clock.now())
                    scope["user"] = Principal(claims.user_id, Role(claims.role), claims.session_id)
                except Unauthenticated as exc:
                    scope.setdefault("state", {})[AUTH_ERROR] = exc  # type: ignore[typeddict-item]
        await self._app(scope, receive, send)


def current_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    principal = connection.scope.get("user")
    if isinstance(principal, Principal):
        return principal
    error = connection.scope.get("state", {}).get(AUTH_ERROR)
    if isinstance(error, Unauthenticated):
        raise error
    raise Unauthenticated("auth.unauthenticated", "sign in first (Authorization: Bearer <access token>)")


def _operator_token_matches(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    container: ApplicationContainer = connection.app.state.container
    expected = container.settings().admin_token
    scheme, _, supplied = connection.headers.get("authorization", "").partition(" ")
    return (
        bool(expected) and scheme.lower() == "bearer" and hmac.compare_digest(supplied.encode(), str(expected).encode())
    )


Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


def requires(permission: Permission, *, operator_token: bool = False) -> Guard:
    """Guard: the caller must hold ``permission`` (or present the operator token, where allowed).

    With ``LYCEUM_REQUIRE_2FA_FOR_ADMINS``, an admin's session must have passed the second
    factor; the session is read live, so a revoked admin session stops at once.
    """

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if operator_token and _operator_token_matches(connection):
            return
        principal = current_principal(connection)
        principal.require(permission)
        container: ApplicationContainer = connection.app.state.container
        if container.settings().require_2fa_for_admins and principal.role in _MFA_ROLES:
            session = await container.identity.sessions().get(principal.session_id)
            if session is None:
                raise Unauthenticated("auth.session_revoked", "the session has ended; sign in again")
            if not session.second_factor:
                raise PermissionDenied("auth.2fa_required", "enable two-factor authentication to use admin tools")

    guard.__name__ = f"requires_{permission.value}"
    return guard


def signed_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    current_principal(connection)


def request_context(connection: ASGIConnection[Any, Any, Any, Any]) -> RequestContext:
    state = connection.scope.get("state", {})
    ip = state.get("client_ip") or (connection.client.host if connection.client else "")
    return RequestContext(ip=ip, user_agent=connection.headers.get("user-agent", "")[:300])
