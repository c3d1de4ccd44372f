"""POST /api/v1/checkout/quote: published courses priced for a buyer, line by line."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from core.shared.money import Money
from entrypoints.bootstrap.settings import SettingsError, load_settings
from tests.integration.billing.conftest import Identity
from tests.integration.courses.seed import published_course


async def _quote(identity: Identity, expect: int = 200, **body: Any) -> Any:
    response = await identity.client.post("/api/v1/checkout/quote", json=body)
    assert response.status_code == expect, response.text
    return response.json()


async def test_a_quote_adds_the_buyers_tax_and_converts_at_a_recorded_rate(identity: Identity) -> None:
    course = await published_course(identity.container, "Data Analysis", price=Money(4_900, "USD"))
    german = await _quote(identity, course_ids=[str(course.id)], currency="USD", country="DE")
    (line,) = german["lines"]
    assert (line["net"]["amount_minor"], line["tax"]["amount_minor"], line["tax_percent"]) == (4_900, 931, "19")
    assert german["total"] == {"amount_minor": 5_831, "currency": "USD"} and line["exchange_rate"] is None

    in_euros = await _quote(identity, course_ids=[str(course.id)], currency="eur", country="DE")
    rate = in_euros["lines"][0]["exchange_rate"]
    assert in_euros["currency"] == "EUR" and (rate["base"], rate["quote"], rate["source"]) == ("USD", "EUR", "static")

    new_york = await _quote(identity, course_ids=[str(course.id)], currency="USD", country="US", region="NY")
    assert new_york["tax_total"]["amount_minor"] == 435  # 8.875% of 49.00, rounded half up


async def test_a_business_elsewhere_in_the_eu_is_reverse_charged(identity: Identity) -> None:
    course = await published_course(identity.container, "Statistics", price=Money(10_000, "EUR"))
    body = {"course_ids": [str(course.id)], "currency": "EUR", "country": "FR", "vat_id": "FR12345678901"}
    quote = await _quote(identity, **body)
    assert (
        quote["reverse_charge"] and quote["tax_total"]["amount_minor"] == 0 and quote["total"]["amount_minor"] == 10_000
    )
    consumer = await _quote(identity, course_ids=[str(course.id)], currency="EUR", country="FR")
    assert consumer["tax_total"]["amount_minor"] == 2_000 and not consumer["reverse_charge"]


async def test_unpublished_or_unknown_courses_and_bad_input_are_refused(identity: Identity) -> None:
    missing = str(uuid.uuid4())
    problem = await _quote(identity, 404, course_ids=[missing], currency="USD", country="DE")
    assert problem["code"] == "course.not_found" and problem["details"]["missing"] == [missing]
    course = await published_course(identity.container, "Calculus")
    assert (await _quote(identity, 422, course_ids=[str(course.id)], currency="GBP", country="DE"))[
        "code"
    ] == "money.currency"
    assert (await _quote(identity, 422, course_ids=[str(course.id)], currency="USD", country="Germany"))[
        "code"
    ] == "request.validation"
    bad_vat = {"course_ids": [str(course.id)], "currency": "USD", "country": "DE", "vat_id": "###"}
    assert (await _quote(identity, 422, **bad_vat))["code"] == "tax.vat_id"


def test_tax_rate_settings_are_checked_at_start_up() -> None:
    with pytest.raises(SettingsError, match="TAX_RATES"):
        load_settings({"LYCEUM_TAX_RATES": "DE=19,Germany=19"})
    with pytest.raises(SettingsError, match="SELLER_COUNTRY"):
        load_settings({"LYCEUM_SELLER_COUNTRY": "Deutschland"})
