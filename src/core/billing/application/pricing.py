"""Pricing a prospective order: the engine with today's exchange rates."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable

from core.billing.domain.coupons import normalize_code
from core.billing.domain.quotes import MAX_ITEMS, CouponUse, Quote, QuoteRequest, build_quote, required_rates
from core.billing.domain.taxes import Buyer, Seller, TaxTable
from core.shared.errors import InvalidInput, NotFound
from core.shared.money import MINOR_UNITS
from ports.billing.catalog import PriceList
from ports.billing.fx import ExchangeRate, FxRates
from ports.billing.promotions import PromotionsUnitOfWork
from ports.shared.clock import Clock


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


@dataclasses.dataclass(frozen=True)
class QuoteCoursesCommand:
    course_ids: tuple[uuid.UUID, ...]
    currency: str
    buyer: Buyer
    coupon_codes: tuple[str, ...] = ()


class QuoteCourses:
    """What these published courses cost this buyer now, in this currency, line by line, with
    their scheduled sales and the coupons given: the price a checkout will charge."""

    def __init__(
        self,
        prices: PriceList,
        price_quote: PriceQuote,
        seller: Seller,
        taxes: TaxTable,
        clock: Clock,
        promotions: Callable[[], PromotionsUnitOfWork],
    ) -> None:
        self._prices, self._price_quote = prices, price_quote
        self._seller, self._taxes, self._clock = seller, taxes, clock
        self._promotions = promotions

    async def __call__(self, command: QuoteCoursesCommand) -> Quote:
        currency = command.currency.upper()
        if currency not in MINOR_UNITS:  # before any rate is looked up for it
            raise InvalidInput("money.currency", f"currency must be one of {', '.join(sorted(MINOR_UNITS))}")
        ids = tuple(dict.fromkeys(command.course_ids))  # the same course twice is one line
        if not ids or len(ids) > MAX_ITEMS:
            raise InvalidInput("quote.items", f"quote 1 to {MAX_ITEMS} courses")
        items = await self._prices.priced(ids)
        missing = [str(i) for i in ids if i not in {item.course_id for item in items}]
        if missing:
            raise NotFound("course.not_found", "no published course with these ids", {"missing": missing})
        now: dt.datetime = self._clock.now()
        async with self._promotions() as uow:
            sales = await uow.sales.current_and_future(ids, now=now)
            coupons = []
            for code in dict.fromkeys(normalize_code(c) for c in command.coupon_codes):
                coupon = await uow.coupons.get(code)
                if coupon is None:
                    raise InvalidInput("coupon.unknown", f"there is no coupon {code}", {"code": code})
                # Redemption counts come with orders; until then no limit has been used up.
                coupons.append(CouponUse(coupon))
        items = [
            dataclasses.replace(item, sales=tuple(s for s in sales if s.course_id == item.course_id)) for item in items
        ]
        request = QuoteRequest(
            tuple(items), currency, command.buyer, self._seller, self._taxes, now, coupons=tuple(coupons)
        )
        return await self._price_quote(request)
