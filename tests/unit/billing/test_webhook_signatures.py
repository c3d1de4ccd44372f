"""Webhook signatures in Stripe's documented scheme: HMAC-SHA256 of "t.body", hex, 300 s window."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from adapters.payments import signatures
from core.shared.errors import Unauthenticated

BODY = b'{"id":"evt_1","type":"payment.succeeded"}'
T = 1_764_000_000


def test_the_signature_is_the_documented_hmac_of_timestamp_dot_body() -> None:
    expected = hmac.new(b"whsec_test", f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert signatures.sign(BODY, "whsec_test", T) == f"t={T},v1={expected}"
    assert signatures.verify(f"t={T},v1={expected}", BODY, ["whsec_test"], now=T + 10) == T


def test_rotation_any_of_several_secrets_or_signatures_passes() -> None:
    header = signatures.sign(BODY, "whsec_new", T) + ",v1=" + "0" * 64
    assert signatures.verify(header, BODY, ["whsec_old", "whsec_new"], now=T) == T


@pytest.mark.parametrize(
    ("header", "body", "now"),
    [
        ("", BODY, T),  # no header
        ("t=abc,v1=00", BODY, T),  # malformed timestamp
        (signatures.sign(BODY, "whsec_test", T), BODY + b" ", T),  # body changed
        (signatures.sign(BODY, "whsec_other", T), BODY, T),  # another secret
        (signatures.sign(BODY, "whsec_test", T), BODY, T + 301),  # replayed too late
        (signatures.sign(BODY, "whsec_test", T + 400), BODY, T),  # from the future
    ],
)
def test_bad_or_stale_signatures_are_refused(header: str, body: bytes, now: int) -> None:
    with pytest.raises(Unauthenticated) as refused:
        signatures.verify(header, body, ["whsec_test"], now=now)
    assert refused.value.code == "webhook.signature"
