"""Orders: a priced quote a buyer committed to, then paid for (or not).

An order keeps what the buyer was charged line by line and the exchange rates it used, so it
can be invoiced and refunded exactly later, whatever prices and rates do meanwhile. Access is
granted by ``OrderPaid`` (handled by enrollment), never by placing the order.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any

from core.billing.domain.quotes import Quote
from core.billing.domain.taxes import Buyer
from core.shared.errors import Conflict, InvalidInput
from core.shared.events import AggregateRoot, DomainEvent
from core.shared.ids import new_id
from core.shared.money import Money


class OrderStatus(enum.StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


@dataclasses.dataclass(frozen=True)
class OrderRefunded(DomainEvent):
    """Money went back to the buyer; a full refund closes the order's courses to them."""

    event_type = "billing.order_refunded"
    order_id: uuid.UUID
    buyer_id: uuid.UUID
    refund_id: uuid.UUID
    amount_minor: int
    currency: str
    full: bool
    course_ids: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class OrderPlaced(DomainEvent):
    event_type = "billing.order_placed"
    order_id: uuid.UUID
    buyer_id: uuid.UUID
    total_minor: int
    currency: str


@dataclasses.dataclass(frozen=True)
class OrderPaid(DomainEvent):
    """The order is paid: its courses open to the buyer (enrollment handles it, once)."""

    event_type = "billing.order_paid"
    order_id: uuid.UUID
    buyer_id: uuid.UUID
    course_ids: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class OrderLine:
    course_id: uuid.UUID
    title: str
    list_minor: int
    discount_minor: int
    net_minor: int
    tax_minor: int
    total_minor: int
    tax_name: str | None
    tax_percent: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "course_id": str(self.course_id), "tax_percent": str(self.tax_percent)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OrderLine:
        return cls(**{**data, "course_id": uuid.UUID(data["course_id"]), "tax_percent": Decimal(data["tax_percent"])})


@dataclasses.dataclass(eq=False)
class Order(AggregateRoot):
    id: uuid.UUID
    buyer_id: uuid.UUID
    status: str
    currency: str
    lines: tuple[OrderLine, ...]
    rates: tuple[dict[str, str], ...]  # the exchange rates the quote used, exactly as recorded
    coupons: tuple[str, ...]
    reverse_charge: bool
    buyer_country: str
    buyer_region: str | None
    buyer_vat_id: str | None
    idempotency_key: str
    request_hash: str
    created_at: dt.datetime
    updated_at: dt.datetime
    paid_at: dt.datetime | None = None
    payment_ref: str | None = None
    refunded_minor: int = 0
    refund_ids: tuple[str, ...] = ()  # each refund once, however often it is asked for
    version: int = 1

    @classmethod
    def place(
        cls,
        quote: Quote,
        *,
        buyer_id: uuid.UUID,
        buyer: Buyer,
        idempotency_key: str,
        request_hash: str,
        now: dt.datetime,
    ) -> Order:
        lines = tuple(
            OrderLine(
                course_id=line.course_id,
                title=line.title,
                list_minor=line.list_price.amount_minor,
                discount_minor=line.discount.amount_minor,
                net_minor=line.net.amount_minor,
                tax_minor=line.tax.amount_minor,
                total_minor=line.total.amount_minor,
                tax_name=line.tax_name,
                tax_percent=line.tax_percent,
            )
            for line in quote.lines
        )
        rates = tuple(
            {"base": r.base, "quote": r.quote, "rate": str(r.rate), "on": r.on.isoformat(), "source": r.source}
            for r in quote.rates
        )
        order = cls(
            id=new_id(),
            buyer_id=buyer_id,
            status=OrderStatus.PENDING_PAYMENT,
            currency=quote.currency,
            lines=lines,
            rates=rates,
            coupons=quote.coupons,
            reverse_charge=quote.reverse_charge,
            buyer_country=buyer.country,
            buyer_region=buyer.region,
            buyer_vat_id=buyer.vat_id,
            idempotency_key=idempotency_key,
            request_hash=request_hash,
            created_at=now,
            updated_at=now,
        )
        order.record(OrderPlaced(order.id, buyer_id, order.total.amount_minor, order.currency))
        if order.total.amount_minor == 0:  # nothing to pay: free courses open at once
            order.mark_paid("free", now)
        return order

    @property
    def total(self) -> Money:
        return Money(sum(line.total_minor for line in self.lines), self.currency)

    @property
    def tax(self) -> Money:
        return Money(sum(line.tax_minor for line in self.lines), self.currency)

    def mark_paid(self, payment_ref: str, now: dt.datetime) -> bool:
        """True the first time; a repeated confirmation (a webhook delivered twice) changes
        nothing and grants nothing again."""
        if self.status == OrderStatus.PAID:
            return False
        if self.status != OrderStatus.PENDING_PAYMENT:
            raise Conflict("order.not_payable", f"a {self.status} order cannot be paid")
        self.status = OrderStatus.PAID
        self.paid_at = self.updated_at = now
        self.payment_ref = payment_ref[:200]
        self.record(OrderPaid(self.id, self.buyer_id, tuple(str(line.course_id) for line in self.lines)))
        return True

    def refund(self, refund_id: uuid.UUID, amount: Money | None, now: dt.datetime) -> Money | None:
        """Give back ``amount`` (all that is left when None) of a paid order; returns it, or None
        when this refund was made before (a retried request)."""
        if str(refund_id) in self.refund_ids:
            return None
        if self.status not in (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED):
            raise Conflict("order.not_refundable", f"a {self.status} order cannot be refunded")
        left = self.total.amount_minor - self.refunded_minor
        value = left if amount is None else amount.amount_minor
        if amount is not None and amount.currency != self.currency:
            raise InvalidInput("refund.currency", f"the order was paid in {self.currency}")
        if not 0 < value <= left:
            raise InvalidInput("refund.amount", f"a refund is more than zero and at most {left} (minor units)")
        self.refunded_minor += value
        self.refund_ids = (*self.refund_ids, str(refund_id))
        full = self.refunded_minor == self.total.amount_minor
        self.status = OrderStatus.REFUNDED if full else OrderStatus.PARTIALLY_REFUNDED
        self.updated_at = now
        self.record(
            OrderRefunded(
                self.id, self.buyer_id, refund_id, value, self.currency, full,
                tuple(str(line.course_id) for line in self.lines),
            )
        )  # fmt: skip
        return Money(value, self.currency)
