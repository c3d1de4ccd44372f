"""Identifiers: UUIDv7 (RFC 9562), time-ordered so primary keys index well."""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def new_id() -> uuid.UUID:
    """Return a fresh UUIDv7, monotonic within this process."""
    global _last_ms, _counter
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last_ms:
            # Same millisecond (or clock stepped back): keep order with a 12-bit counter
            # in rand_a; when it overflows, borrow the next millisecond.
            _counter += 1
            if _counter > 0xFFF:
                _last_ms += 1
                _counter = 0
            ms = _last_ms
        else:
            _last_ms = ms
            _counter = int.from_bytes(os.urandom(2), "big") & 0x3FF
        rand_a = _counter
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= rand_a << 64
    value |= 0b10 << 62
    value |= rand_b
    return uuid.UUID(int=value)


def parse_id(raw: str, *, what: str = "id") -> uuid.UUID:
    """Parse a client-supplied id, raising a domain error rather than ValueError."""
    from core.shared.errors import InvalidInput

    try:
        return uuid.UUID(raw)
    except (ValueError, AttributeError, TypeError):
        raise InvalidInput("request.invalid_id", f"{what} must be a UUID", {"field": what}) from None
