"""Sign-in with Google, GitHub or LinkedIn (OAuth 2.0 authorization code + PKCE, OpenID Connect).

``GET /api/v1/auth/oauth/{provider}/authorize`` answers 302 to the provider's consent page and
sets the *browser binding* cookie (HttpOnly, SameSite=Lax, Secure unless the callback base URL
is plain-http loopback, ten minutes; named ``__Host-lyceum_oauth`` when Secure).

``GET /api/v1/auth/oauth/{provider}/callback?code=...&state=...`` is where the provider sends
the browser back. The state is spent once, the cookie must match it, the code is exchanged
(same redirect URI, PKCE verifier, nonce checked in the ID token) and the cookie is cleared.
The answer is JSON, never cached:

* ``200 {"access_token", "refresh_token", "token_type": "Bearer", "expires_in"}`` — the same
  pair ``POST /api/v1/auth/login`` returns;
* ``200 {"second_factor_required": true, "challenge", "methods", "expires_in"}`` for accounts
  with two-factor authentication: finish with the 2FA step as after a password sign-in;
* problem+json otherwise: 401 ``auth.oauth_invalid_state`` (unknown, used or expired state, or
  another browser), 401 ``auth.oauth_failed`` (the provider refused the code or the ID token
  failed its checks), 401 ``auth.oauth_denied`` (the user cancelled at the provider), 403
  ``auth.oauth_email_unverified`` / ``auth.account_disabled``, 409
  ``auth.oauth_link_requires_verified_email`` (an account with that email exists; sign in with
  the password and connect the provider from the settings), 404 ``auth.unknown_provider``,
  503 ``auth.oauth_unavailable``.

The redirect URI registered with each provider is
``<LYCEUM_OAUTH_REDIRECT_BASE_URL or LYCEUM_PUBLIC_BASE_URL>/api/v1/auth/oauth/<provider>/callback``.

**Apps** (a browser tab or an embedded web view) open ``.../authorize`` and read the JSON of
the final callback page.

**A web front-end** keeps the tokens away from page navigation like this: set
``LYCEUM_OAUTH_REDIRECT_BASE_URL`` to the front-end's origin, which serves its own page at
``/api/v1/auth/oauth/<provider>/callback`` (and is same-site with the API, so the SameSite=Lax
binding cookie travels). The sign-in button navigates to the API's ``.../authorize``; the
provider sends the browser to the front-end's callback page, which takes ``code`` and ``state``
from its URL, immediately replaces the URL (``history.replaceState``) so the code does not stay
in the history, and calls ``GET <api>/api/v1/auth/oauth/<provider>/callback?code=...&state=...``
with ``fetch(..., {credentials: "include"})``. It keeps the access token in memory and the
refresh token where it keeps the one from a password sign-in.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, QueryParameter

from core.identity.application.authentication import SecondFactorRequired, Tokens
from core.identity.application.context import RequestContext
from core.shared.errors import DomainError, Unauthenticated
from entrypoints.http.client_ip import client_ip, parse_proxies
from entrypoints.http.dependencies import container_of
from entrypoints.http.problems import domain_error_handler
from ports.shared.rate_limit import RateLimit

PREFIX = "/api/v1/auth/oauth"
SECURE_COOKIE = "__Host-lyceum_oauth"  # Secure, Path=/, no Domain: not settable by a sibling host
LOOPBACK_COOKIE = "lyceum_oauth"
COOKIE_MAX_AGE = 600
# Per client address: every start writes a state to the cache, every callback calls the provider.
OAUTH_LIMIT = RateLimit(limit=30, window_seconds=60, name="auth-oauth")
_LOOPBACK_BASE = re.compile(r"^http://(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(/|$)", re.IGNORECASE)
_PROVIDER_ERROR = re.compile(r"[^A-Za-z0-9_.-]")
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache", "Referrer-Policy": "no-referrer"}


class TokenPair(msgspec.Struct):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int


class SecondFactorChallenge(msgspec.Struct):
    challenge: str
    methods: list[str]
    expires_in: int
    second_factor_required: bool = True


def oauth_routes() -> list[HTTPRouteHandler]:
    """The handlers to register on the app (they need ``identity.start_oauth()`` and
    ``identity.complete_oauth()`` on the container)."""
    return [authorize_oauth, oauth_callback]


def _redirect_base(request: Request[Any, Any, Any]) -> str:
    settings = container_of(request).settings()
    return str(settings.oauth_redirect_base_url or settings.public_base_url).rstrip("/")


def _cookie(base: str) -> tuple[str, bool]:
    """(cookie name, Secure): Secure everywhere but plain-http loopback development."""
    secure = not _LOOPBACK_BASE.match(base)
    return (SECURE_COOKIE, True) if secure else (LOOPBACK_COOKIE, False)


def _cookie_path(secure: bool) -> str:
    return "/" if secure else PREFIX  # __Host- cookies must have Path=/


def request_context(request: Request[Any, Any, Any]) -> RequestContext:
    settings = container_of(request).settings()
    ip = client_ip(request.scope, parse_proxies(settings.trusted_proxies))
    return RequestContext(ip=ip, user_agent=request.headers.get("user-agent", "")[:300])


@get(
    f"{PREFIX}/{{provider:str}}/authorize",
    summary="Start signing in with an external provider (302 to its consent page)",
    tags=["authentication"],
    opt={"rate_limit": OAUTH_LIMIT},
    status_code=302,
    cache=False,
)
async def authorize_oauth(request: Request[Any, Any, Any], provider: FromPath[str]) -> Response[None]:
    base = _redirect_base(request)
    cookie, secure = _cookie(base)
    start = await container_of(request).identity.start_oauth()(
        provider,
        redirect_uri=f"{base}{PREFIX}/{provider}/callback",
        browser_binding=request.cookies.get(cookie),
    )
    response: Response[None] = Response(
        content=None, status_code=302, headers={"Location": start.authorization_url, **_NO_STORE}
    )
    response.set_cookie(
        cookie,
        start.browser_binding,
        max_age=COOKIE_MAX_AGE,
        path=_cookie_path(secure),
        secure=secure,
        httponly=True,
        samesite="lax",
    )
    return response


@get(
    f"{PREFIX}/{{provider:str}}/callback",
    summary="Finish signing in with an external provider (JSON tokens)",
    tags=["authentication"],
    opt={"rate_limit": OAUTH_LIMIT},
    cache=False,
)
async def oauth_callback(
    request: Request[Any, Any, Any],
    provider: FromPath[str],
    code: Annotated[str | None, QueryParameter(max_length=2048, description="The authorization code")] = None,
    # Litestar reserves a handler parameter named "state": the query parameter gets an alias.
    oauth_state: Annotated[str | None, QueryParameter(name="state", max_length=512, description="As sent")] = None,
    error: Annotated[str | None, QueryParameter(max_length=200, description="Instead of a code: declined")] = None,
) -> Response[Any]:
    cookie, secure = _cookie(_redirect_base(request))
    response: Response[Any]
    try:
        if error:
            raise Unauthenticated(
                "auth.oauth_denied",
                "the sign-in was cancelled or refused at the provider",
                {"reason": _PROVIDER_ERROR.sub("", error)[:60]},
            )
        result = await container_of(request).identity.complete_oauth()(
            provider,
            code=code or "",
            state=oauth_state or "",
            browser_binding=request.cookies.get(cookie),
            ctx=request_context(request),
        )
        response = Response(_body(result), status_code=200, media_type="application/json")
    except DomainError as exc:
        response = domain_error_handler(request, exc)
    response.headers.update(_NO_STORE)
    # Cleared with the same attributes it was set with (a __Host- cookie needs Secure to be replaced).
    response.set_cookie(cookie, "", max_age=0, path=_cookie_path(secure), secure=secure, httponly=True, samesite="lax")
    return response


def _body(result: Tokens | SecondFactorRequired) -> TokenPair | SecondFactorChallenge:
    if isinstance(result, SecondFactorRequired):
        return SecondFactorChallenge(result.challenge, list(result.methods), result.expires_in)
    return TokenPair(result.access_token, result.refresh_token, result.token_type, result.expires_in)
