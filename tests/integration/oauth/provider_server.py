"""Local authorization servers that behave like Google, GitHub and LinkedIn, built on authlib's
``AuthorizationServer`` (the same grant, PKCE and OpenID Connect code real deployments use).

One ``ProviderServer`` per provider style listens on 127.0.0.1 (a free port) in a background
thread (stdlib ``ThreadingHTTPServer``, HTTP/1.0: no connection outlives its request);
``stop()`` joins every thread and closes the socket.

What each one serves, after the provider's public documentation:

* ``google`` (issuer = base URL): ``/.well-known/openid-configuration``, ``/o/oauth2/v2/auth``,
  ``POST /token`` (client_secret_basic or _post), ``/oauth2/v3/certs`` (JWKS),
  ``/v1/userinfo``. RS256 ID tokens with ``azp``, ``at_hash``, ``email_verified`` (boolean),
  ``name``/``given_name``/``family_name``/``picture``.
* ``linkedin`` (issuer = base URL + ``/oauth``): discovery under the issuer,
  ``/oauth/v2/authorization``, ``POST /oauth/v2/accessToken`` (client_secret_post only; the
  discovery document does not list auth methods), ``/oauth/openid/jwks``, ``/v2/userinfo``
  (``email_verified`` boolean, ``locale`` an object); the ID token's ``email_verified`` is the
  string ``"true"``/``"false"``; scopes come back comma-separated.
* ``github`` (API under ``/api/v3``, like GitHub Enterprise): ``/login/oauth/authorize``,
  ``POST /login/oauth/access_token`` (form-encoded answer unless ``Accept: application/json``;
  errors answer 200 with an ``error`` field), ``GET /api/v3/user``, ``GET /api/v3/user/emails``
  (404 without the ``user:email`` scope). Redirect URIs follow GitHub's rule: same scheme, host
  and port as the registered callback, path equal to it or below it.

All of them, stricter than the real ones where it proves our client right: PKCE is required
and must be S256 (a missing or wrong verifier is refused), redirect URIs are checked at the
authorization endpoint and must be repeated identically at the token endpoint, codes work once
(a second use also revokes the tokens the first one got), clients must authenticate, OIDC
requests must carry a nonce, and a nonce works once.

Tests script the provider: ``login_as(ScriptedUser(...))`` picks who "signs in" at the
consent page (granted at once), ``id_token_fault`` corrupts the next ID tokens in one of
``FAULTS``, ``rotate_signing_key()`` switches to a new key (the JWKS lists both),
``token_endpoint_status`` makes the token endpoint fail with that status.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Literal

from authlib.common.security import generate_token
from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import (
    AuthorizationCodeMixin,
    ClientMixin,
    InvalidRequestError,
    OAuth2Error,
    OAuth2Payload,
    OAuth2Request,
    grants,
)
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core.grants import OpenIDCode
from joserfc import jwt
from joserfc.jwk import RSAKey

Style = Literal["google", "github", "linkedin"]
FAULTS = ("signature", "nonce", "aud", "iss", "expired", "alg_none", "hs256", "unknown_key", "at_hash", "azp")
CODE_LIFETIME = 600
ROGUE_KEY = 3  # index of a key no server publishes
_KEYS: list[RSAKey] = []
_KEYS_LOCK = threading.Lock()


def _key(index: int) -> RSAKey:
    """RSA keys are slow to make: a few per test session, shared by every server."""
    with _KEYS_LOCK:
        while len(_KEYS) <= index:
            n = len(_KEYS)
            _KEYS.append(RSAKey.generate_key(2048, parameters={"kid": f"test-key-{n}", "use": "sig", "alg": "RS256"}))
        return _KEYS[index]


@dataclasses.dataclass
class ScriptedUser:
    """Who signs in at the provider. GitHub subjects must be numeric (GitHub's user id)."""

    subject: str
    email: str | None
    email_verified: bool = True
    name: str = "Ada Lovelace"
    login: str = "ada"
    # GitHub: further addresses on the account, as (email, verified); the one above is primary.
    other_emails: tuple[tuple[str, bool], ...] = ()


@dataclasses.dataclass
class _Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    auth_methods: tuple[str, ...]
    scopes: tuple[str, ...]
    github_redirect_rule: bool = False

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return ""
        return " ".join(s for s in scope.replace(",", " ").split() if s in self.scopes)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        if not self.github_redirect_rule:
            return redirect_uri in self.redirect_uris  # exact string match
        asked = urllib.parse.urlsplit(redirect_uri)
        for registered in map(urllib.parse.urlsplit, self.redirect_uris):
            same_origin = (asked.scheme, asked.hostname, asked.port) == (
                registered.scheme,
                registered.hostname,
                registered.port,
            )
            base = registered.path.rstrip("/")
            if same_origin and (asked.path == registered.path or asked.path.startswith(base + "/")):
                return True
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(client_secret.encode(), self.client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in self.auth_methods

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclasses.dataclass
class _Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: ScriptedUser
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int
    expires_at: float
    used: bool = False
    access_tokens: list[str] = dataclasses.field(default_factory=list)

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


class _Payload(OAuth2Payload):
    def __init__(self, lists: dict[str, list[str]]) -> None:
        self._lists = defaultdict(list, lists)
        self._data = {k: v[0] for k, v in lists.items() if v}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._lists


class _Request(OAuth2Request):
    def __init__(self, method: str, uri: str, headers: Any, params: dict[str, list[str]]) -> None:
        super().__init__(method, uri, headers=headers)
        self.payload = _Payload(params)
        self._params = {k: v[0] for k, v in params.items() if v}

    @property
    def args(self) -> dict[str, str]:
        return self._params if self.method == "GET" else {}

    @property
    def form(self) -> dict[str, str]:
        return self._params if self.method == "POST" else {}


class _StrictPkce(CodeChallenge):
    """PKCE for every client (confidential ones too), S256 only."""

    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: missing 'code_challenge'")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256")
        super().validate_code_challenge(grant, redirect_uri)

    def get_authorization_code_challenge(self, authorization_code: _Code) -> str | None:
        return authorization_code.code_challenge

    def get_authorization_code_challenge_method(self, authorization_code: _Code) -> str | None:
        return authorization_code.code_challenge_method


class _CodeGrant(grants.AuthorizationCodeGrant):
    def save_authorization_code(self, code: str, request: _Request) -> None:
        fake: ProviderServer = self.server.fake
        data = request.payload.data
        fake.codes[code] = _Code(
            code=code,
            client_id=request.client.get_client_id(),
            redirect_uri=data.get("redirect_uri", ""),
            scope=request.scope,
            user=request.user,
            nonce=data.get("nonce"),
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
            auth_time=int(time.time()),
            expires_at=time.time() + CODE_LIFETIME,
        )
        if data.get("nonce"):
            fake.used_nonces.add(data["nonce"])

    def query_authorization_code(self, code: str, client: _Client) -> _Code | None:
        fake: ProviderServer = self.server.fake
        item = fake.codes.get(code)
        if item is None or item.client_id != client.get_client_id() or item.expires_at < time.time():
            return None
        if item.used:
            # RFC 6749 4.1.2: a code used twice revokes what it granted.
            for token in item.access_tokens:
                fake.access_tokens.pop(token, None)
            fake.revoked_by_replay += 1
            return None
        return item

    def delete_authorization_code(self, authorization_code: _Code) -> None:
        authorization_code.used = True
        authorization_code.access_tokens.append(self.request.access_token_issued)

    def authenticate_user(self, authorization_code: _Code) -> ScriptedUser:
        return authorization_code.user


class _OpenIDCode(OpenIDCode):
    def __init__(self, fake: ProviderServer) -> None:
        super().__init__(require_nonce=True)
        self.fake = fake

    def exists_nonce(self, nonce: str, request: Any) -> bool:
        return nonce in self.fake.used_nonces

    def resolve_client_private_key(self, client: _Client) -> RSAKey:
        return self.fake.signing_key

    def get_client_algorithm(self, client: _Client) -> str:
        return "RS256"

    def get_encode_header(self, client: _Client) -> dict[str, str]:
        return {"alg": "RS256", "kid": str(self.fake.signing_key.kid), "typ": "JWT"}

    def get_client_claims(self, client: _Client) -> dict[str, Any]:
        fault = self.fake.id_token_fault
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": "https://evil.example" if fault == "iss" else self.fake.issuer,
            "aud": "another-client" if fault == "aud" else client.get_client_id(),
            "iat": now - 7200 if fault == "expired" else now,
            "exp": now - 3600 if fault == "expired" else now + 3600,
        }
        if self.fake.style == "google":
            claims["azp"] = client.get_client_id()
        if fault == "azp":
            claims["aud"] = [client.get_client_id(), "another-client"]
            claims["azp"] = "another-client"
        return claims

    def get_authorization_code_claims(self, authorization_code: _Code) -> dict[str, Any]:
        claims: dict[str, Any] = super().get_authorization_code_claims(authorization_code)
        if self.fake.id_token_fault == "nonce":
            claims["nonce"] = "not-the-nonce-you-sent"
        return claims

    def generate_user_info(self, user: ScriptedUser, scope: str) -> dict[str, Any]:
        info = self.fake.profile(user, scope, id_token=True)
        if self.fake.id_token_fault == "at_hash":
            info["at_hash"] = "AAAAAAAAAAAAAAAAAAAAAA"
        return info

    def encode_id_token(self, token: dict[str, Any], request: Any) -> str:
        encoded: str = super().encode_id_token(token, request)
        return self.fake.corrupt(encoded)


class _Authlib(AuthorizationServer):
    def __init__(self, fake: ProviderServer) -> None:
        super().__init__()
        self.fake = fake
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                access_token_generator=lambda **_: generate_token(40),
                expires_generator=lambda client, grant_type: fake.token_lifetime,
            ),
        )

    def query_client(self, client_id: str) -> _Client | None:
        return self.fake.client if client_id == self.fake.client.client_id else None

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        self.fake.access_tokens[token["access_token"]] = (request.user, token.get("scope", ""))
        request.access_token_issued = token["access_token"]

    def create_oauth2_request(self, request: Any) -> Any:
        return request

    def create_json_request(self, request: Any) -> Any:
        raise NotImplementedError

    def handle_response(self, status: int, body: Any, headers: Any) -> tuple[int, Any, list[tuple[str, str]]]:
        return status, body, list(headers or [])

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None


class ProviderServer:
    def __init__(
        self,
        style: Style,
        *,
        redirect_uris: list[str],
        client_id: str | None = None,
        client_secret: str | None = None,
    ) -> None:
        self.style = style
        self.client_id = client_id or f"lyceum-{style}-client"
        self.client_secret = client_secret or generate_token(32)
        self.client = _Client(
            self.client_id,
            self.client_secret,
            list(redirect_uris),
            auth_methods={"google": ("client_secret_basic", "client_secret_post")}.get(style, ("client_secret_post",)),
            scopes=("read:user", "user:email") if style == "github" else ("openid", "email", "profile"),
            github_redirect_rule=style == "github",
        )
        self.codes: dict[str, _Code] = {}
        self.access_tokens: dict[str, tuple[ScriptedUser, str]] = {}
        self.used_nonces: set[str] = set()
        self.revoked_by_replay = 0
        self.user: ScriptedUser | None = None
        self.id_token_fault: str | None = None
        self.token_endpoint_status: int | None = None
        self.token_lifetime = 3599
        self.keys = [_key(0)]
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._lock = threading.Lock()
        self._server = _Authlib(self)
        extensions: list[Any] = [_StrictPkce()]
        if style != "github":
            extensions.append(_OpenIDCode(self))
        self._server.register_grant(_CodeGrant, extensions)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> ProviderServer:
        fake = self

        class Handler(_Handler):
            provider = fake

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        httpd.daemon_threads = False  # server_close() joins request threads
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> ProviderServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "start() the server first"
        port = self._httpd.server_address[1]
        return f"http://127.0.0.1:{port}"

    @property
    def issuer(self) -> str:
        return self.base_url + "/oauth" if self.style == "linkedin" else self.base_url

    @property
    def api_url(self) -> str:
        return self.base_url + "/api/v3"

    # -- scripting -------------------------------------------------------------------------------

    def login_as(self, user: ScriptedUser | None) -> None:
        self.user = user

    @property
    def signing_key(self) -> RSAKey:
        return self.keys[-1]

    def rotate_signing_key(self) -> None:
        assert len(self.keys) < ROGUE_KEY
        self.keys.append(_key(len(self.keys)))

    def requests_to(self, path: str) -> list[dict[str, str]]:
        return [params for _, p, params in self.requests if p == path]

    # -- what the provider says about a user -----------------------------------------------------

    def profile(self, user: ScriptedUser, scope: str, *, id_token: bool) -> dict[str, Any]:
        given, _, family = user.name.partition(" ")
        info: dict[str, Any] = {"sub": user.subject}
        if "profile" in scope.split():
            info.update(
                name=user.name, given_name=given, family_name=family, picture=f"{self.base_url}/p/{user.subject}"
            )
        if "email" in scope.split() and user.email is not None:
            info["email"] = user.email
            verified: Any = user.email_verified
            if self.style == "linkedin" and id_token:
                verified = "true" if user.email_verified else "false"
            info["email_verified"] = verified
        if self.style == "linkedin":
            info["locale"] = "en-US" if id_token else {"country": "US", "language": "en"}
        return info

    def corrupt(self, token: str) -> str:
        fault = self.id_token_fault
        header, payload, signature = token.split(".")
        if fault == "signature":
            raw = bytearray(_b64decode(signature))
            raw[len(raw) // 2] ^= 0x01
            return f"{header}.{payload}.{_b64encode(bytes(raw))}"
        if fault == "alg_none":
            return f"{_b64encode(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{payload}."
        if fault == "hs256":
            # HS256 keyed with the public key: the classic algorithm-confusion forgery.
            public_pem = self.signing_key.as_pem(private=False)
            head = _b64encode(json.dumps({"alg": "HS256", "kid": self.signing_key.kid, "typ": "JWT"}).encode())
            mac = hmac.new(public_pem, f"{head}.{payload}".encode(), hashlib.sha256).digest()
            return f"{head}.{payload}.{_b64encode(mac)}"
        if fault == "unknown_key":
            rogue = _key(ROGUE_KEY)  # never listed in any JWKS
            claims = json.loads(_b64decode(payload))
            return jwt.encode({"alg": "RS256", "kid": rogue.kid, "typ": "JWT"}, claims, rogue, ["RS256"])
        return token

    # -- endpoints -------------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: Any, params: dict[str, list[str]]) -> _Answer:
        flat = {k: v[0] for k, v in params.items() if v}
        self.requests.append((method, path, {k: v for k, v in flat.items() if k != "client_secret"}))
        routes = self._routes()
        handler = routes.get((method, path))
        if handler is None:
            return _Answer.json(404, {"error": "not_found", "message": "Not Found"})
        answer: _Answer = handler(method, path, headers, params)
        return answer

    def _routes(self) -> dict[tuple[str, str], Any]:
        if self.style == "google":
            return {
                ("GET", "/.well-known/openid-configuration"): self._discovery,
                ("GET", "/o/oauth2/v2/auth"): self._authorize,
                ("POST", "/token"): self._token,
                ("GET", "/oauth2/v3/certs"): self._jwks,
                ("GET", "/v1/userinfo"): self._userinfo,
            }
        if self.style == "linkedin":
            return {
                ("GET", "/oauth/.well-known/openid-configuration"): self._discovery,
                ("GET", "/oauth/v2/authorization"): self._authorize,
                ("POST", "/oauth/v2/accessToken"): self._token,
                ("GET", "/oauth/openid/jwks"): self._jwks,
                ("GET", "/v2/userinfo"): self._userinfo,
            }
        return {
            ("GET", "/login/oauth/authorize"): self._authorize,
            ("POST", "/login/oauth/access_token"): self._token,
            ("GET", "/api/v3/user"): self._github_user,
            ("GET", "/api/v3/user/emails"): self._github_emails,
        }

    def _discovery(self, *_: Any) -> _Answer:
        base = self.base_url
        if self.style == "google":
            return _Answer.json(
                200,
                {
                    "issuer": self.issuer,
                    "authorization_endpoint": f"{base}/o/oauth2/v2/auth",
                    "device_authorization_endpoint": f"{base}/device/code",
                    "token_endpoint": f"{base}/token",
                    "userinfo_endpoint": f"{base}/v1/userinfo",
                    "revocation_endpoint": f"{base}/revoke",
                    "jwks_uri": f"{base}/oauth2/v3/certs",
                    "response_types_supported": ["code", "token", "id_token", "code token", "code id_token", "none"],
                    "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "scopes_supported": ["openid", "email", "profile"],
                    "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
                    "claims_supported": [
                        "aud",
                        "email",
                        "email_verified",
                        "exp",
                        "family_name",
                        "given_name",
                        "iat",
                        "iss",
                        "name",
                        "picture",
                        "sub",
                    ],
                    "code_challenge_methods_supported": ["plain", "S256"],
                    "grant_types_supported": ["authorization_code", "refresh_token"],
                },
            )
        return _Answer.json(
            200,
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/v2/authorization",
                "token_endpoint": f"{self.issuer}/v2/accessToken",
                "userinfo_endpoint": f"{base}/v2/userinfo",
                "jwks_uri": f"{self.issuer}/openid/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "profile", "email"],
                "claims_supported": [
                    "iss",
                    "aud",
                    "iat",
                    "exp",
                    "sub",
                    "name",
                    "given_name",
                    "family_name",
                    "picture",
                    "email",
                    "email_verified",
                    "locale",
                ],
            },
        )

    def _jwks(self, *_: Any) -> _Answer:
        return _Answer.json(200, {"keys": [key.as_dict(private=False) for key in self.keys]})

    def _authorize(self, method: str, path: str, headers: Any, params: dict[str, list[str]]) -> _Answer:
        request = _Request(method, self.base_url + path, headers, params)
        try:
            grant = self._server.get_authorization_grant(request)
        except OAuth2Error as error:
            return _Answer.from_authlib(*self._server.handle_error_response(request, error))
        if self.user is None:
            return _Answer(200, b"<html><body>Sign in</body></html>", [("Content-Type", "text/html")])
        # The user is signed in and consents at once. An invalid client or redirect URI gets an
        # error page (400) and never a redirect; other errors go back to the client's redirect URI.
        return _Answer.from_authlib(
            *self._server.create_authorization_response(request, grant_user=self.user, grant=grant)
        )

    def _token(self, method: str, path: str, headers: Any, params: dict[str, list[str]]) -> _Answer:
        if self.token_endpoint_status is not None:
            return _Answer.json(self.token_endpoint_status, {"error": "server_error"})
        request = _Request(method, self.base_url + path, headers, params)
        status, body, answer_headers = self._server.create_token_response(request)
        if self.style == "linkedin" and status == 200:
            body["scope"] = ",".join(str(body.get("scope", "")).split())
        if self.style != "github":
            return _Answer.json(status, body, answer_headers)
        return self._github_token_answer(status, body, headers)

    def _github_token_answer(self, status: int, body: dict[str, Any], headers: Any) -> _Answer:
        if status == 200:
            body = {"access_token": body["access_token"], "token_type": "bearer", "scope": body.get("scope", "")}
            body["scope"] = ",".join(body["scope"].split())
        else:
            description = str(body.get("error_description", ""))
            error = {
                "invalid_client": "incorrect_client_credentials",
                "invalid_grant": "redirect_uri_mismatch" if "redirect_uri" in description else "bad_verification_code",
            }.get(str(body.get("error")), str(body.get("error")))
            body = {"error": error, "error_description": description, "error_uri": "https://docs.github.com/apps"}
        # GitHub answers 200 even for errors, form-encoded unless JSON is asked for.
        if "application/json" in (headers.get("Accept") or ""):
            return _Answer.json(200, body)
        encoded = urllib.parse.urlencode(body).encode()
        return _Answer(200, encoded, [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")])

    def _bearer(self, headers: Any) -> tuple[ScriptedUser, str] | None:
        scheme, _, value = (headers.get("Authorization") or "").partition(" ")
        if scheme.lower() not in ("bearer", "token"):
            return None
        return self.access_tokens.get(value.strip())

    def _userinfo(self, method: str, path: str, headers: Any, params: dict[str, list[str]]) -> _Answer:
        grant = self._bearer(headers)
        if grant is None:
            return _Answer.json(401, {"error": "invalid_token"}, [("WWW-Authenticate", 'Bearer error="invalid_token"')])
        user, scope = grant
        return _Answer.json(200, self.profile(user, scope.replace(",", " "), id_token=False))

    def _github_user(self, method: str, path: str, headers: Any, params: dict[str, list[str]]) -> _Answer:
        grant = self._bearer(headers)
        if grant is None:
            return _Answer.json(
                401, {"message": "Requires authentication", "documentation_url": "https://docs.github.com"}
            )
        user, _ = grant
        public_email = user.email if user.email_verified else None
        return _Answer.json(
            200,
            {
                "login": user.login,
                "id": int(user.subject),
                "node_id": "U_" + base64.b64encode(user.subject.encode()).decode(),
                "avatar_url": f"{self.base_url}/avatars/{user.subject}",
                "type": "User",
                "site_admin": False,
                "name": user.name or None,
                "email": public_email,
            },
        )

    def _github_emails(self, method: str, path: str, headers: Any, params: dict[str, list[str]]) -> _Answer:
        grant = self._bearer(headers)
        if grant is None:
            return _Answer.json(
                401, {"message": "Requires authentication", "documentation_url": "https://docs.github.com"}
            )
        user, scope = grant
        if "user:email" not in scope.replace(",", " ").split():
            return _Answer.json(404, {"message": "Not Found", "documentation_url": "https://docs.github.com"})
        emails = []
        if user.email is not None:
            emails.append(
                {"email": user.email, "primary": True, "verified": user.email_verified, "visibility": "private"}
            )
        emails += [{"email": e, "primary": False, "verified": v, "visibility": None} for e, v in user.other_emails]
        return _Answer.json(200, emails)


@dataclasses.dataclass
class _Answer:
    status: int
    body: bytes
    headers: list[tuple[str, str]]

    @classmethod
    def json(cls, status: int, payload: Any, headers: list[tuple[str, str]] | None = None) -> _Answer:
        kept = [(k, v) for k, v in (headers or []) if k.lower() != "content-type"]
        return cls(status, json.dumps(payload).encode(), [("Content-Type", "application/json"), *kept])

    @classmethod
    def from_authlib(cls, status: int, body: Any, headers: list[tuple[str, str]]) -> _Answer:
        if isinstance(body, dict):
            return cls.json(status, body, headers)
        return cls(status, str(body or "").encode(), list(headers))


class _Handler(BaseHTTPRequestHandler):
    provider: ClassVar[ProviderServer]
    protocol_version = "HTTP/1.0"
    timeout = 5  # a client that never sends its request cannot hold a thread for long

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def _dispatch(self, method: str) -> None:
        url = urllib.parse.urlsplit(self.path)
        params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if method == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            form = self.rfile.read(length).decode() if length else ""
            params = urllib.parse.parse_qs(form, keep_blank_values=True)
        with self.provider._lock:
            answer = self.provider.handle(method, url.path, self.headers, params)
        self.send_response(answer.status)
        for name, value in answer.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
