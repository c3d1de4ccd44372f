"""Gapless document numbers: an upsert that increments and returns the counter in one statement.

The row stays locked until the surrounding transaction ends, so concurrent issuers take turns,
and a rollback takes the number back: numbers are consecutive with no gaps, as tax law wants."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence import tables
from core.billing.domain.invoices import InvoiceKind, InvoiceNumber

_t = tables.invoice_sequences


class SqlInvoiceNumbers:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def allocate(self, seller: str, kind: InvoiceKind, year: int) -> InvoiceNumber:
        dialect = self._session.bind.dialect.name if self._session.bind is not None else "sqlite"
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(_t)
        stmt = (
            insert.values(seller=seller, kind=str(kind), year=year, last=1)
            .on_conflict_do_update(index_elements=[_t.c.seller, _t.c.kind, _t.c.year], set_={"last": _t.c.last + 1})
            .returning(_t.c.last)
        )
        sequence = (await self._session.execute(stmt)).scalar_one()
        return InvoiceNumber(kind, year, int(sequence))
