"""``lyceum.identity.v1.AuthService``: sign-in, the second factor, refresh, sign-out and the
caller's profile for mobile clients; the gRPC twin of /api/v1/auth and /api/v1/users/me.

Authenticated methods read ``authorization: Bearer <access token>`` from the call metadata
(:class:`BearerAuth`). Errors are not handled here: DomainErrorInterceptor maps them.
"""

from __future__ import annotations

import ipaddress
import urllib.parse
from typing import TypeAlias

import grpc
from google.protobuf import empty_pb2

from core.identity.application.authentication import (
    Login,
    Logout,
    Refresh,
    SecondFactorRequired,
    Tokens,
    VerifySecondFactor,
)
from core.identity.application.context import Principal, RequestContext
from core.identity.application.profiles import GetMe
from core.identity.application.session_store import SessionStore
from core.identity.domain.passwords import MAX_LENGTH as PASSWORD_MAX_LENGTH
from core.identity.domain.roles import Permission, Role
from core.identity.domain.user import User
from core.shared.errors import InvalidInput, PermissionDenied, Unauthenticated
from entrypoints.grpc.generated.lyceum.identity.v1 import auth_pb2, auth_pb2_grpc
from ports.identity.security import AccessTokens
from ports.shared.clock import Clock

SERVICE_NAME: str = auth_pb2.DESCRIPTOR.services_by_name["AuthService"].full_name

Context: TypeAlias = grpc.aio.ServicerContext

# The same bounds as the HTTP DTOs (entrypoints/http/routes/auth.py): anything longer cannot be
# valid, so it is refused before it reaches a password hash or the cache.
_EMAIL_MAX, _PASSWORD_MAX, _TOKEN_MAX, _CODE_MAX, _RECOVERY_MAX = 320, PASSWORD_MAX_LENGTH * 4, 200, 12, 32
_USER_AGENT_MAX = 300
_MFA_ROLES = (Role.ADMIN, Role.SUPER_ADMIN)


class BearerAuth:
    """Turns the call's ``authorization`` metadata into a Principal, like the HTTP middleware
    and guards do (entrypoints/http/auth.py)."""

    def __init__(
        self, tokens: AccessTokens, clock: Clock, sessions: SessionStore, *, require_2fa_for_admins: bool
    ) -> None:
        self._tokens, self._clock, self._sessions = tokens, clock, sessions
        self._require_2fa_for_admins = require_2fa_for_admins

    def principal(self, context: Context) -> Principal:
        """The verified caller; Unauthenticated when the token is missing, malformed or expired."""
        scheme, _, token = _metadata(context, "authorization").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("auth.unauthenticated", "sign in first (authorization: Bearer <access token>)")
        claims = self._tokens.verify(token.strip(), now=self._clock.now())
        return Principal(claims.user_id, Role(claims.role), claims.session_id)

    async def require(self, context: Context, permission: Permission) -> Principal:
        """``principal`` plus the permission check; with ``LYCEUM_REQUIRE_2FA_FOR_ADMINS`` an admin's
        session must have passed the second factor (read live, so a revoked session stops at once)."""
        principal = self.principal(context)
        principal.require(permission)
        if self._require_2fa_for_admins and principal.role in _MFA_ROLES:
            session = await self._sessions.get(principal.session_id)
            if session is None:
                raise Unauthenticated("auth.session_revoked", "the session has ended; sign in again")
            if not session.second_factor:
                raise PermissionDenied("auth.2fa_required", "enable two-factor authentication to use admin tools")
        return principal


def request_context(context: Context) -> RequestContext:
    return RequestContext(
        ip=client_ip(context.peer() or ""), user_agent=_metadata(context, "user-agent")[:_USER_AGENT_MAX]
    )


def client_ip(peer: str) -> str:
    """The address in a gRPC peer string: ``ipv4:1.2.3.4:5678`` or ``ipv6:[::1]:5678`` (recent
    gRPC versions percent-encode it: ``ipv6:%5B::1%5D:5678``); "" for unix sockets and the rest."""
    kind, _, rest = urllib.parse.unquote(peer).partition(":")
    if kind == "ipv4":
        host = rest.rpartition(":")[0] or rest
    elif kind == "ipv6" and rest.startswith("["):
        host = rest[1:].partition("]")[0]
    elif kind == "ipv6":
        host = rest  # no brackets, so no port either
    else:
        return ""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return ""


def _metadata(context: Context, key: str) -> str:
    for item in context.invocation_metadata() or ():
        if item.key == key and isinstance(item.value, str):
            return item.value
    return ""


def _bounded(value: str, field: str, max_length: int) -> str:
    if len(value) > max_length:
        raise InvalidInput("request.validation", f"{field} must be at most {max_length} characters", {"field": field})
    return value


def tokens_message(tokens: Tokens) -> auth_pb2.Tokens:
    return auth_pb2.Tokens(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
        token_type=tokens.token_type,
    )


def profile_message(user: User) -> auth_pb2.Profile:
    return auth_pb2.Profile(
        id=str(user.id),
        email=user.email,
        name=user.name,
        role=user.role,
        status=user.status,
        timezone=user.timezone,
        language=user.language,
        email_verified=user.email_verified_at is not None,
        two_factor_enabled=user.two_factor_enabled,
    )


class AuthServicer(auth_pb2_grpc.AuthServiceServicer):
    def __init__(
        self,
        auth: BearerAuth,
        *,
        login: Login,
        verify_second_factor: VerifySecondFactor,
        refresh: Refresh,
        logout: Logout,
        get_me: GetMe,
    ) -> None:
        self._auth = auth
        self._login, self._verify_second_factor, self._refresh = login, verify_second_factor, refresh
        self._logout, self._get_me = logout, get_me

    async def Login(self, request: auth_pb2.LoginRequest, context: Context) -> auth_pb2.LoginReply:
        result = await self._login(
            _bounded(request.email, "email", _EMAIL_MAX),
            _bounded(request.password, "password", _PASSWORD_MAX),
            request_context(context),
        )
        if isinstance(result, SecondFactorRequired):
            challenge = auth_pb2.SecondFactorChallenge(
                challenge=result.challenge, methods=list(result.methods), expires_in=result.expires_in
            )
            return auth_pb2.LoginReply(challenge=challenge)
        return auth_pb2.LoginReply(tokens=tokens_message(result))

    async def VerifySecondFactor(
        self, request: auth_pb2.VerifySecondFactorRequest, context: Context
    ) -> auth_pb2.Tokens:
        proof = request.WhichOneof("proof")
        tokens = await self._verify_second_factor(
            _bounded(request.challenge, "challenge", _TOKEN_MAX),
            code=_bounded(request.code, "code", _CODE_MAX) if proof == "code" else None,
            recovery_code=_bounded(request.recovery_code, "recovery_code", _RECOVERY_MAX)
            if proof == "recovery_code"
            else None,
            ctx=request_context(context),
        )
        return tokens_message(tokens)

    async def Refresh(self, request: auth_pb2.RefreshRequest, context: Context) -> auth_pb2.Tokens:
        refresh_token = _bounded(request.refresh_token, "refresh_token", _TOKEN_MAX)
        return tokens_message(await self._refresh(refresh_token, request_context(context)))

    async def Logout(self, request: auth_pb2.LogoutRequest, context: Context) -> empty_pb2.Empty:
        principal = self._auth.principal(context)
        await self._logout(principal, request_context(context), everywhere=request.everywhere)
        return empty_pb2.Empty()

    async def Me(self, request: auth_pb2.MeRequest, context: Context) -> auth_pb2.Profile:
        principal = await self._auth.require(context, Permission.PROFILE_READ_OWN)
        return profile_message(await self._get_me(principal))
