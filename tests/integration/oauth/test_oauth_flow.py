"""Sign-in with Google, GitHub and LinkedIn, end to end.

A "browser" (an httpx client with a cookie jar) goes through our HTTP routes
(``/api/v1/auth/oauth/{provider}/authorize`` and ``.../callback``, served in process) and the
provider's pages (local authorization servers on 127.0.0.1 that behave like each provider,
see ``provider_server.py``); the provider adapters talk to those servers over real sockets.
Accounts live in an in-memory unit of work; sessions and the OAuth state in the real
in-process cache.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import urllib.parse
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from litestar import Litestar

from adapters.cache.memory import MemoryCache
from adapters.clock import SystemClock
from adapters.http_client import OutboundHttpClient
from adapters.identity.oauth import GitHubProvider, GoogleProvider, LinkedInProvider, make_oauth_providers
from core.identity.application.auditing import Auditor
from core.identity.application.authentication import _Issuer
from core.identity.application.oauth import CompleteOAuth, StartOAuth
from core.identity.application.session_store import SessionStore
from core.identity.domain.user import AccountStatus, User
from core.shared.errors import Unauthenticated
from entrypoints.bootstrap.settings import Settings
from entrypoints.http.problems import EXCEPTION_HANDLERS
from entrypoints.http.routes.oauth import LOOPBACK_COOKIE, PREFIX, SECURE_COOKIE, oauth_routes
from ports.identity.oauth import AuthorizationRequest, OAuthProvider
from tests.fakes.identity_oauth import FakeAccessTokens, FakeAuditLog, FakeOAuthUnitOfWork, IdentityStore
from tests.integration.oauth.provider_server import FAULTS, ProviderServer, ScriptedUser, Style

APP = "http://127.0.0.1:8000"  # our API, served in process (the redirect base URL)
STYLES: tuple[Style, ...] = ("google", "github", "linkedin")
PROVIDERS: tuple[str, ...] = STYLES
OIDC_PROVIDERS = ("google", "linkedin")
SRC = Path(__file__).resolve().parents[3] / "src"


def callback_url(provider: str) -> str:
    return f"{APP}{PREFIX}/{provider}/callback"


def person(provider: str, n: int = 1, *, email: str | None = None, verified: bool = True) -> ScriptedUser:
    subject = str(4_000_000 + n) if provider == "github" else f"{provider}-subject-{n}"
    return ScriptedUser(subject=subject, email=email or f"ada{n}@example.org", email_verified=verified)


@dataclasses.dataclass
class Harness:
    settings: Settings
    servers: dict[str, ProviderServer]
    providers: dict[str, OAuthProvider]
    http: OutboundHttpClient
    cache: MemoryCache
    store: IdentityStore
    audit: FakeAuditLog
    app: Litestar
    browser: httpx.AsyncClient

    def new_browser(self) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=("203.0.113.9", 50123))
        # Plain http only: no TLS context to build.
        return httpx.AsyncClient(mounts={APP: transport}, follow_redirects=False, timeout=5, verify=False)

    async def to_provider(self, provider: str, browser: httpx.AsyncClient | None = None) -> httpx.Response:
        browser = browser or self.browser
        started = await browser.get(f"{APP}{PREFIX}/{provider}/authorize")
        assert started.status_code == 302, started.text
        return started

    async def to_callback(self, provider: str, browser: httpx.AsyncClient | None = None) -> str:
        """Authorize, sign in at the provider; the URL the provider sends the browser back to."""
        browser = browser or self.browser
        started = await self.to_provider(provider, browser)
        at_provider = await browser.get(started.headers["location"])
        assert at_provider.status_code == 302, at_provider.text
        location: str = at_provider.headers["location"]
        assert location.startswith(callback_url(provider) + "?")
        return location

    async def sign_in(self, provider: str, user: ScriptedUser | None = None) -> httpx.Response:
        if user is not None:
            self.servers[provider].login_as(user)
        return await self.browser.get(await self.to_callback(provider))

    def user_by_email(self, email: str) -> User:
        return next(u for u in self.store.users.values() if u.email == email)

    async def code_for(self, provider: str, redirect_uri: str | None = None) -> tuple[AuthorizationRequest, str]:
        """An authorization request made by the adapter itself, and the code the provider issued."""
        request = self.providers[provider].authorization_request(redirect_uri=redirect_uri or callback_url(provider))
        answer = await self.browser.get(request.url)
        assert answer.status_code == 302, answer.text
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(answer.headers["location"]).query)
        assert query["state"] == [request.state]
        return request, query["code"][0]


def _provider_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if "serve_forever" in t.name or "process_request" in t.name]


@pytest.fixture(scope="module")
def oauth_app() -> Litestar:
    """Our routes on a bare app; each test puts its own container on ``app.state``."""
    return Litestar(route_handlers=oauth_routes(), exception_handlers=EXCEPTION_HANDLERS)  # type: ignore[arg-type]


@pytest.fixture
async def harness(oauth_app: Litestar) -> AsyncIterator[Harness]:
    servers = {style: ProviderServer(style, redirect_uris=[callback_url(style)]).start() for style in STYLES}
    http = OutboundHttpClient(timeout=3, max_attempts=2, backoff_base=0.01, backoff_cap=0.02)
    try:
        google, github, linkedin = servers["google"], servers["github"], servers["linkedin"]
        settings = Settings(
            public_base_url=APP,
            oauth_google_client_id=google.client_id,
            oauth_google_client_secret=google.client_secret,
            oauth_google_issuer=google.issuer,
            oauth_github_client_id=github.client_id,
            oauth_github_client_secret=github.client_secret,
            oauth_github_base_url=github.base_url,
            oauth_github_api_url=github.api_url,
            oauth_linkedin_client_id=linkedin.client_id,
            oauth_linkedin_client_secret=linkedin.client_secret,
            oauth_linkedin_issuer=linkedin.issuer,
        )
        providers = make_oauth_providers(settings, http)
        cache, clock, store, audit = MemoryCache(), SystemClock(), IdentityStore(), FakeAuditLog()
        issuer = _Issuer(SessionStore(cache), FakeAccessTokens(), clock)
        start = StartOAuth(providers, cache)
        complete = CompleteOAuth(FakeOAuthUnitOfWork(store), providers, cache, issuer, clock, Auditor(audit, clock))
        app = oauth_app
        harness = Harness(settings, servers, providers, http, cache, store, audit, app, browser=None)  # type: ignore[arg-type]
        # What the routes need from the application container.
        app.state.container = SimpleNamespace(
            settings=lambda: harness.settings,
            identity=SimpleNamespace(start_oauth=lambda: start, complete_oauth=lambda: complete),
        )
        harness.browser = harness.new_browser()
        async with harness.browser:
            yield harness
    finally:
        await http.aclose()
        for server in servers.values():
            server.stop()
    assert not _provider_threads(), "a provider server thread outlived its test"


def problem_code(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return str(response.json()["code"])


def cookie_cleared(response: httpx.Response) -> bool:
    return any(
        h.startswith(f"{LOOPBACK_COOKIE}=") and "Max-Age=0" in h for h in response.headers.get_list("set-cookie")
    )


# -- the happy paths ------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_new_user_is_created_and_signed_in(harness: Harness, provider: str) -> None:
    scripted = person(provider)
    response = await harness.sign_in(provider, scripted)

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert response.headers["cache-control"] == "no-store"
    assert cookie_cleared(response)

    user = harness.user_by_email("ada1@example.org")
    assert user.status == AccountStatus.ACTIVE and user.email_verified_at is not None
    assert user.password_hash is None and user.name == "Ada Lovelace"
    assert harness.store.links[(provider, scripted.subject)].user_id == user.id
    claims = FakeAccessTokens().verify(body["access_token"], now=SystemClock().now())
    assert claims.user_id == user.id
    assert harness.audit.outcomes("auth.oauth_login") == [("success", "created")]

    # What went over the wire: PKCE S256 at the authorization endpoint, the verifier at the token endpoint.
    server = harness.servers[provider]
    authorize_path, token_path = {
        "google": ("/o/oauth2/v2/auth", "/token"),
        "github": ("/login/oauth/authorize", "/login/oauth/access_token"),
        "linkedin": ("/oauth/v2/authorization", "/oauth/v2/accessToken"),
    }[provider]
    (asked,) = server.requests_to(authorize_path)
    assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) == 43
    assert asked["redirect_uri"] == callback_url(provider)
    assert ("nonce" in asked) == (provider in OIDC_PROVIDERS)
    (exchanged,) = server.requests_to(token_path)
    assert len(exchanged["code_verifier"]) == 64 and exchanged["redirect_uri"] == callback_url(provider)


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_the_second_sign_in_uses_the_link_not_the_email(harness: Harness, provider: str) -> None:
    first = await harness.sign_in(provider, person(provider))
    assert first.status_code == 200
    user_id = harness.user_by_email("ada1@example.org").id

    # Same subject at the provider, another email there now: still the same account.
    second = await harness.sign_in(provider, person(provider, email="ada.new@example.org"))

    assert second.status_code == 200, second.text
    assert FakeAccessTokens().verify(second.json()["access_token"], now=SystemClock().now()).user_id == user_id
    assert len(harness.store.users) == 1
    assert harness.audit.outcomes("auth.oauth_login")[-1] == ("success", "existing")


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_an_existing_password_account_is_linked_when_the_provider_verified_the_email(
    harness: Harness, provider: str
) -> None:
    existing = harness.store.add_user(
        User.register(
            email="ada1@example.org", name="Ada", password_hash="$argon2id$...", now=SystemClock().now(), verified=True
        )
    )

    response = await harness.sign_in(provider, person(provider))

    assert response.status_code == 200, response.text
    assert FakeAccessTokens().verify(response.json()["access_token"], now=SystemClock().now()).user_id == existing.id
    assert harness.store.links[(provider, person(provider).subject)].user_id == existing.id
    assert existing.password_hash == "$argon2id$..."  # the password keeps working
    assert len(harness.store.users) == 1
    assert harness.audit.outcomes("auth.oauth_login") == [("success", "linked")]


async def test_a_pending_account_is_claimed_by_the_verified_owner(harness: Harness) -> None:
    # Someone registered the address with a password and never proved it: the owner signs in with Google.
    squatted = harness.store.add_user(
        User.register(
            email="ada1@example.org", name="Squatter", password_hash="$argon2id$squatter", now=SystemClock().now()
        )
    )

    response = await harness.sign_in("google", person("google"))

    assert response.status_code == 200, response.text
    assert squatted.status == AccountStatus.ACTIVE and squatted.email_verified_at is not None
    assert squatted.password_hash is None  # the squatter's password no longer opens it


# -- linking rules that refuse ----------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_an_existing_account_is_not_linked_to_an_unverified_provider_email(
    harness: Harness, provider: str
) -> None:
    existing = harness.store.add_user(
        User.register(email="ada1@example.org", name="Ada", password_hash="h", now=SystemClock().now(), verified=True)
    )

    response = await harness.sign_in(provider, person(provider, verified=False))

    assert response.status_code == 409
    assert problem_code(response) == "auth.oauth_link_requires_verified_email"
    assert not harness.store.links
    assert cookie_cleared(response)
    entry = harness.audit.entries[-1]
    assert (entry.outcome, entry.subject_id, entry.details["reason"]) == (
        "denied",
        existing.id,
        "link_needs_verified_email",
    )


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_no_account_is_created_from_an_unverified_email(harness: Harness, provider: str) -> None:
    response = await harness.sign_in(provider, person(provider, verified=False))

    assert response.status_code == 403
    assert problem_code(response) == "auth.oauth_email_unverified"
    assert not harness.store.users and not harness.store.links


async def test_github_uses_a_verified_secondary_email_when_the_primary_is_unverified(harness: Harness) -> None:
    scripted = dataclasses.replace(
        person("github", verified=False), other_emails=(("ada@work.example", True), ("old@example.org", False))
    )

    response = await harness.sign_in("github", scripted)

    assert response.status_code == 200, response.text
    assert harness.user_by_email("ada@work.example").email_verified_at is not None


async def test_github_without_any_email_is_asked_to_verify_one(harness: Harness) -> None:
    response = await harness.sign_in("github", dataclasses.replace(person("github"), email=None))

    assert response.status_code == 403 and problem_code(response) == "auth.oauth_email_unverified"


@pytest.mark.parametrize("status", [AccountStatus.BANNED, "deleted"])
async def test_disabled_accounts_cannot_sign_in_through_a_provider(harness: Harness, status: str) -> None:
    assert (await harness.sign_in("google", person("google"))).status_code == 200
    user = harness.user_by_email("ada1@example.org")
    if status == "deleted":
        user.soft_delete(now=SystemClock().now(), actor_id=uuid.uuid4())
    else:
        user.ban(reason="abuse", now=SystemClock().now(), actor_id=uuid.uuid4())

    response = await harness.sign_in("google")

    assert response.status_code == 403 and problem_code(response) == "auth.account_disabled"
    assert harness.audit.outcomes("auth.oauth_login")[-1] == ("denied", status)


async def test_an_account_with_two_factor_gets_the_second_step(harness: Harness) -> None:
    assert (await harness.sign_in("linkedin", person("linkedin"))).status_code == 200
    user = harness.user_by_email("ada1@example.org")
    user.totp_secret, user.totp_enabled_at = "JBSWY3DPEHPK3PXP", SystemClock().now()

    response = await harness.sign_in("linkedin")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["second_factor_required"] is True and "access_token" not in body
    assert body["methods"] == ["totp", "recovery_code"]
    from core.identity.domain.sessions import token_hash

    assert await harness.cache.get(f"auth:2fa:{token_hash(body['challenge'])}") == str(user.id).encode()


# -- state and browser binding -----------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_state_works_once(harness: Harness, provider: str) -> None:
    harness.servers[provider].login_as(person(provider))
    callback = await harness.to_callback(provider)
    binding = harness.browser.cookies[LOOPBACK_COOKIE]
    assert (await harness.browser.get(callback)).status_code == 200

    harness.browser.cookies.set(LOOPBACK_COOKIE, binding, domain="127.0.0.1", path=PREFIX)  # even with the cookie
    replay = await harness.browser.get(callback)

    assert replay.status_code == 401 and problem_code(replay) == "auth.oauth_invalid_state"
    assert harness.audit.outcomes("auth.oauth_login")[-1] == ("failure", "state_replayed")


async def test_of_two_concurrent_callbacks_with_one_state_exactly_one_wins(harness: Harness) -> None:
    harness.servers["google"].login_as(person("google"))
    callback = await harness.to_callback("google")

    answers = await asyncio.gather(harness.browser.get(callback), harness.browser.get(callback))

    assert sorted(a.status_code for a in answers) == [200, 401]


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_callback_without_the_browser_binding_is_refused(harness: Harness, provider: str) -> None:
    harness.servers[provider].login_as(person(provider))
    callback = await harness.to_callback(provider)
    harness.browser.cookies.clear()

    response = await harness.browser.get(callback)

    assert response.status_code == 401 and problem_code(response) == "auth.oauth_invalid_state"
    assert harness.audit.outcomes("auth.oauth_login") == [("failure", "browser_mismatch")]
    assert not harness.store.users


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_login_csrf_a_callback_from_another_browser_is_refused(harness: Harness, provider: str) -> None:
    # The attacker signs in at the provider as themselves, stops before the callback and makes
    # the victim's browser (which holds a binding of its own) open the attacker's callback URL.
    harness.servers[provider].login_as(person(provider, 666, email="mallory@example.org"))
    attackers_callback = await harness.to_callback(provider)
    async with harness.new_browser() as victim:
        await harness.to_provider(provider, victim)  # the victim got a binding cookie of their own
        response = await victim.get(attackers_callback)

    assert response.status_code == 401 and problem_code(response) == "auth.oauth_invalid_state"
    assert not harness.store.users
    # The state was spent by that attempt: the attacker cannot use it either.
    assert (await harness.browser.get(attackers_callback)).status_code == 401


async def test_a_state_is_bound_to_its_provider(harness: Harness) -> None:
    harness.servers["google"].login_as(person("google"))
    callback = await harness.to_callback("google")

    response = await harness.browser.get(callback.replace("/google/", "/linkedin/"))

    assert response.status_code == 401 and problem_code(response) == "auth.oauth_invalid_state"


async def test_the_binding_cookie_attributes(harness: Harness) -> None:
    started = await harness.to_provider("github")
    (cookie,) = started.headers.get_list("set-cookie")
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert cookie.startswith(f"{LOOPBACK_COOKIE}=") and f"Path={PREFIX}" in cookie and "Max-Age=600" in cookie
    assert {"httponly", "samesite"} <= attributes and "SameSite=lax" in cookie and "secure" not in attributes
    assert started.headers["referrer-policy"] == "no-referrer"
    assert started.headers["location"].startswith(harness.servers["github"].base_url + "/login/oauth/authorize?")

    harness.settings = dataclasses.replace(harness.settings, oauth_redirect_base_url="https://lyceum.example")
    started = await harness.to_provider("github")
    (cookie,) = started.headers.get_list("set-cookie")
    assert cookie.startswith(f"{SECURE_COOKIE}=") and "Path=/;" in cookie and "Secure" in cookie
    redirect = urllib.parse.parse_qs(urllib.parse.urlsplit(started.headers["location"]).query)["redirect_uri"]
    assert redirect == ["https://lyceum.example/api/v1/auth/oauth/github/callback"]


async def test_an_unknown_provider_is_not_found(harness: Harness) -> None:
    response = await harness.browser.get(f"{APP}{PREFIX}/myspace/authorize")

    assert response.status_code == 404 and problem_code(response) == "auth.unknown_provider"


async def test_a_user_who_declines_at_the_provider(harness: Harness) -> None:
    started = await harness.to_provider("google")
    state = urllib.parse.parse_qs(urllib.parse.urlsplit(started.headers["location"]).query)["state"][0]

    response = await harness.browser.get(f"{callback_url('google')}?error=access_denied&state={state}")

    assert response.status_code == 401 and problem_code(response) == "auth.oauth_denied"
    assert response.json()["details"] == {"reason": "access_denied"}
    assert cookie_cleared(response)


# -- what the provider enforces, and what we check in its answers --------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_the_provider_refuses_another_redirect_uri(harness: Harness, provider: str) -> None:
    started = await harness.to_provider(provider)
    url = urllib.parse.urlsplit(started.headers["location"])
    query = dict(urllib.parse.parse_qsl(url.query))
    query["redirect_uri"] = "http://127.0.0.1:9999/steal"
    forged = url._replace(query=urllib.parse.urlencode(query)).geturl()
    harness.servers[provider].login_as(person(provider))

    response = await harness.browser.get(forged)

    assert response.status_code == 400, response.text  # an error page: the code goes nowhere
    assert "location" not in response.headers
    assert not harness.servers[provider].codes


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_the_token_exchange_needs_the_same_redirect_uri(harness: Harness, provider: str) -> None:
    harness.servers[provider].login_as(person(provider))
    request, code = await harness.code_for(provider)

    with pytest.raises(Unauthenticated) as refused:
        await harness.providers[provider].identity(
            code=code,
            redirect_uri=callback_url(provider) + "/other",
            code_verifier=request.code_verifier,
            nonce=request.nonce,
        )
    assert refused.value.code == "auth.oauth_failed"


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_pkce_is_required_and_checked(harness: Harness, provider: str) -> None:
    harness.servers[provider].login_as(person(provider))
    adapter = harness.providers[provider]
    request, code = await harness.code_for(provider)

    for verifier in ("", "x" * 64):  # missing, wrong
        with pytest.raises(Unauthenticated):
            await adapter.identity(
                code=code, redirect_uri=callback_url(provider), code_verifier=verifier, nonce=request.nonce
            )
    identity = await adapter.identity(
        code=code, redirect_uri=callback_url(provider), code_verifier=request.code_verifier, nonce=request.nonce
    )
    assert identity.subject == person(provider).subject and identity.email_verified is True

    # An authorization request without a challenge is sent back with an error.
    url = urllib.parse.urlsplit(adapter.authorization_request(redirect_uri=callback_url(provider)).url)
    query = {k: v for k, v in urllib.parse.parse_qsl(url.query) if not k.startswith("code_challenge")}
    answer = await harness.browser.get(url._replace(query=urllib.parse.urlencode(query)).geturl())
    assert answer.status_code == 302 and "error=invalid_request" in answer.headers["location"]


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_code_works_once(harness: Harness, provider: str) -> None:
    harness.servers[provider].login_as(person(provider))
    adapter = harness.providers[provider]
    request, code = await harness.code_for(provider)
    args: dict[str, Any] = {
        "code": code,
        "redirect_uri": callback_url(provider),
        "code_verifier": request.code_verifier,
        "nonce": request.nonce,
    }
    await adapter.identity(**args)

    with pytest.raises(Unauthenticated):
        await adapter.identity(**args)
    assert harness.servers[provider].revoked_by_replay == 1


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_the_client_must_authenticate(harness: Harness, provider: str) -> None:
    server = harness.servers[provider]
    server.login_as(person(provider))
    request, code = await harness.code_for(provider)
    kinds: dict[str, Any] = {
        "google": lambda: GoogleProvider(
            client_id=server.client_id, client_secret="wrong", http=harness.http, issuer=server.issuer
        ),
        "github": lambda: GitHubProvider(
            client_id=server.client_id,
            client_secret="wrong",
            http=harness.http,
            base_url=server.base_url,
            api_url=server.api_url,
        ),
        "linkedin": lambda: LinkedInProvider(
            client_id=server.client_id, client_secret="wrong", http=harness.http, issuer=server.issuer
        ),
    }

    with pytest.raises(Unauthenticated) as refused:
        await kinds[provider]().identity(
            code=code, redirect_uri=callback_url(provider), code_verifier=request.code_verifier, nonce=request.nonce
        )
    assert refused.value.details["reason"] in ("token_invalid_client", "token_incorrect_client_credentials")


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("provider", OIDC_PROVIDERS)
async def test_a_bad_id_token_is_refused(harness: Harness, provider: str, fault: str) -> None:
    harness.servers[provider].id_token_fault = fault

    response = await harness.sign_in(provider, person(provider))

    assert response.status_code == 401, response.text
    assert problem_code(response) == "auth.oauth_failed"
    reason = {
        "signature": "id_token_signature",
        "nonce": "id_token_nonce",
        "aud": "id_token_audience",
        "iss": "id_token_issuer",
        "expired": "id_token_expired",
        "alg_none": "id_token_algorithm_refused",
        "hs256": "id_token_algorithm_refused",
        "unknown_key": "id_token_unknown_key",
        "at_hash": "id_token_at_hash",
        "azp": "id_token_authorized_party",
    }[fault]
    assert response.json()["details"]["reason"] == reason  # refused by the check meant for it
    assert not harness.store.users
    assert harness.audit.outcomes("auth.oauth_login") == [("failure", reason)]


async def test_a_rotated_signing_key_is_fetched(harness: Harness) -> None:
    assert (await harness.sign_in("google", person("google"))).status_code == 200  # JWKS now cached
    harness.servers["google"].rotate_signing_key()

    response = await harness.sign_in("google")

    assert response.status_code == 200, response.text
    assert len(harness.servers["google"].requests_to("/oauth2/v3/certs")) == 2


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_provider_that_is_down_answers_503(harness: Harness, provider: str) -> None:
    harness.servers[provider].login_as(person(provider))
    callback = await harness.to_callback(provider)
    harness.servers[provider].stop()

    response = await harness.browser.get(callback)

    assert response.status_code == 503, response.text
    assert problem_code(response) == "auth.oauth_unavailable"
    assert harness.audit.outcomes("auth.oauth_login") == [("failure", "auth.oauth_unavailable")]


async def test_a_failing_token_endpoint_answers_503(harness: Harness) -> None:
    harness.servers["linkedin"].token_endpoint_status = 500

    response = await harness.sign_in("linkedin", person("linkedin"))

    assert response.status_code == 503 and problem_code(response) == "auth.oauth_unavailable"


async def test_the_audit_trail_holds_no_secrets(harness: Harness) -> None:
    harness.servers["github"].login_as(person("github"))
    callback = await harness.to_callback("github")
    binding = harness.browser.cookies[LOOPBACK_COOKIE]
    assert (await harness.browser.get(callback)).status_code == 200
    await harness.browser.get(callback)  # a replay, audited as a failure

    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(callback).query))
    written = repr([(e.action, e.details) for e in harness.audit.entries])
    assert [e.outcome for e in harness.audit.entries] == ["success", "failure"]
    assert all(e.ip == "203.0.113.9" for e in harness.audit.entries)
    for secret in (query["code"], query["state"], binding):
        assert secret not in written
