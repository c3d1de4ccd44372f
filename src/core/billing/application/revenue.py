"""Revenue sharing: each paid order posts one balanced ledger transaction; instructors read
what they have earned."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from fractions import Fraction
from typing import Protocol

from core.billing.domain.ledger import instructor_account, refund_entries, sale_entries
from core.identity.application.context import Principal
from core.identity.domain.roles import Permission
from ports.billing.ledger import CourseOwners, LedgerUnitOfWork
from ports.billing.orders import OrderRepository
from ports.shared.clock import Clock

# Transaction ids derived from what they record, so a redelivered event posts nothing new.
_SALES = uuid.UUID("6f1d3c1e-5b0a-4c55-9d52-8b3f1f0b2a11")


def sale_transaction(order_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(_SALES, str(order_id))


class _LedgerAndOrders(LedgerUnitOfWork, Protocol):
    orders: OrderRepository


UowFactory = Callable[[], _LedgerAndOrders]


class PostSale:
    """Runs on ``billing.order_paid``. Free orders move no money and post nothing."""

    def __init__(self, uow: UowFactory, owners: CourseOwners, clock: Clock, platform_fee: Fraction) -> None:
        self._uow, self._owners, self._clock, self._fee = uow, owners, clock, platform_fee

    async def __call__(self, order_id: uuid.UUID) -> bool:
        async with self._uow() as uow:
            posted = await self.post_in(uow, order_id)
            await uow.commit()
        return posted

    async def post_in(self, uow: _LedgerAndOrders, order_id: uuid.UUID) -> bool:
        """Post the sale inside the caller's unit of work (once; False when already posted)."""
        order = await uow.orders.get(order_id)
        if order is None or order.payment_ref is None or order.total.amount_minor == 0:
            return False
        provider = order.payment_ref.split(":", 1)[0]
        owners = await self._owners.owners(tuple(line.course_id for line in order.lines))
        entries = sale_entries(order, provider=provider, owners=owners, platform_fee=self._fee)
        return await uow.ledger.post(sale_transaction(order.id), order.id, entries, at=self._clock.now())


class PostRefund:
    """Runs on ``billing.order_refunded``: reverses that share of the order's sale, once. The
    sale is posted first if its own event has not been handled yet (events run in any order)."""

    def __init__(self, uow: UowFactory, clock: Clock, post_sale: PostSale) -> None:
        self._uow, self._clock, self._post_sale = uow, clock, post_sale

    async def __call__(self, order_id: uuid.UUID, refund_id: uuid.UUID, amount_minor: int) -> bool:
        async with self._uow() as uow:
            sale = await uow.ledger.entries(sale_transaction(order_id))
            if not sale:
                # Posted here, or by the sale's own handler a moment ago (then this post is a
                # no-op): either way the sale is there to read now.
                await self._post_sale.post_in(uow, order_id)
                sale = await uow.ledger.entries(sale_transaction(order_id))
            if not sale:
                return False  # never posted (a free order): nothing to reverse
            entries = refund_entries(sale, amount_minor)
            posted = await uow.ledger.post(refund_id, order_id, entries, at=self._clock.now())
            await uow.commit()
        return posted


class MyEarnings:
    """What the platform owes the calling instructor, per currency (minor units)."""

    def __init__(self, uow: UowFactory) -> None:
        self._uow = uow

    async def __call__(self, principal: Principal) -> dict[str, int]:
        principal.require(Permission.COURSES_AUTHOR)
        async with self._uow() as uow:
            owed = await uow.ledger.balances(account=instructor_account(principal.user_id))
        return {currency: -amount for currency, amount in owed.items()}  # credits are owed


class LedgerBalance:
    """The whole ledger per currency: zero everywhere when every transaction balanced."""

    def __init__(self, uow: UowFactory) -> None:
        self._uow = uow

    async def __call__(self, principal: Principal) -> dict[str, int]:
        principal.require(Permission.AUDIT_READ)
        async with self._uow() as uow:
            return await uow.ledger.balances()
