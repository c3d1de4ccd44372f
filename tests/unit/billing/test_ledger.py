"""The ledger: every sale balances to the minor unit, whatever the prices, taxes and fee."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from core.billing.domain.ledger import PLATFORM_REVENUE, TAX_PAYABLE, balance, instructor_account, sale_entries
from core.billing.domain.orders import Order
from core.billing.domain.quotes import PricedCourse, QuoteRequest, build_quote
from core.billing.domain.taxes import Buyer, Seller, TaxRate, TaxTable
from core.shared.money import Money

NOW = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)


def paid_order(amounts: list[int], tax: Decimal, inclusive: bool) -> Order:
    items = tuple(PricedCourse(uuid.uuid4(), "C", Money(a, "EUR")) for a in amounts)
    quote = build_quote(
        QuoteRequest(items, "EUR", Buyer("DE"), Seller("DE", prices_include_tax=inclusive),
                     TaxTable([TaxRate("DE", tax)]), NOW)
    )  # fmt: skip
    return Order.place(quote, buyer_id=uuid.uuid4(), buyer=Buyer("DE"), idempotency_key="k", request_hash="h", now=NOW)


def test_a_sale_pays_tax_the_platform_fee_and_the_instructor() -> None:
    order = paid_order([10_000], Decimal(19), inclusive=False)
    teacher = uuid.uuid4()
    entries = sale_entries(
        order, provider="sandbox", owners={order.lines[0].course_id: teacher}, platform_fee=Fraction(3, 10)
    )
    amounts = {e.account: e.amount_minor for e in entries}
    assert amounts == {
        "cash:sandbox": 11_900,
        TAX_PAYABLE: -1_900,
        PLATFORM_REVENUE: -3_000,
        instructor_account(teacher): -7_000,
    }
    assert balance(entries) == {"EUR": 0}


@given(
    st.lists(st.integers(0, 10**7), min_size=1, max_size=6),
    st.decimals(min_value=0, max_value=30, places=3),
    st.booleans(),
    st.fractions(min_value=0, max_value=1, max_denominator=1000),
)
def test_every_sale_balances_exactly(amounts: list[int], tax: Decimal, inclusive: bool, fee: Fraction) -> None:
    order = paid_order(amounts, tax, inclusive)
    owners = {line.course_id: uuid.uuid4() for line in order.lines[::2]}  # some courses have no owner left
    entries = sale_entries(order, provider="stripe", owners=owners, platform_fee=fee)
    assert balance(entries) == {"EUR": 0}
    assert entries[0].amount_minor == order.total.amount_minor


@given(
    st.lists(st.integers(1, 10**7), min_size=1, max_size=6),
    st.decimals(min_value=0, max_value=30, places=3),
    st.fractions(min_value=0, max_value=1, max_denominator=1000),
    st.data(),
)
def test_any_refund_reverses_its_share_and_balances(
    amounts: list[int], tax: Decimal, fee: Fraction, data: st.DataObject
) -> None:
    from core.billing.domain.ledger import refund_entries

    order = paid_order(amounts, tax, inclusive=False)
    sale = sale_entries(order, provider="sandbox", owners={}, platform_fee=fee)
    refund = data.draw(st.integers(1, order.total.amount_minor))
    back = refund_entries(sale, refund)
    assert balance(back) == {"EUR": 0} and back[0].amount_minor == -refund
    if refund == order.total.amount_minor:  # a full refund undoes the sale exactly
        assert balance(sale + back) == {"EUR": 0}
        totals: dict[str, int] = {}
        for entry in sale + back:
            totals[entry.account] = totals.get(entry.account, 0) + entry.amount_minor
        assert set(totals.values()) == {0}
