"""Checkout over HTTP. For now the quote: what courses cost a buyer, line by line, before paying."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from core.billing.application.pricing import QuoteCoursesCommand
from core.billing.domain.quotes import MAX_ITEMS, Quote
from core.billing.domain.taxes import Buyer
from core.shared.money import Money
from entrypoints.http.dependencies import container_of


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
        buyer = Buyer(data.country, data.region, data.vat_id)
        command = QuoteCoursesCommand(tuple(data.course_ids), data.currency, buyer, tuple(data.coupons))
        return quote_dto(await container_of(request).billing.quote_courses()(command))
