"""Webhook signatures in Stripe's scheme, which the sandbox gateway uses too.

Header ``Stripe-Signature: t=1492774577,v1=5257a869...,v1=...``: ``v1`` is the hex HMAC-SHA256 of
``"{t}.{raw body}"`` under the endpoint's signing secret. Several ``v1`` values and several
secrets make rotation seamless (any match passes); ``t`` must be within ``tolerance`` seconds of
now, so a captured request cannot be replayed later. Comparisons are constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from core.shared.errors import Unauthenticated

TOLERANCE_SECONDS = 300


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """The header value a sender computes (tests and the sandbox gateway use it)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(
    header: str, payload: bytes, secrets: Sequence[str], *, now: float, tolerance: int = TOLERANCE_SECONDS
) -> int:
    """The signed timestamp, or ``Unauthenticated("webhook.signature")``."""
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp is None or not signatures or not secrets:
        raise Unauthenticated("webhook.signature", "the webhook signature header is missing or malformed")
    if abs(now - timestamp) > tolerance:
        raise Unauthenticated("webhook.signature", "the webhook signature is too old (or from the future)")
    signed = f"{timestamp}.".encode() + payload
    for secret in secrets:
        expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(expected, candidate) for candidate in signatures):
            return timestamp
    raise Unauthenticated("webhook.signature", "the webhook signature does not match")
