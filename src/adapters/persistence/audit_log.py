"""The audit trail in its own table, written outside the caller's transaction.

Append-only: this adapter has no update or delete. Each append is one autocommitted INSERT on a
connection of its own (not the caller's session), so an entry about a failure survives the
rollback of the work that failed. A single statement is atomic on its own: no BEGIN/COMMIT round
trips and no ORM session around it (every sign-in writes one, so this is on the login path).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.persistence import tables
from adapters.persistence.engine import autocommit_engine
from ports.identity.audit import AuditEntry, AuditQuery

_log = tables.audit_log.c
_INSERT = sa.insert(tables.audit_log)


class SqlAuditLog:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory
        # Same pool; the isolation level applies to each checkout and is reset on return.
        self._autocommit = autocommit_engine(session_factory, "SqlAuditLog")

    async def append(self, entry: AuditEntry) -> None:
        row = {
            "id": entry.id,
            "at": entry.at,
            "action": entry.action[:80],
            "actor_id": entry.actor_id,
            "subject_id": entry.subject_id,
            # Clipped to the columns: a long header must not cost us the entry (PostgreSQL
            # enforces varchar lengths, SQLite does not).
            "ip": entry.ip[:64] if entry.ip else None,
            "user_agent": entry.user_agent[:300] if entry.user_agent else None,
            "outcome": entry.outcome[:32],
            # JSON-safe whatever the caller passed (a UUID or datetime becomes its string).
            "details": json.loads(json.dumps(dict(entry.details), default=str)),
        }
        async with self._autocommit.connect() as connection:
            await connection.execute(_INSERT, row)

    async def search(self, query: AuditQuery, *, before: uuid.UUID | None, limit: int) -> list[AuditEntry]:
        """Newest first (ids are UUIDv7); ``before`` is the id of the previous page's last entry.
        ``since`` is inclusive, ``until`` exclusive."""
        stmt = sa.select(tables.audit_log)
        if query.action is not None:
            stmt = stmt.where(_log.action == query.action)
        if query.actor_id is not None:
            stmt = stmt.where(_log.actor_id == query.actor_id)
        if query.subject_id is not None:
            stmt = stmt.where(_log.subject_id == query.subject_id)
        if query.since is not None:
            stmt = stmt.where(_log.at >= query.since)
        if query.until is not None:
            stmt = stmt.where(_log.at < query.until)
        if before is not None:
            stmt = stmt.where(_log.id < before)
        stmt = stmt.order_by(_log.id.desc()).limit(max(1, limit))
        async with self._session_factory() as session:
            rows = (await session.execute(stmt)).mappings().all()
        return [_entry(row) for row in rows]


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        at=row["at"],
        action=row["action"],
        actor_id=row["actor_id"],
        subject_id=row["subject_id"],
        ip=row["ip"],
        user_agent=row["user_agent"],
        outcome=row["outcome"],
        details=dict(row["details"] or {}),
    )
