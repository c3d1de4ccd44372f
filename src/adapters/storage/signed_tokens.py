"""HMAC-SHA256 signed, expiring tokens for the local object store's presigned URLs.

A token is ``v1.<payload>.<mac>``: ``payload`` is base64url compact JSON naming the
operation (get, put, post), the key, the expiry (Unix seconds) and the constraints of the
grant (content type, size range, SHA-256, Content-Disposition); ``mac`` is base64url
HMAC-SHA256 over ``v1.<payload>`` under a key derived from the deployment's signing secret
(so the same secret can sign other kinds of token without one passing for another).
The MAC is checked first, in constant time, on the exact text received; only then is the
payload decoded and the expiry looked at.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any, Literal

from core.shared.errors import InvalidSignedUrl, SignedUrlExpired

Operation = Literal["get", "put", "post"]
VERSION = "v1"
MAX_TOKEN_LENGTH = 4096
_CONTEXT = b"lyceum/object-storage/signed-url/v1"


@dataclasses.dataclass(frozen=True)
class Grant:
    op: Operation
    key: str
    expires: int  # Unix seconds
    content_type: str | None = None
    min_bytes: int | None = None
    max_bytes: int | None = None
    sha256: str | None = None
    disposition: str | None = None


_FIELDS = {"op": "o", "key": "k", "expires": "e", "content_type": "t", "min_bytes": "n", "max_bytes": "x"}
_FIELDS |= {"sha256": "s", "disposition": "d"}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    def __init__(self, secret: bytes | str, *, clock: Callable[[], float] = time.time) -> None:
        raw = secret.encode() if isinstance(secret, str) else bytes(secret)
        if len(raw) < 16:
            raise ValueError("the signing secret must be at least 16 bytes")
        self._key = hmac.new(raw, _CONTEXT, hashlib.sha256).digest()
        self._clock = clock

    def __repr__(self) -> str:
        return "TokenSigner(<secret>)"

    def now(self) -> float:
        return self._clock()

    def sign(self, grant: Grant) -> str:
        body = {short: getattr(grant, name) for name, short in _FIELDS.items() if getattr(grant, name) is not None}
        payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
        signed = f"{VERSION}.{payload}"
        return f"{signed}.{self._mac(signed)}"

    def verify(self, token: str, *, op: Operation) -> Grant:
        if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
            raise InvalidSignedUrl()
        version, _, rest = token.partition(".")
        payload, _, mac = rest.partition(".")
        if version != VERSION or not payload or not mac:
            raise InvalidSignedUrl()
        # Compare the canonical text, not decoded bytes: base64 decoders ignore the padding
        # bits of the last character, so two spellings would otherwise verify.
        if not hmac.compare_digest(mac.encode(), self._mac(f"{version}.{payload}").encode()):
            raise InvalidSignedUrl()
        grant = self._decode(payload)
        if grant.op != op:
            raise InvalidSignedUrl("this signed URL is for another operation")
        if self._clock() > grant.expires:
            raise SignedUrlExpired()
        return grant

    def _mac(self, signed: str) -> str:
        return _b64(hmac.new(self._key, signed.encode(), hashlib.sha256).digest())

    @staticmethod
    def _decode(payload: str) -> Grant:
        try:
            body: Any = json.loads(_unb64(payload))
            values = {name: body.get(short) for name, short in _FIELDS.items()}
            grant = Grant(**values)
        except (ValueError, TypeError, AttributeError, binascii.Error):
            raise InvalidSignedUrl() from None
        if (
            grant.op not in ("get", "put", "post")
            or not isinstance(grant.key, str)
            or not isinstance(grant.expires, int)
        ):
            raise InvalidSignedUrl()
        return grant
