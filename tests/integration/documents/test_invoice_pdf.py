"""Invoice PDFs: Hebrew and Russian names and titles come back out of the PDF as written."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from decimal import Decimal

import pypdf

from adapters.documents.invoice_pdf import PdfInvoiceRenderer, format_money
from core.billing.domain.invoices import InvoiceKind, InvoiceNumber, Party, credit_note, invoice_from_quote
from core.billing.domain.quotes import PricedCourse, QuoteRequest, build_quote
from core.billing.domain.taxes import Buyer, Seller, TaxRate, TaxTable
from core.shared.money import Money

SELLER = Party("Lyceum Ltd", "IL", "1 Herzl St, Tel Aviv", "IL123456789")


def _invoice(buyer: Party, *titles: str, country: str = "IL"):  # type: ignore[no-untyped-def]
    items = tuple(PricedCourse(uuid.uuid4(), title, Money(9_900, "ILS")) for title in titles)
    quote = build_quote(
        QuoteRequest(
            items, "ILS", Buyer(country), Seller("IL"), TaxTable([TaxRate("IL", Decimal(18))]), dt.datetime.now(dt.UTC)
        )
    )
    return invoice_from_quote(
        quote,
        number=InvoiceNumber(InvoiceKind.INVOICE, 2026, 42),
        issued_on=dt.date(2026, 11, 25),
        seller=SELLER,
        buyer=buyer,
    )


def _text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_hebrew_and_russian_names_and_titles_read_back_as_written() -> None:
    invoice = _invoice(Party("דוד כהן", "IL"), "עברית למתחילים", "Основы Python")
    text = _text(PdfInvoiceRenderer().render(invoice))
    for written in ("דוד כהן", "עברית למתחילים", "Основы Python", "INV-2026-000042", "VAT IL123456789"):
        assert written in text, written
    russian = _text(PdfInvoiceRenderer().render(_invoice(Party("Анна Иванова", "RU"), "Статистика", country="RU")))
    assert "Анна Иванова" in russian and "Статистика" in russian


def test_amounts_are_the_quotes_to_the_minor_unit() -> None:
    invoice = _invoice(Party("Ann", "IL"), "Course A", "Course B")
    text = _text(PdfInvoiceRenderer().render(invoice))
    assert invoice.total == Money(19_800, "ILS") and "₪198.00" in text
    assert format_money(invoice.tax_total) in text and format_money(Money(123_456_789, "EUR")) == "€1,234,567.89"


def test_a_credit_note_names_the_invoice_it_reverses() -> None:
    invoice = _invoice(Party("Ann", "IL"), "Course A")
    note = credit_note(
        invoice, number=InvoiceNumber(InvoiceKind.CREDIT_NOTE, 2026, 3), issued_on=dt.date(2026, 12, 1), reason="refund"
    )
    text = _text(PdfInvoiceRenderer().render(note, language="he"))
    assert "CN-2026-000003" in text and "INV-2026-000042" in text and "הודעת זיכוי" in text
