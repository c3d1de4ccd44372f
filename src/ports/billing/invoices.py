"""Rendering invoices as documents."""

from __future__ import annotations

from typing import Protocol

from core.billing.domain.invoices import Invoice


class InvoiceRenderer(Protocol):
    media_type: str

    def render(self, invoice: Invoice, *, language: str = "en") -> bytes:
        """The invoice (or credit note) as a document; CPU-bound, so callers run it in a worker
        thread or task, never on the event loop."""
        ...
