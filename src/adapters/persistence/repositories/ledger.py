"""The ledger in SQL: a transaction's rows go in together or not at all, and only once."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.persistence import tables
from adapters.persistence.engine import autocommit_engine
from core.billing.domain.ledger import LedgerEntry, balance

_l = tables.ledger_entries.c


class SqlLedgerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def post(
        self, transaction_id: uuid.UUID, order_id: uuid.UUID, entries: list[LedgerEntry], *, at: dt.datetime
    ) -> bool:
        if any(balance(entries).values()):
            raise ValueError(f"transaction {transaction_id} does not balance: {balance(entries)}")
        rows = [
            {"transaction_id": transaction_id, "account": e.account, "order_id": order_id,
             "amount_minor": e.amount_minor, "currency": e.currency, "posted_at": at}
            for e in entries
        ]  # fmt: skip
        try:
            async with self._session.begin_nested():
                await self._session.execute(sa.insert(tables.ledger_entries), rows)
        except IntegrityError:
            return False  # posted before (a redelivered event)
        return True

    async def entries(self, transaction_id: uuid.UUID) -> list[LedgerEntry]:
        stmt = sa.select(_l.account, _l.amount_minor, _l.currency).where(_l.transaction_id == transaction_id)
        rows = (await self._session.execute(stmt.order_by(_l.account))).all()
        return [LedgerEntry(row.account, int(row.amount_minor), row.currency) for row in rows]

    async def balances(self, *, account: str | None = None) -> dict[str, int]:
        stmt = sa.select(_l.currency, sa.func.sum(_l.amount_minor)).group_by(_l.currency)
        if account is not None:
            stmt = stmt.where(_l.account == account)
        return {currency: int(total) for currency, total in (await self._session.execute(stmt)).all()}


class SqlCourseOwners:
    """ports.billing.ledger.CourseOwners, from the courses themselves (archived ones too)."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._engine = autocommit_engine(session_factory, "SqlCourseOwners")

    async def owners(self, course_ids: tuple[uuid.UUID, ...]) -> dict[uuid.UUID, uuid.UUID]:
        stmt = sa.select(tables.courses.c.id, tables.courses.c.owner_id).where(tables.courses.c.id.in_(course_ids))
        async with self._engine.connect() as connection:
            return {row.id: row.owner_id for row in (await connection.execute(stmt)).all()}
