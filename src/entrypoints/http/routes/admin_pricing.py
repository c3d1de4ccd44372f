"""Coupons and scheduled sales over HTTP, for admins (``Permission.PRICING_MANAGE``)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from core.billing.application.promotions import CreateCouponCommand, ScheduleSaleCommand
from core.billing.domain.coupons import Coupon
from core.billing.domain.sales import ScheduledSale
from core.identity.domain.roles import Permission
from core.shared.errors import InvalidInput
from core.shared.money import Money
from entrypoints.http.auth import current_principal, request_context, requires
from entrypoints.http.dependencies import container_of

PRICING = requires(Permission.PRICING_MANAGE)
Percent = Annotated[str, msgspec.Meta(pattern=r"^\d{1,3}(\.\d{1,4})?$")]


class CouponDto(msgspec.Struct):
    code: str
    kind: str
    percent_off: str | None
    amounts_off: dict[str, int]
    course_ids: list[uuid.UUID]
    starts_at: dt.datetime | None
    expires_at: dt.datetime | None
    max_redemptions: int | None
    max_per_user: int | None
    stackable: bool
    active: bool


class CouponCreate(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(min_length=3, max_length=40)]
    kind: Annotated[str, msgspec.Meta(max_length=10)]
    percent_off: Percent | None = None
    amounts_off: dict[Annotated[str, msgspec.Meta(min_length=3, max_length=3)], Annotated[int, msgspec.Meta(gt=0)]] = {}
    course_ids: Annotated[list[uuid.UUID], msgspec.Meta(max_length=500)] = []
    starts_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    max_redemptions: Annotated[int, msgspec.Meta(ge=1)] | None = None
    max_per_user: Annotated[int, msgspec.Meta(ge=1)] | None = None
    stackable: bool = False


class MoneyIn(msgspec.Struct):
    amount_minor: Annotated[int, msgspec.Meta(ge=0)]
    currency: Annotated[str, msgspec.Meta(min_length=3, max_length=3)]


class SaleDto(msgspec.Struct):
    id: uuid.UUID
    course_id: uuid.UUID
    starts_at: dt.datetime
    ends_at: dt.datetime
    price: MoneyIn | None
    percent_off: str | None


class SaleCreate(msgspec.Struct, forbid_unknown_fields=True):
    course_id: uuid.UUID
    starts_at: dt.datetime
    ends_at: dt.datetime
    price: MoneyIn | None = None
    percent_off: Percent | None = None


def coupon_dto(c: Coupon) -> CouponDto:
    return CouponDto(
        c.code, str(c.kind), None if c.percent_off is None else str(c.percent_off), dict(c.amounts_off),
        sorted(c.course_ids), c.starts_at, c.expires_at, c.max_redemptions, c.max_per_user, c.stackable, c.active,
    )  # fmt: skip


def sale_dto(s: ScheduledSale) -> SaleDto:
    price = MoneyIn(s.price.amount_minor, s.price.currency) if s.price else None
    return SaleDto(
        s.id, s.course_id, s.starts_at, s.ends_at, price, None if s.percent_off is None else str(s.percent_off)
    )


def _aware(value: dt.datetime, field: str) -> dt.datetime:
    if value.tzinfo is None:
        raise InvalidInput("request.naive_datetime", f"{field} needs a time zone (e.g. 2026-12-01T00:00:00Z)")
    return value


def _aware_or_none(value: dt.datetime | None, field: str) -> dt.datetime | None:
    return None if value is None else _aware(value, field)


class CouponController(Controller):
    path = "/api/v1/admin/coupons"
    tags = ["pricing"]
    guards = [PRICING]

    @post("/", summary="Create a coupon", status_code=HTTP_201_CREATED)
    async def create(self, request: Request[Any, Any, Any], data: JSONBody[CouponCreate]) -> CouponDto:
        command = CreateCouponCommand(
            code=data.code,
            kind=data.kind,
            percent_off=Decimal(data.percent_off) if data.percent_off is not None else None,
            amounts_off=dict(data.amounts_off),
            course_ids=tuple(data.course_ids),
            starts_at=_aware_or_none(data.starts_at, "starts_at"),
            expires_at=_aware_or_none(data.expires_at, "expires_at"),
            max_redemptions=data.max_redemptions,
            max_per_user=data.max_per_user,
            stackable=data.stackable,
        )
        coupon = await container_of(request).billing.create_coupon()(
            current_principal(request), command, request_context(request)
        )
        return coupon_dto(coupon)

    @get("/", summary="Coupons, newest first")
    async def list_coupons(
        self, request: Request[Any, Any, Any], include_inactive: FromQuery[bool] = False
    ) -> list[CouponDto]:
        found = await container_of(request).billing.list_coupons()(
            current_principal(request), include_inactive=include_inactive
        )
        return [coupon_dto(c) for c in found]

    @delete("/{code:str}", summary="Switch a coupon off (its code stays taken)", status_code=HTTP_200_OK)
    async def deactivate(self, request: Request[Any, Any, Any], code: FromPath[str]) -> None:
        await container_of(request).billing.set_coupon_active()(
            current_principal(request), code, False, request_context(request)
        )


class SaleController(Controller):
    path = "/api/v1/admin/sales"
    tags = ["pricing"]
    guards = [PRICING]

    @post("/", summary="Schedule a sale price or a percent off for a course", status_code=HTTP_201_CREATED)
    async def create(self, request: Request[Any, Any, Any], data: JSONBody[SaleCreate]) -> SaleDto:
        starts, ends = _aware(data.starts_at, "starts_at"), _aware(data.ends_at, "ends_at")
        price = Money(data.price.amount_minor, data.price.currency.upper()) if data.price else None
        percent = Decimal(data.percent_off) if data.percent_off is not None else None
        command = ScheduleSaleCommand(data.course_id, starts, ends, price, percent)
        sale = await container_of(request).billing.schedule_sale()(
            current_principal(request), command, request_context(request)
        )
        return sale_dto(sale)

    @get("/", summary="A course's sales, past ones included")
    async def list_sales(self, request: Request[Any, Any, Any], course_id: FromQuery[uuid.UUID]) -> list[SaleDto]:
        sales = await container_of(request).billing.list_sales()(current_principal(request), course_id)
        return [sale_dto(s) for s in sales]

    @delete("/{sale_id:uuid}", summary="Cancel a sale", status_code=HTTP_200_OK)
    async def cancel(self, request: Request[Any, Any, Any], sale_id: FromPath[uuid.UUID]) -> None:
        await container_of(request).billing.cancel_sale()(current_principal(request), sale_id, request_context(request))
