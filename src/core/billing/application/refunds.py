"""Refunds, by admins: all or part of a paid order. The ledger reverses that share and a full
refund closes the order's courses to the buyer (both by the worker, from ``billing.order_refunded``).

Providers' refund calls come with the gateways; until then a refund records money given back
outside Lyceum (or by the sandbox), which is what the ledger and access must follow."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable

from core.billing.application.checkout import idempotency_key
from core.billing.domain.orders import Order
from core.identity.application.auditing import Auditor
from core.identity.application.context import Principal, RequestContext
from core.identity.domain.roles import Permission
from core.shared.errors import NotFound
from core.shared.money import Money
from ports.billing.orders import OrdersUnitOfWork
from ports.shared.clock import Clock

UowFactory = Callable[[], OrdersUnitOfWork]
_REFUNDS = uuid.UUID("0b9f6a57-3d2e-4b8e-a1c4-5e7d9f2b6c30")


@dataclasses.dataclass(frozen=True)
class RefundCommand:
    order_id: uuid.UUID
    idempotency_key: str
    amount_minor: int | None = None  # None: all that is left
    reason: str = ""


class RefundOrder:
    """The same key refunds once: a retried request answers with the order as it is."""

    def __init__(self, uow: UowFactory, clock: Clock, auditor: Auditor) -> None:
        self._uow, self._clock, self._auditor = uow, clock, auditor

    async def __call__(self, principal: Principal, command: RefundCommand, ctx: RequestContext) -> Order:
        principal.require(Permission.PAYMENTS_MANAGE)
        refund_id = uuid.uuid5(_REFUNDS, f"{command.order_id}:{idempotency_key(command.idempotency_key)}")
        async with self._uow() as uow:
            order = await uow.orders.get(command.order_id)
            if order is None:
                raise NotFound("order.not_found", "no such order")
            amount = None if command.amount_minor is None else Money(command.amount_minor, order.currency)
            refunded = order.refund(refund_id, amount, self._clock.now())
            if refunded is None:
                return order  # this key's refund was made already
            await uow.commit()
        await self._auditor.record(
            "order.refunded", ctx, actor_id=principal.user_id, subject_id=order.id,
            amount_minor=refunded.amount_minor, currency=refunded.currency, reason=command.reason[:200],
        )  # fmt: skip
        return order
