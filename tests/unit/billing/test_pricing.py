"""The pricing engine: list price, sale, coupons, tax and currency, line by line."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.billing.domain.conversion import convert
from core.billing.domain.coupons import Coupon, CouponKind
from core.billing.domain.quotes import (
    CouponUse,
    PricedCourse,
    QuoteRequest,
    allocate,
    build_quote,
    required_rates,
)
from core.billing.domain.rounding import round_half_up
from core.billing.domain.sales import ScheduledSale
from core.billing.domain.taxes import Buyer, Seller, TaxRate, TaxTable
from core.shared.errors import Conflict, InvalidInput
from core.shared.money import Money
from ports.billing.fx import ExchangeRate

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
TAXES = TaxTable(
    [
        TaxRate("DE", Decimal("19")),
        TaxRate("IL", Decimal("18")),
        TaxRate("US", Decimal("0"), "Sales tax"),
        TaxRate("US", Decimal("8.875"), "Sales tax", region="NY"),
    ]
)
SELLER = Seller("DE", vat_id="DE123456789", prices_include_tax=False)
USD_TO_EUR = ExchangeRate("USD", "EUR", Decimal("0.9195"), dt.date(2026, 11, 30), "ecb")


def course(amount: int = 10_000, currency: str = "USD", **kwargs: object) -> PricedCourse:
    return PricedCourse(uuid.uuid4(), "Course", Money(amount, currency), **kwargs)  # type: ignore[arg-type]


def quote(*items: PricedCourse, currency: str = "USD", buyer: Buyer | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
    return build_quote(
        QuoteRequest(
            items=items,
            currency=currency,
            buyer=buyer or Buyer("DE"),
            seller=kwargs.pop("seller", SELLER),  # type: ignore[arg-type]
            taxes=TAXES,
            now=NOW,
            **kwargs,  # type: ignore[arg-type]
        )
    )


def percent_coupon(code: str = "SAVE10", off: str = "10", **kwargs: object) -> Coupon:
    return Coupon(code, CouponKind.PERCENT, percent_off=Decimal(off), **kwargs)  # type: ignore[arg-type]


def fixed_coupon(code: str = "FIVE", amounts: dict[str, int] | None = None, **kwargs: object) -> Coupon:
    return Coupon(code, CouponKind.FIXED, amounts_off=amounts or {"USD": 500}, **kwargs)  # type: ignore[arg-type]


# -- examples ---------------------------------------------------------------------------------------


def test_a_quote_shows_base_discount_tax_and_total() -> None:
    q = quote(course(10_000), coupons=(CouponUse(percent_coupon()),))
    (line,) = q.lines
    assert (line.list_price, line.discount, line.price) == (
        Money(10_000, "USD"),
        Money(1_000, "USD"),
        Money(9_000, "USD"),
    )
    assert (line.tax, line.tax_name, line.tax_percent) == (Money(1_710, "USD"), "VAT", Decimal("19"))
    assert q.total == Money(10_710, "USD") and q.coupons == ("SAVE10",)


def test_tax_inclusive_prices_contain_the_tax() -> None:
    q = quote(course(11_900), seller=Seller("DE", prices_include_tax=True))
    (line,) = q.lines
    assert (line.net, line.tax, line.total) == (Money(10_000, "USD"), Money(1_900, "USD"), Money(11_900, "USD"))


def test_a_business_buyer_in_another_eu_country_is_reverse_charged() -> None:
    french_business = Buyer("FR", vat_id="FR 12 345678901")
    q = quote(course(10_000), buyer=french_business)
    assert q.reverse_charge and q.tax_total == Money(0, "USD") and q.total == Money(10_000, "USD")
    inclusive = quote(
        course(11_900), buyer=Buyer("DE", vat_id="DE999999999"), seller=Seller("AT", prices_include_tax=True)
    )
    assert inclusive.reverse_charge and inclusive.total == Money(10_000, "USD")  # charged without the VAT


def test_consumers_and_buyers_outside_the_vat_area_are_not_reverse_charged() -> None:
    assert not quote(course(), buyer=Buyer("FR")).reverse_charge  # no VAT id: a consumer
    assert not quote(course(), buyer=Buyer("DE", vat_id="DE111111111")).reverse_charge  # same country
    israeli = quote(course(10_000), buyer=Buyer("IL", vat_id="IL123456789"))
    assert not israeli.reverse_charge and israeli.tax_total == Money(1_800, "USD")


def test_a_region_rate_beats_the_country_rate() -> None:
    assert quote(course(10_000), buyer=Buyer("US", region="NY")).tax_total == Money(888, "USD")  # 887.5 rounds up
    assert quote(course(10_000), buyer=Buyer("US", region="TX")).tax_total == Money(0, "USD")
    assert quote(course(10_000), buyer=Buyer("JP")).lines[0].tax_name is None  # no rate: no tax


def test_a_price_for_the_currency_beats_a_conversion() -> None:
    item = course(10_000, overrides={"EUR": 8_900})
    q = quote(item, currency="EUR", rates={("USD", "EUR"): USD_TO_EUR})
    assert q.lines[0].list_price == Money(8_900, "EUR") and q.rates == ()


def test_a_converted_price_records_its_rate() -> None:
    q = quote(course(10_000), currency="EUR", rates={("USD", "EUR"): USD_TO_EUR})
    assert q.lines[0].list_price == Money(9_195, "EUR") and q.rates == (USD_TO_EUR,)
    with pytest.raises(InvalidInput) as missing:
        quote(course(10_000), currency="EUR")
    assert missing.value.code == "fx.rate_missing"
    assert required_rates([course(1, "ILS"), course(1, "EUR", overrides={"RUB": 5})], "RUB") == {("ILS", "RUB")}


def test_the_lowest_active_sale_wins_and_never_raises_the_price() -> None:
    item = course(10_000)
    cid = item.course_id
    sales = (
        ScheduledSale(cid, NOW - DAY, NOW + DAY, percent_off=Decimal("25")),
        ScheduledSale(cid, NOW - DAY, NOW + DAY, price=Money(8_000, "USD")),
        ScheduledSale(cid, NOW - DAY, NOW + DAY, price=Money(20_000, "USD")),
        ScheduledSale(cid, NOW + DAY, NOW + 2 * DAY, price=Money(1, "USD")),  # not yet
        ScheduledSale(cid, NOW - 2 * DAY, NOW, price=Money(1, "USD")),  # over (the end is exclusive)
    )
    (line,) = quote(PricedCourse(cid, "C", Money(10_000, "USD"), sales=sales)).lines
    assert line.price == Money(7_500, "USD") and [d.code for d in line.discounts] == ["sale"]


def test_a_fixed_coupon_is_taken_once_and_shared_by_price() -> None:
    a, b = course(3_000), course(1_000)
    q = quote(a, b, coupons=(CouponUse(fixed_coupon(amounts={"USD": 1_000})),))
    assert [line.discount.amount_minor for line in q.lines] == [750, 250]
    small = quote(course(300), coupons=(CouponUse(fixed_coupon(amounts={"USD": 1_000})),))
    assert small.lines[0].price == Money(0, "USD") and small.total == Money(0, "USD")


def test_percent_coupons_apply_before_fixed_ones_and_only_to_their_courses() -> None:
    a, b = course(10_000), course(10_000)
    only_a = percent_coupon("HALF", "50", course_ids=frozenset({a.course_id}), stackable=True)
    five = fixed_coupon("FIVE", {"USD": 500}, stackable=True)
    q = quote(a, b, coupons=(CouponUse(five), CouponUse(only_a)))
    assert [line.price.amount_minor for line in q.lines] == [10_000 - 5_000 - 167, 10_000 - 333]
    assert q.coupons == ("HALF", "FIVE")


def test_coupon_refusals_are_precise() -> None:
    def refused(*uses: CouponUse, currency: str = "USD") -> str:
        with pytest.raises((InvalidInput, Conflict)) as caught:
            quote(course(10_000, overrides={"EUR": 9_000}), currency=currency, coupons=uses)
        return caught.value.code  # type: ignore[union-attr]

    assert refused(CouponUse(percent_coupon(starts_at=NOW + DAY))) == "coupon.not_started"
    assert refused(CouponUse(percent_coupon(expires_at=NOW))) == "coupon.expired"
    assert refused(CouponUse(percent_coupon(max_redemptions=100), redeemed=100)) == "coupon.exhausted"
    assert refused(CouponUse(percent_coupon(max_per_user=1), redeemed_by_buyer=1)) == "coupon.used_by_you"
    assert refused(CouponUse(fixed_coupon()), currency="EUR") == "coupon.currency"
    assert refused(CouponUse(percent_coupon("AAA")), CouponUse(percent_coupon("BBB", stackable=True))) == (
        "coupon.not_stackable"
    )
    assert refused(CouponUse(percent_coupon()), CouponUse(percent_coupon())) == "coupon.duplicate"
    other = percent_coupon(course_ids=frozenset({uuid.uuid4()}))
    assert refused(CouponUse(other)) == "coupon.not_applicable"


def test_malformed_coupons_and_places_are_refused() -> None:
    for build in (
        lambda: Coupon("no spaces", CouponKind.PERCENT, percent_off=Decimal(10)),
        lambda: Coupon("ZERO", CouponKind.PERCENT, percent_off=Decimal(0)),
        lambda: Coupon("TOOMUCH", CouponKind.PERCENT, percent_off=Decimal(101)),
        lambda: Coupon("MIXED", CouponKind.FIXED, percent_off=Decimal(5), amounts_off={"USD": 1}),
        lambda: Coupon("GBP", CouponKind.FIXED, amounts_off={"GBP": 100}),
        lambda: Buyer("Germany"),
        lambda: Buyer("DE", vat_id="not a vat id!"),
    ):
        with pytest.raises(InvalidInput):
            build()


def test_allocation_is_exact_and_proportional() -> None:
    assert allocate(100, [1, 1, 1]) == {0: 34, 1: 33, 2: 33}
    assert allocate(0, [5, 5]) == {0: 0, 1: 0}
    assert allocate(10, [0, 0]) == {0: 0, 1: 0}


def test_conversion_is_reproducible_from_the_recorded_rate() -> None:
    amount = Money(12_345, "USD")
    assert convert(amount, USD_TO_EUR) == convert(amount, USD_TO_EUR) == Money(11_351, "EUR")  # 11351.2275
    back = convert(convert(amount, USD_TO_EUR), USD_TO_EUR.inverse())
    assert abs(back.amount_minor - amount.amount_minor) <= 1


# -- properties -------------------------------------------------------------------------------------

amounts = st.integers(min_value=0, max_value=10**9)
percents = st.decimals(min_value=Decimal("0.01"), max_value=100, places=2)
tax_percents = st.decimals(min_value=0, max_value=30, places=3)


@st.composite
def orders(draw: st.DrawFn) -> QuoteRequest:
    items = tuple(
        PricedCourse(uuid.uuid4(), "C", Money(draw(amounts), draw(st.sampled_from(["USD", "EUR"]))))
        for _ in range(draw(st.integers(1, 6)))
    )
    coupons: list[CouponUse] = []
    for n in range(draw(st.integers(0, 3))):
        if draw(st.booleans()):
            coupons.append(CouponUse(percent_coupon(f"P{n}X", str(draw(percents)), stackable=True)))
        else:
            coupons.append(CouponUse(fixed_coupon(f"F{n}X", {"USD": draw(st.integers(1, 10**7))}, stackable=True)))
    rate = ExchangeRate("EUR", "USD", draw(st.decimals(min_value="0.01", max_value=500, places=6)), NOW.date(), "t")
    return QuoteRequest(
        items=items,
        currency="USD",
        buyer=Buyer("DE"),
        seller=Seller("DE", prices_include_tax=draw(st.booleans())),
        taxes=TaxTable([TaxRate("DE", draw(tax_percents))]),
        now=NOW,
        coupons=tuple(coupons),
        rates={("EUR", "USD"): rate},
    )


@settings(max_examples=300, deadline=None)
@given(orders())
def test_money_properties_of_every_quote(request: QuoteRequest) -> None:
    q = build_quote(request)
    rate = request.taxes.rate_for("DE")
    assert rate is not None
    for line in q.lines:
        # Never negative, and no discount exceeds the price it is taken from.
        assert line.total.amount_minor >= 0 and line.price.amount_minor >= 0
        assert line.discount.amount_minor <= line.list_price.amount_minor
        assert line.price.amount_minor == line.list_price.amount_minor - line.discount.amount_minor
        # The tax line is off by at most one minor unit from the exact tax.
        if request.seller.prices_include_tax:
            exact = Fraction(line.price.amount_minor) * rate.fraction / (1 + rate.fraction)
            assert line.total == line.price
        else:
            exact = line.net.amount_minor * rate.fraction
            assert line.total.amount_minor == line.net.amount_minor + line.tax.amount_minor
        assert abs(line.tax.amount_minor - exact) <= 1
        # A conversion is reproduced by the rate the line recorded.
        item = next(i for i in request.items if i.course_id == line.course_id)
        if line.fx is not None:
            assert convert(item.price, line.fx) == line.list_price
    # The totals are the sums of the lines; a coupon never takes more than the order's worth.
    assert q.total.amount_minor == sum(line.total.amount_minor for line in q.lines)
    assert q.discount_total.amount_minor <= q.list_total.amount_minor
    assert build_quote(request) == q  # deterministic


@given(st.fractions(min_value=-(10**6), max_value=10**6))
def test_rounding_is_to_the_nearest_minor_unit(value: Fraction) -> None:
    assert abs(round_half_up(value) - value) <= Fraction(1, 2)


@given(st.integers(0, 10**9), st.lists(st.integers(0, 10**7), min_size=1, max_size=20))
def test_allocation_never_exceeds_a_weight_and_sums_exactly(amount: int, weights: list[int]) -> None:
    amount = min(amount, sum(weights))
    parts = allocate(amount, weights)
    assert sum(parts.values()) == (amount if sum(weights) else 0)
    assert all(0 <= parts[i] <= w for i, w in enumerate(weights))
