"""Coupons and scheduled sales, managed by admins (``Permission.PRICING_MANAGE``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal

from core.billing.domain.coupons import Coupon, CouponKind, normalize_code
from core.billing.domain.sales import ScheduledSale
from core.identity.application.auditing import Auditor
from core.identity.application.context import Principal, RequestContext
from core.identity.domain.roles import Permission
from core.shared.errors import InvalidInput, NotFound
from core.shared.money import Money
from ports.billing.promotions import PromotionsUnitOfWork
from ports.shared.clock import Clock

UowFactory = Callable[[], PromotionsUnitOfWork]
MAX_LIST = 500


@dataclasses.dataclass(frozen=True)
class CreateCouponCommand:
    code: str
    kind: str
    percent_off: Decimal | None = None
    amounts_off: dict[str, int] = dataclasses.field(default_factory=dict)
    course_ids: tuple[uuid.UUID, ...] = ()
    starts_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    max_redemptions: int | None = None
    max_per_user: int | None = None
    stackable: bool = False


class CreateCoupon:
    def __init__(self, uow: UowFactory, clock: Clock, auditor: Auditor) -> None:
        self._uow, self._clock, self._auditor = uow, clock, auditor

    async def __call__(self, principal: Principal, command: CreateCouponCommand, ctx: RequestContext) -> Coupon:
        principal.require(Permission.PRICING_MANAGE)
        try:
            kind = CouponKind(command.kind)
        except ValueError as exc:
            raise InvalidInput("coupon.kind", "a coupon is 'percent' or 'fixed'") from exc
        coupon = Coupon(
            code=normalize_code(command.code),
            kind=kind,
            percent_off=command.percent_off,
            amounts_off={currency.upper(): amount for currency, amount in command.amounts_off.items()},
            course_ids=frozenset(command.course_ids),
            starts_at=command.starts_at,
            expires_at=command.expires_at,
            max_redemptions=command.max_redemptions,
            max_per_user=command.max_per_user,
            stackable=command.stackable,
        )
        async with self._uow() as uow:
            await uow.coupons.add(coupon, created_at=self._clock.now())
            await uow.commit()
        await self._auditor.record("coupon.created", ctx, actor_id=principal.user_id, code=coupon.code)
        return coupon


class ListCoupons:
    def __init__(self, uow: UowFactory) -> None:
        self._uow = uow

    async def __call__(self, principal: Principal, *, include_inactive: bool) -> list[Coupon]:
        principal.require(Permission.PRICING_MANAGE)
        async with self._uow() as uow:
            return await uow.coupons.list(include_inactive=include_inactive, limit=MAX_LIST)


class SetCouponActive:
    def __init__(self, uow: UowFactory, auditor: Auditor) -> None:
        self._uow, self._auditor = uow, auditor

    async def __call__(self, principal: Principal, code: str, active: bool, ctx: RequestContext) -> None:
        principal.require(Permission.PRICING_MANAGE)
        code = normalize_code(code)
        async with self._uow() as uow:
            if not await uow.coupons.set_active(code, active):
                raise NotFound("coupon.not_found", f"no coupon {code}", {"code": code})
            await uow.commit()
        action = "coupon.activated" if active else "coupon.deactivated"
        await self._auditor.record(action, ctx, actor_id=principal.user_id, code=code)


@dataclasses.dataclass(frozen=True)
class ScheduleSaleCommand:
    course_id: uuid.UUID
    starts_at: dt.datetime
    ends_at: dt.datetime
    price: Money | None = None
    percent_off: Decimal | None = None


class ScheduleSale:
    def __init__(self, uow: UowFactory, clock: Clock, auditor: Auditor) -> None:
        self._uow, self._clock, self._auditor = uow, clock, auditor

    async def __call__(self, principal: Principal, command: ScheduleSaleCommand, ctx: RequestContext) -> ScheduledSale:
        principal.require(Permission.PRICING_MANAGE)
        now = self._clock.now()
        if command.ends_at <= now:
            raise InvalidInput("sale.window", "a sale ends in the future")
        sale = ScheduledSale(command.course_id, command.starts_at, command.ends_at, command.price, command.percent_off)
        async with self._uow() as uow:
            await uow.sales.add(sale, created_at=now)
            await uow.commit()
        await self._auditor.record(
            "sale.scheduled", ctx, actor_id=principal.user_id, subject_id=sale.id, course_id=str(sale.course_id)
        )
        return sale


class ListSales:
    def __init__(self, uow: UowFactory) -> None:
        self._uow = uow

    async def __call__(self, principal: Principal, course_id: uuid.UUID) -> list[ScheduledSale]:
        principal.require(Permission.PRICING_MANAGE)
        async with self._uow() as uow:
            return await uow.sales.for_course(course_id)


class CancelSale:
    def __init__(self, uow: UowFactory, auditor: Auditor) -> None:
        self._uow, self._auditor = uow, auditor

    async def __call__(self, principal: Principal, sale_id: uuid.UUID, ctx: RequestContext) -> None:
        principal.require(Permission.PRICING_MANAGE)
        async with self._uow() as uow:
            if not await uow.sales.delete(sale_id):
                raise NotFound("sale.not_found", "no such sale")
            await uow.commit()
        await self._auditor.record("sale.cancelled", ctx, actor_id=principal.user_id, subject_id=sale_id)
