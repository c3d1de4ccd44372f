from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any, Protocol


@dataclasses.dataclass(frozen=True)
class AuditEntry:
    """Who did what to whom, when and from where. Never contains secrets."""

    id: uuid.UUID
    at: dt.datetime
    action: str
    actor_id: uuid.UUID | None
    subject_id: uuid.UUID | None
    ip: str | None
    user_agent: str | None
    outcome: str  # "success" | "failure" | "denied"
    details: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class AuditQuery:
    action: str | None = None
    actor_id: uuid.UUID | None = None
    subject_id: uuid.UUID | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


class AuditLog(Protocol):
    """Append-only. Entries are written in their own transaction, so a failed login that rolls
    back everything else is still recorded."""

    async def append(self, entry: AuditEntry) -> None: ...

    async def search(self, query: AuditQuery, *, before: uuid.UUID | None, limit: int) -> list[AuditEntry]:
        """Newest first; ``before`` is the id of the last entry of the previous page."""
        ...
