"""Sign-in sessions and their rotating refresh tokens, kept in the shared cache.

Each sign-in starts a session (one refresh-token family). Every refresh spends the presented
token and issues the next. A spent token presented again after ``REUSE_GRACE_SECONDS`` means
it was stolen (either the thief or the owner holds a copy): the whole session is revoked.
Inside the grace window it is a client racing itself (two tabs refreshing at once): that
request is refused, the session lives on, so exactly one of the racers wins.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import secrets
import uuid
from typing import Any

REFRESH_TTL_SECONDS = 30 * 24 * 3600
REUSE_GRACE_SECONDS = 2.0
MAX_SESSIONS_PER_USER = 50


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


@dataclasses.dataclass
class Session:
    id: str
    user_id: uuid.UUID
    created_at: dt.datetime
    last_seen_at: dt.datetime
    expires_at: dt.datetime
    ip: str
    user_agent: str
    device: str
    second_factor: bool

    def to_json(self) -> bytes:
        # Spelled out rather than dataclasses.asdict, which deep-copies every field: this runs
        # on every sign-in and refresh.
        data: dict[str, Any] = {
            "id": self.id,
            "user_id": str(self.user_id),
            "created_at": self.created_at.isoformat(),
            "last_seen_at": self.last_seen_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "ip": self.ip,
            "user_agent": self.user_agent,
            "device": self.device,
            "second_factor": self.second_factor,
        }
        return json.dumps(data).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Session:
        data = json.loads(raw)
        data["user_id"] = uuid.UUID(data["user_id"])
        for field in ("created_at", "last_seen_at", "expires_at"):
            data[field] = dt.datetime.fromisoformat(data[field])
        return cls(**data)


def describe_device(user_agent: str) -> str:
    """A short human label for a session list ('Firefox on Linux', 'Lyceum iOS app')."""
    ua = user_agent.lower()
    app = "Lyceum app" if "lyceum" in ua else None
    browser = next(
        (
            name
            for key, name in (("edg/", "Edge"), ("chrome/", "Chrome"), ("firefox/", "Firefox"), ("safari/", "Safari"))
            if key in ua
        ),
        None,
    )
    system = next(
        (
            name
            for key, name in (
                ("android", "Android"),
                ("iphone", "iOS"),
                ("ipad", "iPadOS"),
                ("windows", "Windows"),
                ("mac os", "macOS"),
                ("linux", "Linux"),
            )
            if key in ua
        ),
        None,
    )
    label = app or browser or "Unknown client"
    return f"{label} on {system}" if system else label
