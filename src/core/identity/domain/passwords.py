"""Password rules per NIST SP 800-63B: length, not common, no composition rules."""

from __future__ import annotations

import unicodedata
from collections.abc import Container

from core.shared.errors import InvalidInput

MIN_LENGTH = 12
MAX_LENGTH = 128


def normalize(password: str) -> str:
    """NFKC, so the same password typed on two keyboards hashes the same (800-63B 5.1.1.2)."""
    return unicodedata.normalize("NFKC", password)


def check_password(password: str, *, blocklist: Container[str], email: str = "", name: str = "") -> str:
    """The normalised password, or InvalidInput saying which rule it breaks."""
    value = normalize(password)
    if len(value) < MIN_LENGTH:
        raise InvalidInput("password.too_short", f"use at least {MIN_LENGTH} characters", {"min": MIN_LENGTH})
    if len(value) > MAX_LENGTH:
        raise InvalidInput("password.too_long", f"use at most {MAX_LENGTH} characters", {"max": MAX_LENGTH})
    folded = value.casefold()
    if folded in blocklist or folded.strip() in blocklist:
        raise InvalidInput("password.common", "this password is too common; choose another")
    local_part = email.split("@", 1)[0].casefold()
    if (len(local_part) >= 4 and local_part in folded) or (len(name) >= 4 and name.casefold() in folded):
        raise InvalidInput("password.personal", "do not use your name or email in your password")
    return value
