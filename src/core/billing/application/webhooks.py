"""Payment webhooks: kept once as received, then acted on by the worker, idempotently.

Providers deliver webhooks at least once, in any order, sometimes many times at once. The HTTP
door only verifies the signature and keeps the event (once per provider and event id) with an
outbox event in the same transaction; the worker then applies it. Applying is idempotent: an
order is paid once (``Order.mark_paid``), and ``billing.order_paid`` enrolls once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Callable
from typing import Protocol

from core.billing.domain.orders import Order, OrderStatus
from core.shared.errors import Conflict, InvalidInput
from core.shared.events import DomainEvent
from core.shared.money import Money
from ports.billing.orders import OrderRepository
from ports.billing.payments import PaymentEvent, PaymentsUnitOfWork
from ports.shared.clock import Clock

log = logging.getLogger("lyceum.billing")
_PROVIDER_REFUNDS = uuid.UUID("5c2e9a0b-7f41-4d3a-b6e8-1a9d0c4f7e22")


class _PaymentsAndOrders(PaymentsUnitOfWork, Protocol):
    orders: OrderRepository


UowFactory = Callable[[], _PaymentsAndOrders]


@dataclasses.dataclass(frozen=True)
class PaymentWebhookReceived(DomainEvent):
    event_type = "billing.payment_webhook_received"
    provider: str
    event_id: str


class ReceivePaymentWebhook:
    def __init__(self, uow: UowFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, event: PaymentEvent) -> bool:
        """True for a first delivery, False for a repeat (answered 200 all the same)."""
        async with self._uow() as uow:
            if not await uow.webhooks.record(event, received_at=self._clock.now()):
                return False
            uow.publish(PaymentWebhookReceived(event.provider, event.event_id))
            await uow.commit()
        return True


class ApplyPaymentWebhook:
    """The worker's half. A successful payment for the order's exact total pays the order; a
    payment of another amount or currency changes nothing and is logged for a person to see."""

    def __init__(self, uow: UowFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, provider: str, event_id: str) -> str:
        async with self._uow() as uow:
            event = await uow.webhooks.get(provider, event_id)
            if event is None or event.order_id is None:
                return "ignored"
            if event.event_type not in ("payment.succeeded", "payment.refunded"):
                return "ignored"
            order = await uow.orders.get(event.order_id)
            if order is None:
                log.warning("payment for an unknown order", extra={"provider": provider, "event_id": event_id})
                return "unknown_order"
            now = self._clock.now()
            if event.event_type == "payment.refunded":
                outcome = self._refund(order, event, now)
            else:
                outcome = self._pay(order, event, now)
            if outcome in ("paid", "refunded"):
                await uow.commit()
        return outcome

    @staticmethod
    def _pay(order: Order, event: PaymentEvent, now: dt.datetime) -> str:
        if (event.amount_minor, event.currency) != (order.total.amount_minor, order.currency):
            log.warning(
                "payment amount does not match the order",
                extra={"order_id": str(order.id), "paid": event.amount_minor, "due": order.total.amount_minor},
            )
            return "amount_mismatch"
        if order.status != OrderStatus.PENDING_PAYMENT:
            return "already_paid"
        order.mark_paid(f"{event.provider}:{event.payment_id}", now)
        return "paid"

    @staticmethod
    def _refund(order: Order, event: PaymentEvent, now: dt.datetime) -> str:
        """A refund the provider made. It may arrive before the payment's own webhook has been
        applied: the refund proves the payment, so the order is paid first, then refunded."""
        if event.currency != order.currency:
            return "amount_mismatch"
        if order.status == OrderStatus.PENDING_PAYMENT:
            order.mark_paid(f"{event.provider}:{event.payment_id}", now)
        refund_id = uuid.uuid5(_PROVIDER_REFUNDS, f"{event.provider}:{event.event_id}")
        try:
            done = order.refund(refund_id, Money(event.amount_minor, event.currency), now)
        except (Conflict, InvalidInput):
            return "not_refundable"
        return "refunded" if done is not None else "already_refunded"


class ReceivedWebhooks:
    """Pages of kept webhooks, for ``lyceum payments replay-webhooks``."""

    def __init__(self, uow: UowFactory) -> None:
        self._uow = uow

    async def __call__(
        self, *, provider: str | None, since: dt.datetime | None, after: tuple[str, str] | None, limit: int
    ) -> list[tuple[str, str]]:
        async with self._uow() as uow:
            return await uow.webhooks.received(provider=provider, since=since, after=after, limit=limit)
