"""Validation and normalisation of short human-entered text (names, titles)."""

from __future__ import annotations

import re
import unicodedata

from core.shared.errors import InvalidInput

_SLUG_STRIP = re.compile(r"[^\w]+", re.UNICODE)


def clean_name(raw: str, *, field: str, max_length: int, code_prefix: str) -> str:
    """NFC-normalise, trim and collapse whitespace; reject empty, over-long or control chars."""
    value = " ".join(unicodedata.normalize("NFC", raw).split())
    if not value:
        raise InvalidInput(f"{code_prefix}.{field}_empty", f"{field} must not be empty", {"field": field})
    if len(value) > max_length:
        raise InvalidInput(
            f"{code_prefix}.{field}_too_long",
            f"{field} must be at most {max_length} characters",
            {"field": field, "max_length": max_length},
        )
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise InvalidInput(f"{code_prefix}.{field}_invalid", f"{field} contains control characters", {"field": field})
    return value


def slugify(value: str) -> str:
    """Lower-case, word characters joined by hyphens; keeps non-Latin letters (ru, he)."""
    slug = _SLUG_STRIP.sub("-", unicodedata.normalize("NFKC", value).casefold()).strip("-_")
    return slug.replace("_", "-")
