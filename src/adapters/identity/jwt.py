"""Access tokens: JWTs signed with Ed25519 (PyJWT), rotatable keys named by ``kid``.

One algorithm is allowed, EdDSA, checked twice: in the header before any key is chosen and by
PyJWT's allowlist. The ``kid`` picks the verifying key from the ring, so tokens signed with a
retired key verify for as long as that key stays configured; the first key signs. Times are
checked against the ``now`` the caller passes (the clock port), not the system clock.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import datetime as dt
import hashlib
import json
import os
import secrets
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import jwt
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from core.shared.errors import Unauthenticated
from ports.identity.security import AccessClaims

ALGORITHM = "EdDSA"
TOKEN_TYPE = "at+jwt"  # noqa: S105 - RFC 9068: an access token cannot pass for another kind of JWT
DEFAULT_KEY_FILE = "jwt-ed25519.pem"
REQUIRED_CLAIMS = ("sub", "role", "sid", "iat", "nbf", "exp", "iss", "aud", "jti")

SigningKeys = list[tuple[str, Ed25519PrivateKey]]


# Verified tokens remembered per process (about 4 MB at most); longer strings are checked each time.
REMEMBERED_TOKENS = 8192
MAX_REMEMBERED_TOKEN_LENGTH = 512


class JwtAccessTokens:
    """ports.identity.security.AccessTokens."""

    def __init__(
        self,
        keys: Sequence[tuple[str, Ed25519PrivateKey]],
        issuer: str,
        audience: str,
        lifetime_seconds: int,
        *,
        leeway_seconds: int = 30,
    ) -> None:
        if not keys:
            raise ValueError("at least one signing key is needed")
        kids = [kid for kid, _ in keys]
        if len(set(kids)) != len(kids) or not all(kids):
            raise ValueError("every signing key needs its own non-empty kid")
        if lifetime_seconds <= 0:
            raise ValueError("the token lifetime must be positive")
        self._signing_kid, self._signing_key = keys[0]
        self._verifying = {kid: key.public_key() for kid, key in keys}
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds  # clock skew between servers, for nbf and iat only
        self.lifetime_seconds = lifetime_seconds
        # Tokens whose signature, header and audience already checked out, with their claims:
        # a client sends the same token with every request for its whole lifetime, and the
        # signature check is most of an authenticated request's cost. Only genuine tokens get
        # in (forged ones never pass the check), times are still checked on every use, and the
        # verifying keys of a process never change, so an entry stays true until it expires.
        self._verified: collections.OrderedDict[str, dict[str, Any]] = collections.OrderedDict()

    @property
    def signing_kid(self) -> str:
        return self._signing_kid

    def issue(self, *, user_id: uuid.UUID, role: str, session_id: str, now: dt.datetime) -> str:
        issued = int(now.timestamp())
        claims = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": str(user_id),
            "role": role,
            "sid": session_id,
            "iat": issued,
            "nbf": issued,
            "exp": issued + self.lifetime_seconds,
            "jti": secrets.token_urlsafe(16),
        }
        return jwt.encode(
            claims, self._signing_key, algorithm=ALGORITHM, headers={"kid": self._signing_kid, "typ": TOKEN_TYPE}
        )

    def verify(self, token: str, *, now: dt.datetime) -> AccessClaims:
        """Raises Unauthenticated: auth.token_expired for a genuine token past its exp,
        auth.invalid_token for anything else wrong."""
        claims = self._verified.get(token)
        if claims is not None:
            self._verified.move_to_end(token)
            return self._check(claims, now)
        claims = self._verify_signed(token)
        if len(token) <= MAX_REMEMBERED_TOKEN_LENGTH:
            self._verified[token] = claims
            if len(self._verified) > REMEMBERED_TOKENS:
                self._verified.popitem(last=False)
        return self._check(claims, now)

    def _verify_signed(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except (jwt.InvalidTokenError, ValueError, TypeError):
            _invalid()
        kid = header.get("kid")
        if header.get("alg") != ALGORITHM or header.get("typ") != TOKEN_TYPE:
            _invalid()
        if not isinstance(kid, str) or kid not in self._verifying:
            _invalid()
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._verifying[kid],
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                # Times are checked below against the caller's clock.
                options={
                    "require": list(REQUIRED_CLAIMS),
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "strict_aud": True,
                },
            )
        except (jwt.InvalidTokenError, ValueError, TypeError):
            _invalid()
        return claims

    def _check(self, claims: dict[str, Any], now: dt.datetime) -> AccessClaims:
        times = [claims.get(name) for name in ("iat", "nbf", "exp")]
        if not all(isinstance(t, int) and not isinstance(t, bool) for t in times):
            _invalid()
        issued, not_before, expires = (int(t) for t in times)  # type: ignore[arg-type]
        moment = now.timestamp()
        if not_before > moment + self._leeway or issued > moment + self._leeway:
            _invalid()
        if expires <= moment:
            raise Unauthenticated("auth.token_expired", "the access token has expired; refresh it")
        role, session_id = claims.get("role"), claims.get("sid")
        if not isinstance(role, str) or not isinstance(session_id, str):
            _invalid()
        try:
            user_id = uuid.UUID(str(claims["sub"]))
        except ValueError:
            _invalid()
        return AccessClaims(user_id, role, session_id, dt.datetime.fromtimestamp(expires, dt.UTC))


def _invalid() -> NoReturn:
    raise Unauthenticated("auth.invalid_token", "the access token is not valid")


# -- keys ---------------------------------------------------------------------------------------


def load_or_create_keys(spec: str | None, data_dir: Path) -> SigningKeys:
    """Keys from ``LYCEUM_JWT_PRIVATE_KEYS`` ("kid=path.pem,kid2=path2.pem", PKCS#8 PEM, first
    signs), or when unset one key generated once into ``data_dir/jwt-ed25519.pem`` (mode 0600)
    and reused after, its kid the RFC 7638 thumbprint. Raises ValueError with a readable line."""
    if spec is not None and spec.strip():
        keys: SigningKeys = []
        for part in (p.strip() for p in spec.split(",")):
            if not part:
                continue
            kid, sep, path = (s.strip() for s in part.partition("="))
            if not sep or not kid or not path:
                raise ValueError(f"expected 'kid=path.pem' in the JWT key list, got {part!r}")
            keys.append((kid, _load_pem(Path(path).expanduser())))
        kids = [kid for kid, _ in keys]
        if not keys or len(set(kids)) != len(kids):
            raise ValueError("the JWT key list needs at least one key and distinct kids")
        return keys
    key_file = data_dir / DEFAULT_KEY_FILE
    if not key_file.exists():
        _create_key_file(key_file)
    key = _load_pem(key_file)
    return [(thumbprint(key), key)]


def thumbprint(key: Ed25519PrivateKey) -> str:
    """RFC 7638 JWK thumbprint of the public key (base64url SHA-256)."""
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    jwk = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": _b64(raw)}, separators=(",", ":"), sort_keys=True)
    return _b64(hashlib.sha256(jwk.encode()).digest())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _load_pem(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise ValueError(f"cannot read JWT key file {path}: {exc.strerror}") from None
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise ValueError(f"{path} is not an unencrypted PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 key (only EdDSA is accepted)")
    return key


def _create_key_file(path: Path) -> None:
    """Write a fresh key under a temporary name with mode 0600, then link it into place: a
    process starting at the same moment either sees no file or a whole one, and if two race,
    the first link wins and both use that key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
