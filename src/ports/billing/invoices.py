"""Rendering invoices as documents."""

from __future__ import annotations

from typing import Protocol

from core.billing.domain.invoices import Invoice, InvoiceKind, InvoiceNumber


class InvoiceRenderer(Protocol):
    media_type: str

    def render(self, invoice: Invoice, *, language: str = "en") -> bytes:
        """The invoice (or credit note) as a document; CPU-bound, so callers run it in a worker
        thread or task, never on the event loop."""
        ...


class InvoiceNumbers(Protocol):
    async def allocate(self, seller: str, kind: InvoiceKind, year: int) -> InvoiceNumber:
        """The next number of the series, inside the caller's unit of work: the number is
        taken only if that unit of work commits (no gaps), and concurrent callers take turns."""
        ...
