"""Checkout: an order from a quote, safe to retry with the same Idempotency-Key."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from collections.abc import Callable

from core.billing.application.pricing import QuoteCourses, QuoteCoursesCommand
from core.billing.domain.orders import Order
from core.identity.application.auditing import Auditor
from core.identity.application.context import Principal, RequestContext
from core.identity.domain.roles import Permission
from core.shared.errors import Conflict, InvalidInput, NotFound
from ports.billing.orders import OrderPage, OrdersUnitOfWork
from ports.shared.clock import Clock

UowFactory = Callable[[], OrdersUnitOfWork]
MAX_KEY_LENGTH = 100
MAX_PAGE = 100


def idempotency_key(raw: str) -> str:
    """A client's Idempotency-Key, checked: every money-moving request must carry one."""
    key = raw.strip()
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise InvalidInput("idempotency.key", f"send an Idempotency-Key header of 1-{MAX_KEY_LENGTH} characters")
    return key


@dataclasses.dataclass(frozen=True)
class CheckoutCommand:
    quote: QuoteCoursesCommand
    idempotency_key: str

    def fingerprint(self) -> str:
        """The request's identity for the key: the same key with another request is refused."""
        q = self.quote
        canonical = {
            "course_ids": sorted(str(c) for c in q.course_ids),
            "currency": q.currency.upper(),
            "country": q.buyer.country,
            "region": q.buyer.region,
            "vat_id": q.buyer.vat_id,
            "coupons": sorted(c.strip().upper() for c in q.coupon_codes),
        }
        return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


class Checkout:
    """Prices the courses as a quote would and keeps that as the buyer's order. The same key
    and request answer with the same order; the same key with another request is a 422. A free
    order is paid at once; a paid one waits for the payment (its confirmation enrolls)."""

    def __init__(self, uow: UowFactory, quote: QuoteCourses, clock: Clock, auditor: Auditor) -> None:
        self._uow, self._quote, self._clock, self._auditor = uow, quote, clock, auditor

    async def __call__(self, principal: Principal, command: CheckoutCommand, ctx: RequestContext) -> Order:
        principal.require(Permission.ENROLL)
        key = idempotency_key(command.idempotency_key)
        fingerprint = command.fingerprint()
        previous = await self._previous(principal.user_id, key, fingerprint)
        if previous is not None:
            return previous
        quote = await self._quote(command.quote)
        order = Order.place(
            quote,
            buyer_id=principal.user_id,
            buyer=command.quote.buyer,
            idempotency_key=key,
            request_hash=fingerprint,
            now=self._clock.now(),
        )
        try:
            async with self._uow() as uow:
                await uow.orders.add(order)
                await uow.commit()
        except Conflict:
            # The same key sent twice at once: the other request placed it first.
            previous = await self._previous(principal.user_id, key, fingerprint)
            if previous is None:
                raise
            return previous
        await self._auditor.record(
            "order.placed", ctx, actor_id=principal.user_id, subject_id=order.id,
            total_minor=order.total.amount_minor, currency=order.currency, status=order.status,
        )  # fmt: skip
        return order

    async def _previous(self, buyer_id: uuid.UUID, key: str, fingerprint: str) -> Order | None:
        async with self._uow() as uow:
            found = await uow.orders.by_idempotency_key(buyer_id, key)
        if found is not None and found.request_hash != fingerprint:
            raise InvalidInput(
                "idempotency.key_reused", "this Idempotency-Key was used for a different checkout; use a new key"
            )
        return found


class ListMyOrders:
    def __init__(self, uow: UowFactory) -> None:
        self._uow = uow

    async def __call__(self, principal: Principal, *, after: uuid.UUID | None, limit: int) -> OrderPage:
        async with self._uow() as uow:
            return await uow.orders.for_buyer(principal.user_id, after=after, limit=max(1, min(limit, MAX_PAGE)))


class GetOrder:
    """Another buyer's order does not exist, as far as the caller can tell (admins see all)."""

    def __init__(self, uow: UowFactory) -> None:
        self._uow = uow

    async def __call__(self, principal: Principal, order_id: uuid.UUID) -> Order:
        async with self._uow() as uow:
            order = await uow.orders.get(order_id)
        if order is None or (order.buyer_id != principal.user_id and not principal.can(Permission.ENROLLMENTS_MANAGE)):
            raise NotFound("order.not_found", "no such order")
        return order
