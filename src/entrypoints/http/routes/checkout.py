"""Checkout over HTTP: the quote (what courses cost a buyer, line by line), placing an order with
an Idempotency-Key, and the buyer's orders."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from core.billing.application.checkout import CheckoutCommand
from core.billing.application.pricing import QuoteCoursesCommand
from core.billing.application.refunds import RefundCommand
from core.billing.domain.orders import Order
from core.billing.domain.quotes import MAX_ITEMS, Quote
from core.billing.domain.taxes import Buyer
from core.identity.domain.roles import Permission
from core.shared.money import Money
from entrypoints.http.auth import current_principal, request_context, requires
from entrypoints.http.dependencies import container_of

ENROLL = requires(Permission.ENROLL)


class MoneyDto(msgspec.Struct):
    amount_minor: int
    currency: str


class DiscountDto(msgspec.Struct):
    code: str
    amount: MoneyDto


class RateDto(msgspec.Struct):
    """``rate`` units of ``quote`` for one ``base``, exact, as a decimal string."""

    base: str
    quote: str
    rate: str
    on: dt.date
    source: str


class QuoteLineDto(msgspec.Struct):
    course_id: uuid.UUID
    title: str
    list_price: MoneyDto
    discounts: list[DiscountDto]
    price: MoneyDto
    net: MoneyDto
    tax: MoneyDto
    tax_name: str | None
    tax_percent: str
    reverse_charge: bool
    total: MoneyDto
    exchange_rate: RateDto | None


class QuoteDto(msgspec.Struct):
    currency: str
    coupons: list[str]
    prices_include_tax: bool
    reverse_charge: bool
    lines: list[QuoteLineDto]
    list_total: MoneyDto
    discount_total: MoneyDto
    net_total: MoneyDto
    tax_total: MoneyDto
    total: MoneyDto


class QuoteRequestDto(msgspec.Struct, forbid_unknown_fields=True):
    course_ids: Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=MAX_ITEMS)]
    currency: Annotated[str, msgspec.Meta(min_length=3, max_length=3)]
    country: Annotated[str, msgspec.Meta(min_length=2, max_length=2)]
    region: Annotated[str, msgspec.Meta(max_length=10)] | None = None
    vat_id: Annotated[str, msgspec.Meta(max_length=20)] | None = None
    coupons: Annotated[list[Annotated[str, msgspec.Meta(max_length=40)]], msgspec.Meta(max_length=5)] = []


def _money(m: Money) -> MoneyDto:
    return MoneyDto(m.amount_minor, m.currency)


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f}"


def quote_dto(q: Quote) -> QuoteDto:
    return QuoteDto(
        currency=q.currency,
        coupons=list(q.coupons),
        prices_include_tax=q.prices_include_tax,
        reverse_charge=q.reverse_charge,
        lines=[
            QuoteLineDto(
                course_id=line.course_id,
                title=line.title,
                list_price=_money(line.list_price),
                discounts=[DiscountDto(d.code, _money(d.amount)) for d in line.discounts],
                price=_money(line.price),
                net=_money(line.net),
                tax=_money(line.tax),
                tax_name=line.tax_name,
                tax_percent=_percent(line.tax_percent),
                reverse_charge=line.reverse_charge,
                total=_money(line.total),
                exchange_rate=None
                if line.fx is None
                else RateDto(line.fx.base, line.fx.quote, str(line.fx.rate), line.fx.on, line.fx.source),
            )
            for line in q.lines
        ],
        list_total=_money(q.list_total),
        discount_total=_money(q.discount_total),
        net_total=_money(q.net_total),
        tax_total=_money(q.tax_total),
        total=_money(q.total),
    )


class OrderLineDto(msgspec.Struct):
    course_id: uuid.UUID
    title: str
    list_minor: int
    discount_minor: int
    net_minor: int
    tax_minor: int
    total_minor: int
    tax_name: str | None
    tax_percent: str


class OrderDto(msgspec.Struct):
    id: uuid.UUID
    status: str
    currency: str
    lines: list[OrderLineDto]
    total: MoneyDto
    tax: MoneyDto
    coupons: list[str]
    reverse_charge: bool
    exchange_rates: list[dict[str, str]]
    created_at: dt.datetime
    paid_at: dt.datetime | None
    refunded: MoneyDto


class OrderPageDto(msgspec.Struct):
    items: list[OrderDto]
    next_cursor: uuid.UUID | None


def order_dto(o: Order) -> OrderDto:
    return OrderDto(
        id=o.id,
        status=str(o.status),
        currency=o.currency,
        lines=[
            OrderLineDto(
                line.course_id,
                line.title,
                line.list_minor,
                line.discount_minor,
                line.net_minor,
                line.tax_minor,
                line.total_minor,
                line.tax_name,
                _percent(line.tax_percent),
            )
            for line in o.lines
        ],
        total=_money(o.total),
        tax=_money(o.tax),
        coupons=list(o.coupons),
        reverse_charge=o.reverse_charge,
        exchange_rates=[dict(rate) for rate in o.rates],
        created_at=o.created_at,
        paid_at=o.paid_at,
        refunded=MoneyDto(o.refunded_minor, o.currency),
    )


def _quote_command(data: QuoteRequestDto) -> QuoteCoursesCommand:
    buyer = Buyer(data.country, data.region, data.vat_id)
    return QuoteCoursesCommand(tuple(data.course_ids), data.currency, buyer, tuple(data.coupons))


class CheckoutController(Controller):
    path = "/api/v1/checkout"
    tags = ["checkout"]

    @post(
        "/quote",
        summary="What these published courses cost, line by line, in a currency and for a place",
        description=(
            "Amounts are integer minor units. Prices are the course's own for the currency or a "
            "conversion at the day's reference rate (given per line), then tax by the buyer's "
            "country and region; a business buyer with a VAT id in another EU country is reverse "
            "charged. Anyone may ask: a quote reveals nothing that the catalog does not."
        ),
        status_code=HTTP_200_OK,
    )
    async def quote(self, request: Request[Any, Any, Any], data: JSONBody[QuoteRequestDto]) -> QuoteDto:
        return quote_dto(await container_of(request).billing.quote_courses()(_quote_command(data)))

    @post(
        "/",
        summary="Place an order for courses (send an Idempotency-Key header)",
        description=(
            "Prices the courses exactly as the quote does and keeps that as the order. Retrying with "
            "the same `Idempotency-Key` and body answers with the same order; the same key with "
            "another body is 422 `idempotency.key_reused`. A free order is `paid` at once and its "
            "courses open; a paid one is `pending_payment` until the payment is confirmed."
        ),
        guards=[ENROLL],
        status_code=HTTP_201_CREATED,
    )
    async def place_order(self, request: Request[Any, Any, Any], data: JSONBody[QuoteRequestDto]) -> OrderDto:
        command = CheckoutCommand(_quote_command(data), request.headers.get("idempotency-key", ""))
        order = await container_of(request).billing.checkout()(
            current_principal(request), command, request_context(request)
        )
        return order_dto(order)


class RefundRequest(msgspec.Struct, forbid_unknown_fields=True):
    amount_minor: Annotated[int, msgspec.Meta(gt=0)] | None = None
    reason: Annotated[str, msgspec.Meta(max_length=300)] = ""


class OrderController(Controller):
    path = "/api/v1/orders"
    tags = ["checkout"]

    @get("/", summary="My orders, newest first", guards=[ENROLL])
    async def mine(
        self,
        request: Request[Any, Any, Any],
        cursor: FromQuery[uuid.UUID | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> OrderPageDto:
        page = await container_of(request).billing.my_orders()(current_principal(request), after=cursor, limit=limit)
        return OrderPageDto([order_dto(o) for o in page.items], page.next_cursor)

    @get("/{order_id:uuid}", summary="One of my orders (any, for admins)", guards=[ENROLL])
    async def get_one(self, request: Request[Any, Any, Any], order_id: FromPath[uuid.UUID]) -> OrderDto:
        return order_dto(await container_of(request).billing.get_order()(current_principal(request), order_id))


@post(
    "/api/v1/admin/orders/{order_id:uuid}/refunds",
    summary="Refund all (no amount) or part of a paid order (send an Idempotency-Key header)",
    description=(
        "The ledger reverses that share of the sale; a full refund ends the buyer's paid "
        "enrollments in the order's courses. The same key refunds once."
    ),
    tags=["checkout"],
    guards=[requires(Permission.PAYMENTS_MANAGE)],
    status_code=HTTP_200_OK,
)
async def refund_order(
    request: Request[Any, Any, Any], order_id: FromPath[uuid.UUID], data: JSONBody[RefundRequest]
) -> OrderDto:
    command = RefundCommand(order_id, request.headers.get("idempotency-key", ""), data.amount_minor, data.reason)
    order = await container_of(request).billing.refund_order()(
        current_principal(request), command, request_context(request)
    )
    return order_dto(order)
