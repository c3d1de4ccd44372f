"""POST /api/v1/checkout: orders placed once per Idempotency-Key; access only once paid."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from core.shared.money import Money
from tests.integration.billing.conftest import Identity
from tests.integration.courses.seed import published_course


async def _checkout(identity: Identity, who: dict[str, str], key: str | None, expect: int, **body: Any) -> Any:
    headers = {**who, **({"Idempotency-Key": key} if key is not None else {})}
    response = await identity.client.post("/api/v1/checkout", json=body, headers=headers)
    assert response.status_code == expect, response.text
    return response.json()


async def _my_courses(identity: Identity, who: dict[str, str]) -> list[tuple[str, str]]:
    page = (await identity.client.get("/api/v1/enrollments", headers=who)).json()
    return [(e["course_id"], e["source"]) for e in page["items"]]


async def test_a_free_order_is_paid_at_once_and_opens_its_course_through_the_worker(identity: Identity) -> None:
    ann = await identity.signed_in("ann@example.test")
    course = await published_course(identity.container, "Free Course")
    order = await _checkout(identity, ann, "key-1", 201, course_ids=[str(course.id)], currency="USD", country="US")
    assert (order["status"], order["total"]["amount_minor"]) == ("paid", 0)
    await identity.deliver_mail()  # the worker: relays the outbox, runs billing.order_paid handlers
    assert await _my_courses(identity, ann) == [(str(course.id), "paid")]


async def test_a_paid_order_waits_for_payment_and_a_key_means_one_order(identity: Identity) -> None:
    ann = await identity.signed_in("ann@example.test")
    course = await published_course(identity.container, "Paid Course", price=Money(4_900, "USD"))
    body = {"course_ids": [str(course.id)], "currency": "USD", "country": "DE"}

    first = await _checkout(identity, ann, "order-42", 201, **body)
    assert first["status"] == "pending_payment" and first["total"] == {"amount_minor": 5_831, "currency": "USD"}
    again = await _checkout(identity, ann, "order-42", 201, **body)
    assert again["id"] == first["id"]
    reused = await _checkout(identity, ann, "order-42", 422, **{**body, "currency": "EUR"})
    assert reused["code"] == "idempotency.key_reused"
    assert (await _checkout(identity, ann, None, 422, **body))["code"] == "idempotency.key"

    await identity.deliver_mail()
    assert await _my_courses(identity, ann) == []  # no access before the payment is confirmed

    at_once = await asyncio.gather(
        *(
            identity.client.post("/api/v1/checkout", json=body, headers={**ann, "Idempotency-Key": "burst"})
            for _ in range(5)
        )
    )
    assert {r.status_code for r in at_once} == {201} and len({r.json()["id"] for r in at_once}) == 1

    mine = (await identity.client.get("/api/v1/orders", headers=ann)).json()["items"]
    assert {o["id"] for o in mine} == {first["id"], at_once[0].json()["id"]}
    bob = await identity.signed_in("bob@example.test")
    assert (await identity.client.get(f"/api/v1/orders/{first['id']}", headers=bob)).status_code == 404
    assert (await identity.client.get(f"/api/v1/orders/{first['id']}", headers=ann)).json()["id"] == first["id"]


async def test_access_follows_the_order_however_often_it_is_synced(identity: Identity) -> None:
    ann = await identity.signed_in("ann@example.test")
    course = await published_course(identity.container, "Free Course")
    order = await _checkout(identity, ann, "k", 201, course_ids=[str(course.id)], currency="USD", country="US")
    sync = identity.container.enrollment.sync_order_access()
    assert await sync(uuid.UUID(order["id"])) == 1
    assert await sync(uuid.UUID(order["id"])) == 0  # a redelivered event changes nothing
    assert await sync(uuid.uuid4()) == 0  # no such order
    assert await _my_courses(identity, ann) == [(str(course.id), "paid")]
