"""Pricing a prospective order: the engine with today's exchange rates."""

from __future__ import annotations

import dataclasses

from core.billing.domain.quotes import Quote, QuoteRequest, build_quote, required_rates
from ports.billing.fx import ExchangeRate, FxRates


class PriceQuote:
    """Fetches the exchange rates the request needs (the latest published on or before the
    day it is priced) and builds the quote; each line keeps the rate it used, so the order
    made from it can store them and be re-priced exactly later."""

    def __init__(self, rates: FxRates) -> None:
        self._rates = rates

    async def __call__(self, request: QuoteRequest) -> Quote:
        needed = sorted(required_rates(request.items, request.currency) - set(request.rates))
        fetched: dict[tuple[str, str], ExchangeRate] = dict(request.rates)
        for base, quote in needed:
            fetched[(base, quote)] = await self._rates.rate(base, quote, on=request.now.date())
        return build_quote(dataclasses.replace(request, rates=fetched))
