"""The pricing engine: from list prices to a quote whose every line says what it is made of.

For each course in the order, in the order's currency:

1. **List price**: the course's own price for that currency when it sets one, else its price
   converted at a recorded exchange rate.
2. **Sale**: the lowest active scheduled sale, if it is lower.
3. **Coupons**: percent coupons, then fixed ones (``coupons.in_application_order``); a fixed
   amount is taken off the order once, shared across the lines it applies to in proportion to
   their prices. A line never goes below zero.
4. **Tax**: the buyer's rate; prices either include it (the tax is the part of the price it
   accounts for) or not (it is added); reverse charge for business buyers across a VAT border.

Amounts are exact until each line's figure is rounded, once, half up, to a minor unit; totals
are sums of the rounded lines, so an invoice adds up.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction

from core.billing.domain.conversion import convert
from core.billing.domain.coupons import Coupon, CouponKind, check_stacking, in_application_order
from core.billing.domain.rounding import percent, round_half_up
from core.billing.domain.sales import ScheduledSale
from core.billing.domain.taxes import Buyer, Seller, TaxTable, TaxTreatment, tax_treatment
from core.shared.errors import InvalidInput
from core.shared.money import MINOR_UNITS, Money
from ports.billing.fx import ExchangeRate

MAX_ITEMS = 50


@dataclasses.dataclass(frozen=True)
class PricedCourse:
    """A course as the pricing engine sees it: its price, per-currency prices, sales."""

    course_id: uuid.UUID
    title: str
    price: Money
    overrides: Mapping[str, int] = dataclasses.field(default_factory=dict)
    sales: tuple[ScheduledSale, ...] = ()


@dataclasses.dataclass(frozen=True)
class CouponUse:
    """A coupon with how often it was redeemed, by anyone and by this buyer."""

    coupon: Coupon
    redeemed: int = 0
    redeemed_by_buyer: int = 0


@dataclasses.dataclass(frozen=True)
class QuoteRequest:
    items: tuple[PricedCourse, ...]
    currency: str
    buyer: Buyer
    seller: Seller
    taxes: TaxTable
    now: dt.datetime
    coupons: tuple[CouponUse, ...] = ()
    # (from, to) -> rate; ``required_rates`` says which pairs the items need.
    rates: Mapping[tuple[str, str], ExchangeRate] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Discount:
    code: str  # a coupon code, or "sale"
    amount: Money


@dataclasses.dataclass(frozen=True)
class QuoteLine:
    course_id: uuid.UUID
    title: str
    list_price: Money
    discounts: tuple[Discount, ...]
    price: Money  # what the line costs after discounts, as prices are shown (incl. or excl. tax)
    net: Money  # excluding tax
    tax: Money
    tax_name: str | None
    tax_percent: Decimal
    reverse_charge: bool
    total: Money  # what the buyer pays for this line
    fx: ExchangeRate | None  # the rate the list price was converted at, if it was

    @property
    def discount(self) -> Money:
        return Money(sum(d.amount.amount_minor for d in self.discounts), self.price.currency)


@dataclasses.dataclass(frozen=True)
class Quote:
    currency: str
    lines: tuple[QuoteLine, ...]
    coupons: tuple[str, ...]
    prices_include_tax: bool
    reverse_charge: bool

    def _sum(self, amounts: Iterable[Money]) -> Money:
        return Money(sum(a.amount_minor for a in amounts), self.currency)

    @property
    def list_total(self) -> Money:
        return self._sum(line.list_price for line in self.lines)

    @property
    def discount_total(self) -> Money:
        return self._sum(line.discount for line in self.lines)

    @property
    def net_total(self) -> Money:
        return self._sum(line.net for line in self.lines)

    @property
    def tax_total(self) -> Money:
        return self._sum(line.tax for line in self.lines)

    @property
    def total(self) -> Money:
        return self._sum(line.total for line in self.lines)

    @property
    def rates(self) -> tuple[ExchangeRate, ...]:
        """Every exchange rate the quote used, once each: an order records them."""
        seen: dict[tuple[str, str], ExchangeRate] = {}
        for line in self.lines:
            if line.fx is not None:
                seen.setdefault((line.fx.base, line.fx.quote), line.fx)
        return tuple(seen.values())


def required_rates(items: Iterable[PricedCourse], currency: str) -> set[tuple[str, str]]:
    """The (from, to) exchange rates a quote in ``currency`` needs for these items."""
    pairs: set[tuple[str, str]] = set()
    for item in items:
        if currency not in item.overrides and item.price.currency != currency:
            pairs.add((item.price.currency, currency))
        for sale in item.sales:
            if sale.price is not None and sale.price.currency != currency:
                pairs.add((sale.price.currency, currency))
    return pairs


def build_quote(request: QuoteRequest) -> Quote:
    currency = request.currency
    if currency not in MINOR_UNITS:
        raise InvalidInput("money.currency", f"currency must be one of {', '.join(sorted(MINOR_UNITS))}")
    if not request.items:
        raise InvalidInput("quote.empty", "a quote needs at least one course")
    if len(request.items) > MAX_ITEMS:
        raise InvalidInput("quote.too_many_items", f"at most {MAX_ITEMS} courses per order")
    if len({item.course_id for item in request.items}) != len(request.items):
        raise InvalidInput("quote.duplicate_item", "each course appears once in an order")
    if request.now.tzinfo is None:
        raise ValueError("quotes are priced at an aware instant")

    starts = [_starting_price(item, request) for item in request.items]
    running = [price.amount_minor for _, _, price in starts]
    discounts: list[list[Discount]] = [
        [Discount("sale", Money(listed.amount_minor - price.amount_minor, currency))]
        if price.amount_minor < listed.amount_minor
        else []
        for listed, _, price in starts
    ]
    coupons = _usable_coupons(request)
    for coupon in coupons:
        eligible = [i for i, item in enumerate(request.items) if coupon.applies_to(item.course_id)]
        if not eligible:
            raise InvalidInput(
                "coupon.not_applicable", f"coupon {coupon.code} applies to none of these courses", {"code": coupon.code}
            )
        for i, amount in _coupon_discounts(coupon, [running[i] for i in eligible], currency).items():
            line = eligible[i]
            if amount:
                running[line] -= amount
                discounts[line].append(Discount(coupon.code, Money(amount, currency)))

    treatment = tax_treatment(request.seller, request.buyer, request.taxes)
    lines = tuple(
        _line(item, listed, fx, Money(running[i], currency), tuple(discounts[i]), treatment, request.seller)
        for i, (item, (listed, fx, _)) in enumerate(zip(request.items, starts, strict=True))
    )
    return Quote(
        currency=currency,
        lines=lines,
        coupons=tuple(c.code for c in coupons),
        prices_include_tax=request.seller.prices_include_tax,
        reverse_charge=treatment.reverse_charge,
    )


def _starting_price(item: PricedCourse, request: QuoteRequest) -> tuple[Money, ExchangeRate | None, Money]:
    """(list price, the rate it was converted at, price after the best active sale)."""
    currency = request.currency
    fx: ExchangeRate | None = None
    if currency in item.overrides:
        listed = Money(item.overrides[currency], currency)
    elif item.price.currency == currency:
        listed = item.price
    else:
        fx = _rate(request.rates, item.price.currency, currency)
        listed = convert(item.price, fx)
    best = listed.amount_minor
    for sale in item.sales:
        if sale.course_id != item.course_id or not sale.active(request.now):
            continue
        if sale.price is not None:
            price = sale.price
            if price.currency != currency:
                price = convert(price, _rate(request.rates, price.currency, currency))
            candidate = price.amount_minor
        else:
            assert sale.percent_off is not None
            candidate = listed.amount_minor - round_half_up(listed.amount_minor * percent(sale.percent_off))
        best = min(best, candidate)
    return listed, fx, Money(best, currency)


def _usable_coupons(request: QuoteRequest) -> list[Coupon]:
    coupons = [use.coupon for use in request.coupons]
    check_stacking(coupons)
    for use in request.coupons:
        use.coupon.check(
            now=request.now,
            currency=request.currency,
            redeemed=use.redeemed,
            redeemed_by_buyer=use.redeemed_by_buyer,
        )
    return in_application_order(coupons)


def _coupon_discounts(coupon: Coupon, prices: Sequence[int], currency: str) -> dict[int, int]:
    """Minor units off each of ``prices`` (by position), never more than the price."""
    if coupon.kind is CouponKind.PERCENT:
        share = coupon.fraction_off
        return {i: min(price, round_half_up(price * share)) for i, price in enumerate(prices)}
    return allocate(min(coupon.amounts_off[currency], sum(prices)), prices)


def allocate(amount: int, weights: Sequence[int]) -> dict[int, int]:
    """Split ``amount`` in proportion to ``weights`` in whole units, exactly (largest remainder;
    ties to the earlier position). With ``amount <= sum(weights)`` no part exceeds its weight."""
    total = sum(weights)
    if total <= 0 or amount <= 0:
        return {i: 0 for i in range(len(weights))}
    exact = [Fraction(amount * w, total) for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[: amount - sum(parts)]:
        parts[i] += 1
    return dict(enumerate(parts))


def _line(
    item: PricedCourse,
    listed: Money,
    fx: ExchangeRate | None,
    price: Money,
    discounts: tuple[Discount, ...],
    treatment: TaxTreatment,
    seller: Seller,
) -> QuoteLine:
    currency = price.currency
    full_rate = treatment.rate.fraction if treatment.rate is not None else Fraction(0)
    if seller.prices_include_tax:
        # The price contains the tax at the buyer's rate; a reverse-charged buyer pays the
        # price without it (and accounts for the tax itself).
        embedded = round_half_up(price.amount_minor * full_rate / (1 + full_rate))
        net = price.amount_minor - embedded
        tax = 0 if treatment.reverse_charge else embedded
        total = net + tax
    else:
        net = price.amount_minor
        tax = round_half_up(net * treatment.fraction)
        total = net + tax
    return QuoteLine(
        course_id=item.course_id,
        title=item.title,
        list_price=listed,
        discounts=discounts,
        price=price,
        net=Money(net, currency),
        tax=Money(tax, currency),
        tax_name=treatment.rate.name if treatment.rate is not None else None,
        tax_percent=Decimal(0) if treatment.reverse_charge or treatment.rate is None else treatment.rate.percent,
        reverse_charge=treatment.reverse_charge,
        total=Money(total, currency),
        fx=fx,
    )


def _rate(rates: Mapping[tuple[str, str], ExchangeRate], base: str, quote: str) -> ExchangeRate:
    found = rates.get((base, quote))
    if found is None:
        raise InvalidInput("fx.rate_missing", f"no {base}->{quote} exchange rate was given", {"pair": f"{base}{quote}"})
    return found
