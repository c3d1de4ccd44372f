"""Writes the audit trail: who did what, when, from where. Never secrets."""

from __future__ import annotations

import uuid
from typing import Any

from core.identity.application.context import RequestContext
from core.shared.ids import new_id
from ports.identity.audit import AuditEntry, AuditLog, AuditQuery
from ports.shared.clock import Clock

_SECRET_WORDS = ("password", "token", "secret", "code")


class Auditor:
    def __init__(self, log: AuditLog, clock: Clock) -> None:
        self._log = log
        self._clock = clock

    async def record(
        self,
        action: str,
        ctx: RequestContext,
        *,
        actor_id: uuid.UUID | None = None,
        subject_id: uuid.UUID | None = None,
        outcome: str = "success",
        **details: Any,
    ) -> None:
        safe = {k: v for k, v in details.items() if not any(word in k.lower() for word in _SECRET_WORDS)}
        await self._log.append(
            AuditEntry(
                id=new_id(),
                at=self._clock.now(),
                action=action,
                actor_id=actor_id,
                subject_id=subject_id,
                ip=ctx.ip or None,
                user_agent=(ctx.user_agent or None) and ctx.user_agent[:300],
                outcome=outcome,
                details=safe,
            )
        )


class SearchAudit:
    def __init__(self, log: AuditLog) -> None:
        self._log = log

    async def __call__(self, query: AuditQuery, *, before: uuid.UUID | None, limit: int) -> list[AuditEntry]:
        return await self._log.search(query, before=before, limit=max(1, min(limit, 100)))
