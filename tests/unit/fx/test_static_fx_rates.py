"""The fixed EUR-based table used in embedded mode: exact cross rates, whatever the caller's context."""

from __future__ import annotations

import datetime as dt
import decimal
import itertools
from decimal import Decimal

import pytest

from adapters.fx.static import DEFAULT_RATES, DEFAULT_RATES_DATE, StaticFxRates
from core.shared.errors import NotFound
from ports.billing.fx import FxRates

TODAY = dt.date(2025, 6, 2)


def exactly(numerator: Decimal, denominator: Decimal) -> Decimal:
    with decimal.localcontext(prec=28, rounding=decimal.ROUND_HALF_EVEN):
        return numerator / denominator


@pytest.fixture
def fx() -> StaticFxRates:
    return StaticFxRates()


def test_it_is_an_fx_rates_port() -> None:
    port: FxRates = StaticFxRates()
    assert port is not None


def test_the_default_table_sells_usd_eur_ils_and_rub() -> None:
    assert set(DEFAULT_RATES) == {"USD", "EUR", "ILS", "RUB"}
    assert DEFAULT_RATES["EUR"] == 1
    assert all(isinstance(rate, Decimal) for rate in DEFAULT_RATES.values())


async def test_a_rate_from_eur_is_the_table_value(fx: StaticFxRates) -> None:
    rate = await fx.rate("EUR", "USD", on=TODAY)
    assert (rate.base, rate.quote, rate.rate, rate.source) == ("EUR", "USD", DEFAULT_RATES["USD"], "static")


async def test_the_rate_is_dated_by_the_table_not_the_request(fx: StaticFxRates) -> None:
    assert (await fx.rate("EUR", "ILS", on=TODAY)).on == DEFAULT_RATES_DATE


async def test_a_rate_into_eur_is_the_exact_inverse(fx: StaticFxRates) -> None:
    rate = await fx.rate("USD", "EUR", on=TODAY)
    assert rate.rate == exactly(Decimal(1), DEFAULT_RATES["USD"])


async def test_a_cross_rate_is_the_exact_quotient_of_the_table(fx: StaticFxRates) -> None:
    rate = await fx.rate("USD", "ILS", on=TODAY)
    assert rate.rate == exactly(DEFAULT_RATES["ILS"], DEFAULT_RATES["USD"])


async def test_the_same_currency_is_one(fx: StaticFxRates) -> None:
    rate = await fx.rate("RUB", "RUB", on=TODAY)
    assert (rate.rate, rate.on) == (Decimal(1), DEFAULT_RATES_DATE)


@pytest.mark.parametrize(("base", "quote"), [("USD", "GBP"), ("GBP", "EUR"), ("usd", "EUR")])
async def test_an_unknown_currency_is_not_found(fx: StaticFxRates, base: str, quote: str) -> None:
    with pytest.raises(NotFound) as caught:
        await fx.rate(base, quote, on=TODAY)
    assert caught.value.code == "fx.rate_unknown"
    assert caught.value.details["source"] == "static"


@pytest.mark.parametrize(("base", "quote"), list(itertools.permutations(DEFAULT_RATES, 2)))
async def test_a_rate_and_its_reverse_multiply_to_one(fx: StaticFxRates, base: str, quote: str) -> None:
    there = await fx.rate(base, quote, on=TODAY)
    back = await fx.rate(quote, base, on=TODAY)
    assert abs(there.rate * back.rate - 1) < Decimal("1e-20")
    assert abs(there.inverse().rate - back.rate) < Decimal("1e-20")


async def test_the_callers_decimal_context_does_not_change_the_rate(fx: StaticFxRates) -> None:
    expected = (await fx.rate("ILS", "RUB", on=TODAY)).rate
    with decimal.localcontext(prec=5, rounding=decimal.ROUND_FLOOR):
        assert (await fx.rate("ILS", "RUB", on=TODAY)).rate == expected
    assert len(expected.as_tuple().digits) == 28


async def test_a_custom_table_and_date_are_served() -> None:
    fx = StaticFxRates({"USD": Decimal("1.25"), "GBP": Decimal("0.80")}, dt.date(2020, 1, 2))
    rate = await fx.rate("GBP", "USD", on=TODAY)
    assert (rate.rate, rate.on) == (Decimal("1.5625"), dt.date(2020, 1, 2))
    assert fx.currencies == {"EUR", "USD", "GBP"}


def test_a_float_rate_is_refused() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        StaticFxRates({"USD": 1.0876}, DEFAULT_RATES_DATE)  # type: ignore[dict-item]


@pytest.mark.parametrize("bad", [Decimal(0), Decimal("-1.2"), Decimal("NaN"), Decimal("Infinity")])
def test_a_rate_that_is_not_positive_and_finite_is_refused(bad: Decimal) -> None:
    with pytest.raises(ValueError, match="positive"):
        StaticFxRates({"USD": bad}, DEFAULT_RATES_DATE)


def test_eur_against_itself_must_be_one() -> None:
    with pytest.raises(ValueError, match="EUR"):
        StaticFxRates({"EUR": Decimal("1.01")}, DEFAULT_RATES_DATE)
