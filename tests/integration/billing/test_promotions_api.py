"""Coupons and scheduled sales: admins manage them, quotes apply them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.identity.domain.roles import Role
from core.shared.money import Money
from tests.integration.billing.conftest import Identity
from tests.integration.courses.seed import published_course


async def _call(identity: Identity, method: str, path: str, who: dict[str, str], expect: int, **kw: Any) -> Any:
    response = await identity.client.request(method, path, headers=who, **kw)
    assert response.status_code == expect, response.text
    return response.json() if response.content else None


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat()


async def test_admins_create_coupons_that_quotes_apply_and_switch_them_off(identity: Identity) -> None:
    admin = await identity.signed_in("pricing-admin@example.test", role=Role.ADMIN)
    student = await identity.signed_in("student@example.test")
    course = await published_course(identity.container, "Negotiation", price=Money(10_000, "USD"))
    body = {"code": "launch-20", "kind": "percent", "percent_off": "20", "max_per_user": 1}

    await _call(identity, "POST", "/api/v1/admin/coupons", student, 403, json=body)
    created = await _call(identity, "POST", "/api/v1/admin/coupons", admin, 201, json=body)
    assert created["code"] == "LAUNCH-20" and created["active"]
    taken = await _call(identity, "POST", "/api/v1/admin/coupons", admin, 409, json=body)
    assert taken["code"] == "coupon.exists"

    quote_body = {"course_ids": [str(course.id)], "currency": "USD", "country": "US", "coupons": ["Launch-20"]}
    quote = await _call(identity, "POST", "/api/v1/checkout/quote", {}, 200, json=quote_body)
    assert quote["coupons"] == ["LAUNCH-20"] and quote["total"]["amount_minor"] == 8_000
    unknown = await _call(identity, "POST", "/api/v1/checkout/quote", {}, 422, json={**quote_body, "coupons": ["NOPE"]})
    assert unknown["code"] == "coupon.unknown"

    await _call(identity, "DELETE", "/api/v1/admin/coupons/launch-20", admin, 200)
    off = await _call(identity, "POST", "/api/v1/checkout/quote", {}, 422, json=quote_body)
    assert off["code"] == "coupon.inactive"
    listed = await _call(identity, "GET", "/api/v1/admin/coupons?include_inactive=true", admin, 200)
    assert [(c["code"], c["active"]) for c in listed] == [("LAUNCH-20", False)]
    assert await _call(identity, "GET", "/api/v1/admin/coupons", admin, 200) == []


async def test_a_scheduled_sale_lowers_the_quote_while_it_runs(identity: Identity) -> None:
    admin = await identity.signed_in("pricing-admin@example.test", role=Role.ADMIN)
    course = await published_course(identity.container, "Typography", price=Money(10_000, "USD"))
    now = identity.clock.now()
    sale = {
        "course_id": str(course.id),
        "starts_at": _iso(now - dt.timedelta(hours=1)),
        "ends_at": _iso(now + dt.timedelta(days=1)),
        "percent_off": "30",
    }
    created = await _call(identity, "POST", "/api/v1/admin/sales", admin, 201, json=sale)
    later = {**sale, "starts_at": _iso(now + dt.timedelta(days=2)), "ends_at": _iso(now + dt.timedelta(days=3))}
    later.pop("percent_off")
    await _call(
        identity,
        "POST",
        "/api/v1/admin/sales",
        admin,
        201,
        json={**later, "price": {"amount_minor": 1, "currency": "USD"}},
    )
    naive = {**sale, "starts_at": "2026-12-01T00:00:00"}
    assert (await _call(identity, "POST", "/api/v1/admin/sales", admin, 422, json=naive))[
        "code"
    ] == "request.naive_datetime"

    body = {"course_ids": [str(course.id)], "currency": "USD", "country": "US"}
    (line,) = (await _call(identity, "POST", "/api/v1/checkout/quote", {}, 200, json=body))["lines"]
    assert line["price"]["amount_minor"] == 7_000 and [d["code"] for d in line["discounts"]] == ["sale"]

    listed = await _call(identity, "GET", f"/api/v1/admin/sales?course_id={course.id}", admin, 200)
    assert len(listed) == 2
    await _call(identity, "DELETE", f"/api/v1/admin/sales/{created['id']}", admin, 200)
    (line,) = (await _call(identity, "POST", "/api/v1/checkout/quote", {}, 200, json=body))["lines"]
    assert line["price"]["amount_minor"] == 10_000
