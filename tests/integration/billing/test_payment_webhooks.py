"""Payment webhooks: signed, kept once, applied once, however they are delivered."""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from typing import Any

import pytest

from adapters.payments import signatures
from core.shared.money import Money
from tests.integration.billing.conftest import Identity
from tests.integration.courses.seed import published_course


def _event(order: dict[str, Any], *, event_id: str = "evt_1", amount: int | None = None) -> bytes:
    data = {
        "order_id": order["id"],
        "payment_id": "pay_1",
        "amount_minor": order["total"]["amount_minor"] if amount is None else amount,
        "currency": order["currency"],
    }
    return json.dumps({"id": event_id, "type": "payment.succeeded", "data": data}).encode()


async def _deliver(identity: Identity, body: bytes, *, secret: str = "whsec_current", stamp: int | None = None) -> Any:
    header = signatures.sign(body, secret, stamp or int(time.time()))
    return await identity.client.post(
        "/api/v1/webhooks/sandbox",
        content=body,
        headers={"Stripe-Signature": header, "Content-Type": "application/json"},
    )


async def _paid_order(identity: Identity, who: dict[str, str]) -> tuple[dict[str, Any], uuid.UUID]:
    course = await published_course(identity.container, "Paid Course", price=Money(4_900, "USD"))
    body = {"course_ids": [str(course.id)], "currency": "USD", "country": "DE"}
    response = await identity.client.post("/api/v1/checkout", json=body, headers={**who, "Idempotency-Key": "k1"})
    assert response.status_code == 201, response.text
    return response.json(), course.id


async def test_a_payment_webhook_delivered_again_and_again_enrolls_exactly_once(identity: Identity) -> None:
    ann = await identity.signed_in("ann@example.test")
    order, course_id = await _paid_order(identity, ann)
    body = _event(order)

    sequential = [await _deliver(identity, body) for _ in range(10)]
    concurrent = await asyncio.gather(*(_deliver(identity, body) for _ in range(5)))
    responses = sequential + list(concurrent)
    random.Random(7).shuffle(responses)
    assert {r.status_code for r in responses} == {200}
    assert sum(not r.json()["duplicate"] for r in responses) == 1  # kept once

    await identity.deliver_mail()  # the worker applies it, then enrolls on billing.order_paid
    await identity.deliver_mail()
    paid = (await identity.client.get(f"/api/v1/orders/{order['id']}", headers=ann)).json()
    assert paid["status"] == "paid" and paid["paid_at"]
    mine = (await identity.client.get("/api/v1/enrollments", headers=ann)).json()["items"]
    assert [(e["course_id"], e["source"]) for e in mine] == [(str(course_id), "paid")]


async def test_unsigned_stale_or_wrong_amount_webhooks_change_nothing(identity: Identity) -> None:
    ann = await identity.signed_in("ann@example.test")
    order, _ = await _paid_order(identity, ann)

    assert (await _deliver(identity, _event(order), secret="whsec_guess")).status_code == 401
    assert (await _deliver(identity, _event(order), stamp=int(time.time()) - 3600)).status_code == 401
    assert (await _deliver(identity, _event(order), secret="whsec_old")).status_code == 200  # rotation
    assert (await identity.client.post("/api/v1/webhooks/paypal", content=b"{}")).status_code == 404

    short = await _deliver(identity, _event(order, event_id="evt_short", amount=100))
    assert short.status_code == 200
    await identity.deliver_mail()
    await identity.deliver_mail()
    # The rotated-secret delivery was genuine (full amount): paid. The short one changed nothing.
    status = (await identity.client.get(f"/api/v1/orders/{order['id']}", headers=ann)).json()["status"]
    assert status == "paid"
    applied = await identity.container.billing.apply_webhook()("sandbox", "evt_short")
    assert applied == "amount_mismatch"


async def test_a_paid_order_posts_one_balanced_ledger_transaction_and_pays_its_instructor(identity: Identity) -> None:
    from core.identity.application.context import Principal
    from core.identity.domain.roles import Role

    teacher = await identity.signed_in("teacher@example.test", role=Role.INSTRUCTOR)
    owner = Principal(await identity.user_id("teacher@example.test"), Role.INSTRUCTOR, "test")
    auditor = await identity.signed_in("auditor@example.test", role=Role.ADMIN)
    ann = await identity.signed_in("ann@example.test")
    course = await published_course(identity.container, "Paid Course", owner=owner, price=Money(10_000, "USD"))
    body = {"course_ids": [str(course.id)], "currency": "USD", "country": "DE"}
    order = (await identity.client.post("/api/v1/checkout", json=body, headers={**ann, "Idempotency-Key": "k"})).json()

    for _ in range(3):
        assert (await _deliver(identity, _event(order))).status_code == 200
        await identity.deliver_mail()
        await identity.deliver_mail()
    assert await identity.container.billing.post_sale()(uuid.UUID(order["id"])) is False  # posted once only

    earnings = (await identity.client.get("/api/v1/earnings", headers=teacher)).json()
    assert earnings == {"amounts": {"USD": 7_000}}  # net 100.00 minus the 30% platform fee
    assert (await identity.client.get("/api/v1/earnings", headers=ann)).status_code == 403
    ledger = (await identity.client.get("/api/v1/admin/ledger/balance", headers=auditor)).json()
    assert ledger == {"amounts": {"USD": 0}}


@pytest.mark.parametrize("seed", [11, 3, 29])
async def test_payment_webhooks_shuffled_against_a_refund_end_refunded_with_a_zero_ledger(
    identity: Identity, seed: int
) -> None:
    from core.identity.application.context import Principal
    from core.identity.domain.roles import Role

    teacher = await identity.signed_in("teacher@example.test", role=Role.INSTRUCTOR)
    owner = Principal(await identity.user_id("teacher@example.test"), Role.INSTRUCTOR, "test")
    auditor = await identity.signed_in("auditor@example.test", role=Role.ADMIN)
    ann = await identity.signed_in("ann@example.test")
    course = await published_course(identity.container, "Paid Course", owner=owner, price=Money(10_000, "USD"))
    body = {"course_ids": [str(course.id)], "currency": "USD", "country": "DE"}
    order = (await identity.client.post("/api/v1/checkout", json=body, headers={**ann, "Idempotency-Key": "k"})).json()
    payment = _event(order)
    refund = json.dumps(
        {"id": "evt_refund", "type": "payment.refunded",
         "data": {"order_id": order["id"], "payment_id": "pay_1", "amount_minor": 11_900, "currency": "USD"}}
    ).encode()  # fmt: skip

    rng = random.Random(seed)
    deliveries = [payment] * 10 + [refund]
    rng.shuffle(deliveries)  # the refund lands somewhere among the sequential payments
    for body_bytes in deliveries:
        assert (await _deliver(identity, body_bytes)).status_code == 200
        if rng.random() < 0.4:
            await identity.deliver_mail()  # the worker runs at random moments in between
    at_once = await asyncio.gather(*(_deliver(identity, payment) for _ in range(5)))
    assert {r.status_code for r in at_once} == {200}
    for _ in range(3):
        await identity.deliver_mail()

    final = (await identity.client.get(f"/api/v1/orders/{order['id']}", headers=ann)).json()
    assert (final["status"], final["refunded"]["amount_minor"]) == ("refunded", 11_900)
    mine = (await identity.client.get("/api/v1/enrollments", headers=ann)).json()["items"]
    assert [e["status"] for e in mine] in ([], ["cancelled"])  # never left open
    ledger = (await identity.client.get("/api/v1/admin/ledger/balance", headers=auditor)).json()["amounts"]
    assert ledger == {"USD": 0}
    assert (await identity.client.get("/api/v1/earnings", headers=teacher)).json()["amounts"] == {"USD": 0}
