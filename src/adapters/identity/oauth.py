"""External identity providers over OAuth 2.0 / OpenID Connect, with authlib and PyJWT.

Every provider uses the authorization code grant with PKCE (RFC 7636, ``S256`` only) and a
fresh ``state`` per sign-in; OIDC providers also send a ``nonce``. The protocol pieces come from
authlib (random values, the S256 challenge, the authorization URL, the ``at_hash`` rule); ID
tokens are verified with PyJWT. All HTTP goes through the shared ``OutboundHttpClient``
(timeouts, retries where safe, a circuit breaker per host).

* ``GoogleProvider`` and ``LinkedInProvider`` are OpenID Connect relying parties. Discovery
  (``<issuer>/.well-known/openid-configuration``) gives the token, JWKS and userinfo endpoints;
  its ``issuer`` must equal the configured one (OIDC Discovery 4.3). The ID token must be signed
  with an asymmetric algorithm the provider advertises, by a key of its JWKS (cached; fetched
  again when a token names an unknown ``kid``: key rotation), and carry the configured
  issuer, our client id as audience (``azp`` too when there are several), a live ``exp``,
  ``iat`` not in the future, the nonce we sent and, when present, a matching ``at_hash``.
  Google may write ``iss`` without the scheme (``accounts.google.com``), which is accepted for
  Google's real issuer only. LinkedIn's profile (email, ``email_verified``) is read from its
  userinfo endpoint, whose ``sub`` must match the ID token's.
* ``GitHubProvider`` is plain OAuth 2.0: ``<base>/login/oauth/access_token`` (JSON via
  ``Accept``; GitHub reports errors with status 200 and an ``error`` field), then ``<api>/user``
  for the stable numeric id and ``<api>/user/emails`` for the primary email and whether GitHub
  verified it.

The authorization endpoint is the provider's documented one (the port's
``authorization_request`` is synchronous, so it cannot wait for discovery): Google
``<issuer>/o/oauth2/v2/auth``, LinkedIn ``<issuer>/v2/authorization``; both constructors accept
another.

Errors: anything the provider says about this sign-in (bad or used code, PKCE or redirect
mismatch, bad ID token, revoked token) raises ``Unauthenticated("auth.oauth_failed")``; an
unreachable, timing-out or failing (5xx) provider raises ``Unavailable("auth.oauth_unavailable")``.
"""

from __future__ import annotations

import base64
import hmac
import logging
import re
import time
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any, Literal, Protocol

import httpx
import jwt
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core.util import create_half_hash

from adapters.http_client import OutboundHttpClient
from core.shared.errors import ProviderUnavailable, Unauthenticated, Unavailable
from ports.identity.oauth import AuthorizationRequest, OAuthIdentity, OAuthProvider

log = logging.getLogger("lyceum.oauth")

STATE_LENGTH = 43  # 62-letter alphabet: ~256 bits
NONCE_LENGTH = 43
CODE_VERIFIER_LENGTH = 64  # RFC 7636: 43..128 unreserved characters
METADATA_TTL = 3600.0
JWKS_TTL = 3600.0
CLOCK_SKEW_SECONDS = 60
# Asymmetric only: an "HS256" token would be checked against a public key, "none" against nothing.
ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
GOOGLE_ISSUER = "https://accounts.google.com"
_SAFE_ERROR = re.compile(r"[^A-Za-z0-9_.:-]")

ClientAuth = Literal["client_secret_basic", "client_secret_post"]


def _failed(provider: str, reason: str, message: str = "the sign-in with the provider failed") -> Unauthenticated:
    log.warning("oauth sign-in failed", extra={"provider": provider, "reason": reason})
    return Unauthenticated("auth.oauth_failed", message, {"provider": provider, "reason": reason})


def _unavailable(provider: str, reason: str) -> Unavailable:
    log.warning("oauth provider unavailable", extra={"provider": provider, "reason": reason})
    return Unavailable(
        "auth.oauth_unavailable",
        "the sign-in provider cannot be reached right now; try again later",
        {"provider": provider},
    )


def _error_name(payload: Any) -> str:
    error = payload.get("error") if isinstance(payload, dict) else None
    return _SAFE_ERROR.sub("", str(error))[:60] if error else "error"


def _truthy(value: Any) -> bool:
    """``email_verified`` is a JSON boolean, but some providers send the string "true"."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


class _OAuth2Client:
    """What every provider shares: the authorization URL with PKCE, the code exchange and
    JSON reads with the access token."""

    name: str = ""
    scopes: tuple[str, ...] = ()
    oidc: bool = False

    def __init__(
        self, *, client_id: str, client_secret: str, http: OutboundHttpClient, authorization_endpoint: str
    ) -> None:
        if not client_id or not client_secret:
            raise ValueError(f"{self.name}: client id and secret are required")
        self._client_id = client_id
        self._client_secret = client_secret
        self._http = http
        self._authorization_endpoint = authorization_endpoint

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._authorization_endpoint})"

    def extra_authorization_params(self) -> dict[str, str]:
        return {}

    def authorization_request(self, *, redirect_uri: str) -> AuthorizationRequest:
        state = generate_token(STATE_LENGTH)
        code_verifier = generate_token(CODE_VERIFIER_LENGTH)
        nonce = generate_token(NONCE_LENGTH) if self.oidc else None
        params: dict[str, str] = {
            "code_challenge": create_s256_code_challenge(code_verifier),
            "code_challenge_method": "S256",
            **self.extra_authorization_params(),
        }
        if nonce is not None:
            params["nonce"] = nonce
        url = prepare_grant_uri(
            self._authorization_endpoint,
            self._client_id,
            "code",
            redirect_uri=redirect_uri,
            scope=" ".join(self.scopes),
            state=state,
            **params,
        )
        return AuthorizationRequest(url=url, state=state, nonce=nonce, code_verifier=code_verifier)

    # -- HTTP ----------------------------------------------------------------------------------

    async def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self._http.request(method, url, **kwargs)
        except ProviderUnavailable as exc:
            raise _unavailable(self.name, str(exc.details.get("reason", "unreachable"))) from exc

    async def _exchange_code(
        self, token_endpoint: str, *, code: str, redirect_uri: str, code_verifier: str, auth: ClientAuth
    ) -> dict[str, Any]:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        }
        headers = {"Accept": "application/json"}
        if auth == "client_secret_basic":
            # RFC 6749 2.3.1: each part form-urlencoded before Basic encoding.
            pair = f"{urllib.parse.quote_plus(self._client_id)}:{urllib.parse.quote_plus(self._client_secret)}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
        else:
            form["client_id"] = self._client_id
            form["client_secret"] = self._client_secret
        response = await self._request("POST", token_endpoint, data=form, headers=headers)
        if response.status_code >= 500:
            raise _unavailable(self.name, f"token endpoint answered {response.status_code}")
        payload = _json(response)
        if response.status_code != 200 or not isinstance(payload, dict) or "error" in payload:
            raise _failed(self.name, f"token_{_error_name(payload)}")
        access_token = payload.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise _failed(self.name, "token_response_without_access_token")
        if str(payload.get("token_type", "")).lower() != "bearer":
            raise _failed(self.name, "token_type_not_bearer")
        return payload

    async def _get_json(self, url: str, access_token: str, *, accept: str = "application/json") -> Any:
        response = await self._request(
            "GET", url, headers={"Authorization": f"Bearer {access_token}", "Accept": accept}
        )
        if response.status_code >= 500:
            raise _unavailable(self.name, f"{urllib.parse.urlsplit(url).path} answered {response.status_code}")
        if response.status_code != 200:
            raise _failed(self.name, f"api_status_{response.status_code}")
        payload = _json(response)
        if payload is None:
            raise _failed(self.name, "api_not_json")
        return payload


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


class OpenIDConnectProvider(_OAuth2Client):
    oidc = True
    scopes = ("openid", "email", "profile")

    def __init__(
        self,
        *,
        name: str,
        issuer: str,
        client_id: str,
        client_secret: str,
        http: OutboundHttpClient,
        authorization_endpoint: str,
        profile_from_userinfo: bool = False,
        accepted_issuers: tuple[str, ...] = (),
        client_auth: ClientAuth | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        super().__init__(
            client_id=client_id, client_secret=client_secret, http=http, authorization_endpoint=authorization_endpoint
        )
        self._issuer = issuer.rstrip("/")
        self._accepted_issuers = (self._issuer, *accepted_issuers)
        self._profile_from_userinfo = profile_from_userinfo
        self._client_auth = client_auth
        self._clock = clock
        self._monotonic = monotonic
        self._metadata: dict[str, Any] | None = None
        self._metadata_expires = 0.0
        self._jwks: jwt.PyJWKSet | None = None
        self._jwks_expires = 0.0
        self._declared_algorithms: dict[str | None, str | None] = {}

    async def identity(self, *, code: str, redirect_uri: str, code_verifier: str, nonce: str | None) -> OAuthIdentity:
        if not nonce:
            raise _failed(self.name, "no_nonce_for_oidc")
        metadata = await self._discovery()
        token = await self._exchange_code(
            metadata["token_endpoint"],
            code=code,
            redirect_uri=redirect_uri,
            code_verifier=code_verifier,
            auth=self._client_auth or _client_auth(metadata),
        )
        claims = await self._verify_id_token(
            token.get("id_token"), metadata, nonce=nonce, access_token=token["access_token"]
        )
        profile: Mapping[str, Any] = claims
        if self._profile_from_userinfo:
            endpoint = metadata.get("userinfo_endpoint")
            if not isinstance(endpoint, str):
                raise _unavailable(self.name, "no userinfo endpoint in discovery")
            userinfo = await self._get_json(endpoint, token["access_token"])
            if not isinstance(userinfo, dict) or userinfo.get("sub") != claims["sub"]:
                raise _failed(self.name, "userinfo_subject_mismatch")
            profile = {**claims, **userinfo}
        email = profile.get("email")
        name = profile.get("name") or " ".join(str(profile[k]) for k in ("given_name", "family_name") if profile.get(k))
        return OAuthIdentity(
            provider=self.name,
            subject=str(claims["sub"]),
            email=email if isinstance(email, str) and email else None,
            email_verified=bool(email) and _truthy(profile.get("email_verified")),
            name=str(name or ""),
        )

    # -- discovery and keys ----------------------------------------------------------------

    async def _discovery(self) -> dict[str, Any]:
        if self._metadata is not None and self._monotonic() < self._metadata_expires:
            return self._metadata
        url = f"{self._issuer}/.well-known/openid-configuration"
        response = await self._request("GET", url, headers={"Accept": "application/json"})
        metadata = _json(response) if response.status_code == 200 else None
        if not isinstance(metadata, dict):
            raise _unavailable(self.name, f"discovery answered {response.status_code}")
        if metadata.get("issuer") != self._issuer:
            # OIDC Discovery 4.3: a document for another issuer must not be used.
            raise _unavailable(self.name, "discovery issuer mismatch")
        for key in ("token_endpoint", "jwks_uri"):
            if not isinstance(metadata.get(key), str):
                raise _unavailable(self.name, f"discovery without {key}")
        self._metadata, self._metadata_expires = metadata, self._monotonic() + METADATA_TTL
        return metadata

    async def _key_set(self, metadata: Mapping[str, Any], *, refresh: bool = False) -> jwt.PyJWKSet:
        now = self._monotonic()
        if self._jwks is not None and now < self._jwks_expires and not refresh:
            return self._jwks
        response = await self._request("GET", metadata["jwks_uri"], headers={"Accept": "application/json"})
        payload = _json(response) if response.status_code == 200 else None
        if not isinstance(payload, dict):
            raise _unavailable(self.name, f"jwks answered {response.status_code}")
        try:
            key_set = jwt.PyJWKSet.from_dict(payload)
        except jwt.PyJWTError as exc:
            raise _unavailable(self.name, "jwks without usable keys") from exc
        self._declared_algorithms = {k.get("kid"): k.get("alg") for k in payload.get("keys", []) if isinstance(k, dict)}
        self._jwks, self._jwks_expires = key_set, now + JWKS_TTL
        return key_set

    async def _signing_key(self, metadata: Mapping[str, Any], kid: str | None) -> jwt.PyJWK:
        for refresh in (False, True):
            keys = [
                k for k in (await self._key_set(metadata, refresh=refresh)).keys if k.public_key_use in (None, "sig")
            ]
            if kid is None and len(keys) == 1:
                return keys[0]
            match = next((k for k in keys if k.key_id == kid), None) if kid is not None else None
            if match is not None:
                return match
        raise _failed(self.name, "id_token_unknown_key")

    async def _verify_id_token(
        self, id_token: Any, metadata: Mapping[str, Any], *, nonce: str, access_token: str
    ) -> dict[str, Any]:
        if not isinstance(id_token, str) or not id_token:
            raise _failed(self.name, "no_id_token")
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError as exc:
            raise _failed(self.name, "id_token_malformed") from exc
        algorithm = header.get("alg")
        advertised = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        if algorithm not in ASYMMETRIC_ALGORITHMS or algorithm not in advertised:
            raise _failed(self.name, "id_token_algorithm_refused")
        key = await self._signing_key(metadata, header.get("kid"))
        declared = self._declared_algorithms.get(key.key_id)
        if declared is not None and declared != algorithm:
            raise _failed(self.name, "id_token_algorithm_mismatch")
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key=key.key,
                algorithms=[algorithm],
                audience=self._client_id,
                issuer=self._accepted_issuers,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["iss", "sub", "aud", "exp", "iat"], "verify_iat": True},
            )
        except jwt.InvalidSignatureError as exc:
            raise _failed(self.name, "id_token_signature") from exc
        except jwt.ExpiredSignatureError as exc:
            raise _failed(self.name, "id_token_expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise _failed(self.name, "id_token_audience") from exc
        except jwt.InvalidIssuerError as exc:
            raise _failed(self.name, "id_token_issuer") from exc
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise _failed(self.name, f"id_token_invalid_{type(exc).__name__}") from exc
        if claims["iat"] > self._clock() + CLOCK_SKEW_SECONDS:
            raise _failed(self.name, "id_token_issued_in_future")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise _failed(self.name, "id_token_without_subject")
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        azp = claims.get("azp")
        if (len(audiences) > 1 or azp is not None) and azp != self._client_id:
            raise _failed(self.name, "id_token_authorized_party")
        if not hmac.compare_digest(str(claims.get("nonce", "")).encode(), nonce.encode()):
            raise _failed(self.name, "id_token_nonce")
        at_hash = claims.get("at_hash")
        if at_hash is not None:
            expected = create_half_hash(access_token, algorithm)
            if expected is None or not hmac.compare_digest(expected.decode().rstrip("="), str(at_hash).rstrip("=")):
                raise _failed(self.name, "id_token_at_hash")
        return claims


def _client_auth(metadata: Mapping[str, Any]) -> ClientAuth:
    # OIDC Discovery: the default when the field is absent is client_secret_basic.
    methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    return "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"


class GoogleProvider(OpenIDConnectProvider):
    """Google Identity (OpenID Connect); ``email_verified`` comes from the signed ID token."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        http: OutboundHttpClient,
        issuer: str = GOOGLE_ISSUER,
        authorization_endpoint: str | None = None,
        **kwargs: Any,
    ) -> None:
        issuer = issuer.rstrip("/")
        super().__init__(
            name="google",
            issuer=issuer,
            client_id=client_id,
            client_secret=client_secret,
            http=http,
            authorization_endpoint=authorization_endpoint or f"{issuer}/o/oauth2/v2/auth",
            accepted_issuers=("accounts.google.com",) if issuer == GOOGLE_ISSUER else (),
            **kwargs,
        )

    def extra_authorization_params(self) -> dict[str, str]:
        return {"prompt": "select_account"}


class LinkedInProvider(OpenIDConnectProvider):
    """Sign In with LinkedIn using OpenID Connect; the profile is read from userinfo."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        http: OutboundHttpClient,
        issuer: str = "https://www.linkedin.com/oauth",
        authorization_endpoint: str | None = None,
        **kwargs: Any,
    ) -> None:
        issuer = issuer.rstrip("/")
        super().__init__(
            name="linkedin",
            issuer=issuer,
            client_id=client_id,
            client_secret=client_secret,
            http=http,
            authorization_endpoint=authorization_endpoint or f"{issuer}/v2/authorization",
            profile_from_userinfo=True,
            client_auth="client_secret_post",  # LinkedIn documents credentials in the form body
            **kwargs,
        )


class GitHubProvider(_OAuth2Client):
    """GitHub OAuth app (not OIDC): the subject is the numeric user id, which never changes."""

    name = "github"
    scopes = ("read:user", "user:email")

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        http: OutboundHttpClient,
        base_url: str = "https://github.com",
        api_url: str = "https://api.github.com",
    ) -> None:
        base = base_url.rstrip("/")
        super().__init__(
            client_id=client_id,
            client_secret=client_secret,
            http=http,
            authorization_endpoint=f"{base}/login/oauth/authorize",
        )
        self._token_endpoint = f"{base}/login/oauth/access_token"
        self._api = api_url.rstrip("/")

    def extra_authorization_params(self) -> dict[str, str]:
        return {"allow_signup": "true"}

    async def identity(self, *, code: str, redirect_uri: str, code_verifier: str, nonce: str | None) -> OAuthIdentity:
        token = await self._exchange_code(
            self._token_endpoint,
            code=code,
            redirect_uri=redirect_uri,
            code_verifier=code_verifier,
            auth="client_secret_post",
        )
        access_token = token["access_token"]
        accept = "application/vnd.github+json"
        user = await self._get_json(f"{self._api}/user", access_token, accept=accept)
        user_id = user.get("id") if isinstance(user, dict) else None
        if not isinstance(user_id, int) or isinstance(user_id, bool):
            raise _failed(self.name, "user_without_id")
        emails = await self._get_json(f"{self._api}/user/emails", access_token, accept=accept)
        email, verified = _github_email(emails)
        if email is None and isinstance(user.get("email"), str):
            email, verified = user["email"], False  # the public profile email proves nothing
        return OAuthIdentity(
            provider=self.name,
            subject=str(user_id),
            email=email,
            email_verified=verified,
            name=str(user.get("name") or user.get("login") or ""),
        )


def _github_email(emails: Any) -> tuple[str | None, bool]:
    """The primary address if GitHub verified it, else another verified one, else the
    (unverified) primary."""
    entries = (
        [e for e in emails if isinstance(e, dict) and isinstance(e.get("email"), str)]
        if isinstance(emails, list)
        else []
    )
    primary = next((e for e in entries if e.get("primary") is True), None)
    if primary is not None and primary.get("verified") is True:
        return primary["email"], True
    other = next((e for e in entries if e.get("verified") is True), None)
    if other is not None:
        return other["email"], True
    return (primary["email"], False) if primary is not None else (None, False)


class OAuthSettings(Protocol):
    """The settings ``make_oauth_providers`` reads (``entrypoints.bootstrap.settings.Settings``)."""

    @property
    def oauth_google_client_id(self) -> str | None: ...
    @property
    def oauth_google_client_secret(self) -> str | None: ...
    @property
    def oauth_google_issuer(self) -> str: ...
    @property
    def oauth_github_client_id(self) -> str | None: ...
    @property
    def oauth_github_client_secret(self) -> str | None: ...
    @property
    def oauth_github_base_url(self) -> str: ...
    @property
    def oauth_github_api_url(self) -> str: ...
    @property
    def oauth_linkedin_client_id(self) -> str | None: ...
    @property
    def oauth_linkedin_client_secret(self) -> str | None: ...
    @property
    def oauth_linkedin_issuer(self) -> str: ...


def make_oauth_providers(settings: OAuthSettings, http: OutboundHttpClient) -> dict[str, OAuthProvider]:
    """The providers with a client id configured, by name (the ``{provider}`` of the routes)."""
    providers: dict[str, OAuthProvider] = {}
    if settings.oauth_google_client_id and settings.oauth_google_client_secret:
        providers["google"] = GoogleProvider(
            client_id=settings.oauth_google_client_id,
            client_secret=settings.oauth_google_client_secret,
            http=http,
            issuer=settings.oauth_google_issuer,
        )
    if settings.oauth_github_client_id and settings.oauth_github_client_secret:
        providers["github"] = GitHubProvider(
            client_id=settings.oauth_github_client_id,
            client_secret=settings.oauth_github_client_secret,
            http=http,
            base_url=settings.oauth_github_base_url,
            api_url=settings.oauth_github_api_url,
        )
    if settings.oauth_linkedin_client_id and settings.oauth_linkedin_client_secret:
        providers["linkedin"] = LinkedInProvider(
            client_id=settings.oauth_linkedin_client_id,
            client_secret=settings.oauth_linkedin_client_secret,
            http=http,
            issuer=settings.oauth_linkedin_issuer,
        )
    return providers
