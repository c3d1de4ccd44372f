"""RFC 6238 TOTP with pyotp (SHA-1, 6 digits, 30 s steps, as every authenticator app expects)
and QR codes with segno."""

from __future__ import annotations

import datetime as dt
import hmac
import io

import pyotp
import segno

DIGITS = 6
INTERVAL = 30
SECRET_LENGTH = 32  # base32 characters: 160 bits, the HMAC-SHA-1 key size RFC 4226 recommends


class PyotpTotp:
    """ports.identity.security.Totp. Replays are the domain's business (User.accept_totp_step):
    this adapter only says which time step a code belongs to."""

    def __init__(self, valid_window: int = 1) -> None:
        if valid_window < 0:
            raise ValueError("valid_window must be zero or more steps")
        self._window = valid_window

    def new_secret(self) -> str:
        return pyotp.random_base32(length=SECRET_LENGTH)

    def provisioning_uri(self, secret: str, *, account: str, issuer: str) -> str:
        return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).provisioning_uri(name=account, issuer_name=issuer)

    def matching_step(self, secret: str, code: str, *, now: dt.datetime) -> int | None:
        """The step within ±valid_window of now whose code is ``code``, preferring the current
        step, then the older, then the newer. Every candidate is computed and compared in
        constant time, so the answer's timing does not say which step matched."""
        code = code.strip().replace(" ", "")
        if len(code) != DIGITS or not (code.isascii() and code.isdigit()):
            return None
        totp = pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)
        current = totp.timecode(now)
        offsets = [0]
        for distance in range(1, self._window + 1):
            offsets += [-distance, distance]
        matches = [
            current + offset
            for offset in offsets
            if hmac.compare_digest(totp.generate_otp(current + offset).encode(), code.encode())
        ]
        return matches[0] if matches else None

    def qr_png(self, uri: str) -> bytes:
        buffer = io.BytesIO()
        segno.make(uri, error="m", micro=False).save(buffer, kind="png", scale=6, border=4)
        return buffer.getvalue()
