"""Invoices and credit notes carry the quote's amounts exactly; credit notes split refunds exactly."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.billing.domain.invoices import InvoiceKind, InvoiceNumber, Party, credit_note, invoice_from_quote
from core.billing.domain.quotes import PricedCourse, QuoteRequest, build_quote
from core.billing.domain.taxes import Buyer, Seller, TaxRate, TaxTable
from core.shared.errors import InvalidInput
from core.shared.money import Money

NOW = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)
INVOICE_NO = InvoiceNumber(InvoiceKind.INVOICE, 2026, 7)
CREDIT_NO = InvoiceNumber(InvoiceKind.CREDIT_NOTE, 2026, 1)


def invoice(*amounts: int, buyer: Buyer | None = None):  # type: ignore[no-untyped-def]
    items = tuple(PricedCourse(uuid.uuid4(), f"Course {i}", Money(a, "EUR")) for i, a in enumerate(amounts))
    quote = build_quote(
        QuoteRequest(
            items, "EUR", buyer or Buyer("DE"), Seller("DE", prices_include_tax=False),
            TaxTable([TaxRate("DE", Decimal(19))]), NOW,
        )
    )  # fmt: skip
    return quote, invoice_from_quote(
        quote, number=INVOICE_NO, issued_on=NOW.date(), seller=Party("Lyceum GmbH", "DE"), buyer=Party("Ann", "DE")
    )


def test_numbers_are_per_kind_and_year() -> None:
    assert str(INVOICE_NO) == "INV-2026-000007" and str(CREDIT_NO) == "CN-2026-000001"


def test_an_invoice_carries_the_quotes_lines_and_totals() -> None:
    quote, inv = invoice(10_000, 2_550)
    assert [line.total for line in inv.lines] == [line.total for line in quote.lines]
    assert (inv.net_total, inv.tax_total, inv.total) == (quote.net_total, quote.tax_total, quote.total)
    assert inv.note == ""
    _, reverse = invoice(10_000, buyer=Buyer("FR", vat_id="FR12345678901"))
    assert reverse.reverse_charge and "Reverse charge" in reverse.note and reverse.tax_total == Money(0, "EUR")


def test_a_full_credit_note_reverses_everything() -> None:
    _, inv = invoice(10_000, 2_550)
    note = credit_note(inv, number=CREDIT_NO, issued_on=NOW.date())
    assert note.credits == "INV-2026-000007" and note.kind is InvoiceKind.CREDIT_NOTE
    assert (note.total, note.tax_total, note.net_total) == (inv.total, inv.tax_total, inv.net_total)


@given(st.integers(1, 10**6), st.lists(st.integers(1, 10**6), min_size=1, max_size=5))
def test_a_partial_credit_note_splits_the_refund_exactly(refund: int, amounts: list[int]) -> None:
    _, inv = invoice(*amounts)
    refund = min(refund, inv.total.amount_minor)
    note = credit_note(inv, number=CREDIT_NO, issued_on=NOW.date(), amount=Money(refund, "EUR"))
    assert note.total == Money(refund, "EUR")
    for line in note.lines:
        assert line.net.amount_minor + line.tax.amount_minor == line.total.amount_minor
        assert 0 <= line.tax.amount_minor <= line.total.amount_minor


def test_refunds_beyond_the_invoice_or_in_another_currency_are_refused() -> None:
    _, inv = invoice(10_000)
    for amount in (Money(0, "EUR"), Money(inv.total.amount_minor + 1, "EUR"), Money(100, "USD")):
        with pytest.raises(InvalidInput):
            credit_note(inv, number=CREDIT_NO, issued_on=NOW.date(), amount=amount)
    with pytest.raises(InvalidInput):
        credit_note(inv, number=INVOICE_NO, issued_on=NOW.date())
