"""Invoices and credit notes: what was sold, to whom, by whom, with which taxes.

An invoice is built from a quote (its lines, taxes and totals are the quote's, to the minor unit)
and numbered gaplessly per seller and year (``InvoiceNumber``); a credit note reverses all or part
of an invoice and is numbered in its own series."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import uuid
from decimal import Decimal

from core.billing.domain.quotes import Quote, allocate
from core.shared.errors import InvalidInput
from core.shared.ids import new_id
from core.shared.money import Money


class InvoiceKind(enum.StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


@dataclasses.dataclass(frozen=True)
class Party:
    """A seller or a buyer as the invoice must name them."""

    name: str
    country: str
    address: str = ""
    vat_id: str | None = None
    email: str | None = None

    def __post_init__(self) -> None:
        if not self.name.strip() or len(self.name) > 200:
            raise InvalidInput("invoice.party_name", "an invoice names its parties (1-200 characters)")


@dataclasses.dataclass(frozen=True)
class InvoiceNumber:
    """``INV-2026-000042`` / ``CN-2026-000003``: a prefix per kind, the year, then a sequence that
    has no gaps within (seller, kind, year) because it is allocated in the invoice's transaction."""

    kind: InvoiceKind
    year: int
    sequence: int

    def __str__(self) -> str:
        prefix = "INV" if self.kind is InvoiceKind.INVOICE else "CN"
        return f"{prefix}-{self.year}-{self.sequence:06d}"


@dataclasses.dataclass(frozen=True)
class InvoiceLine:
    description: str
    quantity: int
    net: Money
    tax_name: str | None
    tax_percent: Decimal
    tax: Money
    total: Money


@dataclasses.dataclass(frozen=True)
class Invoice:
    id: uuid.UUID
    number: InvoiceNumber
    issued_on: dt.date
    seller: Party
    buyer: Party
    currency: str
    lines: tuple[InvoiceLine, ...]
    reverse_charge: bool
    order_id: uuid.UUID | None = None
    credits: str | None = None  # for a credit note: the number of the invoice it reverses
    note: str = ""

    @property
    def kind(self) -> InvoiceKind:
        return self.number.kind

    def _sum(self, field: str) -> Money:
        return Money(sum(getattr(line, field).amount_minor for line in self.lines), self.currency)

    @property
    def net_total(self) -> Money:
        return self._sum("net")

    @property
    def tax_total(self) -> Money:
        return self._sum("tax")

    @property
    def total(self) -> Money:
        return self._sum("total")


def invoice_from_quote(
    quote: Quote,
    *,
    number: InvoiceNumber,
    issued_on: dt.date,
    seller: Party,
    buyer: Party,
    order_id: uuid.UUID | None = None,
) -> Invoice:
    """The quote's lines as invoice lines: the amounts the buyer was charged, exactly."""
    if number.kind is not InvoiceKind.INVOICE:
        raise InvalidInput("invoice.kind", "an invoice takes an invoice number")
    lines = tuple(
        InvoiceLine(
            description=line.title,
            quantity=1,
            net=line.net,
            tax_name=line.tax_name,
            tax_percent=line.tax_percent,
            tax=line.tax,
            total=line.total,
        )
        for line in quote.lines
    )
    note = "Reverse charge: VAT to be accounted for by the recipient." if quote.reverse_charge else ""
    return Invoice(new_id(), number, issued_on, seller, buyer, quote.currency, lines, quote.reverse_charge, order_id,
                   None, note)  # fmt: skip


def credit_note(
    invoice: Invoice, *, number: InvoiceNumber, issued_on: dt.date, amount: Money | None = None, reason: str = ""
) -> Invoice:
    """A credit note for all of ``invoice`` or for ``amount`` of it (a partial refund), spread
    over its lines in proportion, taxes included; amounts on a credit note are positive."""
    if number.kind is not InvoiceKind.CREDIT_NOTE:
        raise InvalidInput("invoice.kind", "a credit note takes a credit-note number")
    if invoice.kind is not InvoiceKind.INVOICE:
        raise InvalidInput("invoice.kind", "only an invoice can be credited")
    total = invoice.total.amount_minor
    refund = total if amount is None else amount.amount_minor
    if amount is not None and amount.currency != invoice.currency:
        raise InvalidInput("refund.currency", f"the invoice is in {invoice.currency}")
    if not 0 < refund <= total:
        raise InvalidInput("refund.amount", "a refund is more than zero and at most the invoice total")
    # The same exact split as a fixed coupon's: whole units, no unit lost or made up.
    shares = allocate(refund, [line.total.amount_minor for line in invoice.lines])
    lines = []
    for i, line in enumerate(invoice.lines):
        part = shares[i]
        if not part:
            continue
        # The tax inside the refunded part, in the line's own proportion (exact, then rounded).
        tax = line.tax.amount_minor * part // line.total.amount_minor if line.total.amount_minor else 0
        lines.append(
            dataclasses.replace(
                line,
                net=Money(part - tax, invoice.currency),
                tax=Money(tax, invoice.currency),
                total=Money(part, invoice.currency),
            )
        )
    return Invoice(
        new_id(), number, issued_on, invoice.seller, invoice.buyer, invoice.currency, tuple(lines),
        invoice.reverse_charge, invoice.order_id, str(invoice.number), reason.strip()[:300],
    )  # fmt: skip
