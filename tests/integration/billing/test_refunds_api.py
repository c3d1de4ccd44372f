"""Refunds: the ledger reverses exactly what went back, a full refund ends access, a key refunds once."""

from __future__ import annotations

import json
import time
from typing import Any

from adapters.payments import signatures
from core.identity.application.context import Principal
from core.identity.domain.roles import Role
from core.shared.money import Money
from tests.integration.billing.conftest import Identity
from tests.integration.courses.seed import published_course


async def _paid(identity: Identity, buyer: dict[str, str], owner: Principal) -> dict[str, Any]:
    course = await published_course(identity.container, "Paid Course", owner=owner, price=Money(10_000, "USD"))
    body = {"course_ids": [str(course.id)], "currency": "USD", "country": "DE"}
    order = (
        await identity.client.post("/api/v1/checkout", json=body, headers={**buyer, "Idempotency-Key": "k"})
    ).json()
    data = {"order_id": order["id"], "payment_id": "pay_1", "amount_minor": 11_900, "currency": "USD"}
    event = {"id": "evt_1", "type": "payment.succeeded", "data": data}
    raw = json.dumps(event).encode()
    headers = {"Stripe-Signature": signatures.sign(raw, "whsec_current", int(time.time()))}
    assert (await identity.client.post("/api/v1/webhooks/sandbox", content=raw, headers=headers)).status_code == 200
    await identity.deliver_mail()
    await identity.deliver_mail()
    return order


async def _refund(
    identity: Identity, admin: dict[str, str], order: dict[str, Any], key: str, expect: int, **body: Any
) -> Any:
    response = await identity.client.post(
        f"/api/v1/admin/orders/{order['id']}/refunds", json=body, headers={**admin, "Idempotency-Key": key}
    )
    assert response.status_code == expect, response.text
    return response.json()


async def test_partial_then_full_refunds_reverse_the_ledger_and_end_access_at_the_end(identity: Identity) -> None:
    teacher = await identity.signed_in("teacher@example.test", role=Role.INSTRUCTOR)
    owner = Principal(await identity.user_id("teacher@example.test"), Role.INSTRUCTOR, "test")
    admin = await identity.signed_in("admin@example.test", role=Role.ADMIN)
    ann = await identity.signed_in("ann@example.test")
    order = await _paid(identity, ann, owner)

    async def state() -> tuple[str, int, dict[str, int], dict[str, int], int]:
        o = (await identity.client.get(f"/api/v1/orders/{order['id']}", headers=ann)).json()
        earned = (await identity.client.get("/api/v1/earnings", headers=teacher)).json()["amounts"]
        ledger = (await identity.client.get("/api/v1/admin/ledger/balance", headers=admin)).json()["amounts"]
        courses = (await identity.client.get("/api/v1/enrollments", headers=ann)).json()["items"]
        return o["status"], o["refunded"]["amount_minor"], earned, ledger, sum(c["status"] == "active" for c in courses)

    assert await state() == ("paid", 0, {"USD": 7_000}, {"USD": 0}, 1)

    part = await _refund(identity, admin, order, "r1", 200, amount_minor=5_950, reason="half")
    assert part["status"] == "partially_refunded"
    await _refund(identity, admin, order, "r1", 200, amount_minor=5_950)  # the same key: nothing more
    await identity.deliver_mail()
    assert await state() == ("partially_refunded", 5_950, {"USD": 3_500}, {"USD": 0}, 1)  # access kept

    over = await _refund(identity, admin, order, "r2", 422, amount_minor=6_000)
    assert over["code"] == "refund.amount"
    await _refund(identity, admin, order, "r3", 200)  # the rest
    await identity.deliver_mail()
    assert await state() == ("refunded", 11_900, {"USD": 0}, {"USD": 0}, 0)
    assert (await _refund(identity, admin, order, "r4", 409))["code"] == "order.not_refundable"
    await _refund(identity, ann, order, "r5", 403)
