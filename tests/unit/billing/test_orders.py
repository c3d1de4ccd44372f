"""Orders keep what was charged and are paid once."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from core.billing.domain.orders import Order, OrderLine, OrderPaid, OrderStatus
from core.billing.domain.quotes import PricedCourse, QuoteRequest, build_quote
from core.billing.domain.taxes import Buyer, Seller, TaxRate, TaxTable
from core.shared.errors import Conflict
from core.shared.money import Money
from ports.billing.fx import ExchangeRate

NOW = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)


def order(amount: int, currency: str = "EUR") -> Order:
    rate = ExchangeRate("USD", "EUR", Decimal("0.9195"), NOW.date(), "ecb")
    quote = build_quote(
        QuoteRequest(
            (PricedCourse(uuid.uuid4(), "Course", Money(amount, "USD")),), currency, Buyer("DE"),
            Seller("DE", prices_include_tax=False), TaxTable([TaxRate("DE", Decimal(19))]), NOW,
            rates={("USD", "EUR"): rate},
        )
    )  # fmt: skip
    return Order.place(quote, buyer_id=uuid.uuid4(), buyer=Buyer("DE"), idempotency_key="k", request_hash="h", now=NOW)


def test_an_order_keeps_its_lines_and_the_rate_it_was_priced_at() -> None:
    placed = order(10_000)
    (line,) = placed.lines
    assert (line.net_minor, line.tax_minor, line.total_minor) == (9_195, 1_747, 10_942)
    assert placed.rates == ({"base": "USD", "quote": "EUR", "rate": "0.9195", "on": "2026-11-25", "source": "ecb"},)
    assert OrderLine.from_dict(line.to_dict()) == line
    assert placed.status == OrderStatus.PENDING_PAYMENT
    assert [e.event_type for e in placed.pull_events()] == ["billing.order_placed"]


def test_a_payment_is_taken_once() -> None:
    placed = order(10_000)
    placed.pull_events()
    assert placed.mark_paid("pi_1", NOW) is True
    assert placed.mark_paid("pi_1", NOW) is False  # a repeated confirmation grants nothing again
    assert [type(e) for e in placed.pull_events()] == [OrderPaid]
    placed.status = OrderStatus.CANCELLED
    with pytest.raises(Conflict):
        placed.mark_paid("pi_2", NOW)


def test_a_free_order_is_paid_when_placed() -> None:
    free = order(0)
    assert free.status == OrderStatus.PAID and free.payment_ref == "free"
    assert [e.event_type for e in free.pull_events()] == ["billing.order_placed", "billing.order_paid"]
