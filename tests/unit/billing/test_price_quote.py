"""Pricing an order fetches exactly the exchange rates it needs, for the day it is priced."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from core.billing.application.pricing import PriceQuote
from core.billing.domain.quotes import PricedCourse, QuoteRequest
from core.billing.domain.taxes import Buyer, Seller, TaxTable
from core.shared.money import Money
from ports.billing.fx import ExchangeRate

NOW = dt.datetime(2026, 12, 6, 9, 0, tzinfo=dt.UTC)  # a Sunday


class RecordingRates:
    def __init__(self) -> None:
        self.asked: list[tuple[str, str, dt.date]] = []

    async def rate(self, base: str, quote: str, *, on: dt.date) -> ExchangeRate:
        self.asked.append((base, quote, on))
        return ExchangeRate(base, quote, Decimal("3.5"), on - dt.timedelta(days=2), "test")


async def test_the_quote_uses_the_rates_of_the_day_it_is_priced_and_records_them() -> None:
    rates = RecordingRates()
    items = (
        PricedCourse(uuid.uuid4(), "Hebrew for beginners", Money(10_000, "USD")),
        PricedCourse(uuid.uuid4(), "Another", Money(2_000, "USD")),
        PricedCourse(uuid.uuid4(), "Local", Money(9_900, "ILS")),
    )
    request = QuoteRequest(items, "ILS", Buyer("IL"), Seller("IL"), TaxTable(), NOW)

    quote = await PriceQuote(rates)(request)

    assert rates.asked == [("USD", "ILS", NOW.date())]  # once per pair, for the pricing day
    assert [line.list_price.amount_minor for line in quote.lines] == [35_000, 7_000, 9_900]
    (used,) = quote.rates
    assert used.on == dt.date(2026, 12, 4) and used.rate == Decimal("3.5")
