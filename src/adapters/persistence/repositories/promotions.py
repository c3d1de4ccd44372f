"""Coupons and scheduled sales, mapped by hand: both are frozen value-like records."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence import tables
from core.billing.domain.coupons import Coupon, CouponKind
from core.billing.domain.sales import ScheduledSale
from core.shared.errors import Conflict
from core.shared.money import Money

_c = tables.coupons.c
_s = tables.course_sales.c


class SqlCouponRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, coupon: Coupon, *, created_at: dt.datetime) -> None:
        row = {
            "code": coupon.code,
            "kind": str(coupon.kind),
            "percent_off": None if coupon.percent_off is None else str(coupon.percent_off),
            "amounts_off": dict(coupon.amounts_off),
            "course_ids": sorted(str(c) for c in coupon.course_ids),
            "starts_at": coupon.starts_at,
            "expires_at": coupon.expires_at,
            "max_redemptions": coupon.max_redemptions,
            "max_per_user": coupon.max_per_user,
            "stackable": coupon.stackable,
            "active": coupon.active,
            "created_at": created_at,
        }
        try:
            async with self._session.begin_nested():
                await self._session.execute(sa.insert(tables.coupons), row)
        except IntegrityError as exc:
            raise Conflict("coupon.exists", f"coupon code {coupon.code} is taken", {"code": coupon.code}) from exc

    async def get(self, code: str) -> Coupon | None:
        row = (await self._session.execute(sa.select(tables.coupons).where(_c.code == code))).first()
        return None if row is None else _coupon(row._mapping)

    async def list(self, *, include_inactive: bool, limit: int) -> list[Coupon]:
        stmt = sa.select(tables.coupons).order_by(_c.created_at.desc(), _c.code).limit(limit)
        if not include_inactive:
            stmt = stmt.where(_c.active.is_(True))
        return [_coupon(row._mapping) for row in (await self._session.execute(stmt)).all()]

    async def set_active(self, code: str, active: bool) -> bool:
        result = await self._session.execute(sa.update(tables.coupons).where(_c.code == code).values(active=active))
        return bool(result.rowcount)  # type: ignore[attr-defined]


def _coupon(row: Any) -> Coupon:
    return Coupon(
        code=row["code"],
        kind=CouponKind(row["kind"]),
        percent_off=None if row["percent_off"] is None else Decimal(row["percent_off"]),
        amounts_off={currency: int(amount) for currency, amount in row["amounts_off"].items()},
        course_ids=frozenset(uuid.UUID(c) for c in row["course_ids"]),
        starts_at=row["starts_at"],
        expires_at=row["expires_at"],
        max_redemptions=row["max_redemptions"],
        max_per_user=row["max_per_user"],
        stackable=row["stackable"],
        active=row["active"],
    )


class SqlSaleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, sale: ScheduledSale, *, created_at: dt.datetime) -> None:
        await self._session.execute(
            sa.insert(tables.course_sales),
            {
                "id": sale.id,
                "course_id": sale.course_id,
                "starts_at": sale.starts_at,
                "ends_at": sale.ends_at,
                "price_amount": sale.price.amount_minor if sale.price else None,
                "price_currency": sale.price.currency if sale.price else None,
                "percent_off": None if sale.percent_off is None else str(sale.percent_off),
                "created_at": created_at,
            },
        )

    async def current_and_future(self, course_ids: tuple[uuid.UUID, ...], *, now: dt.datetime) -> list[ScheduledSale]:
        stmt = sa.select(tables.course_sales).where(_s.course_id.in_(course_ids), _s.ends_at > now)
        return [_sale(row._mapping) for row in (await self._session.execute(stmt)).all()]

    async def for_course(self, course_id: uuid.UUID) -> list[ScheduledSale]:
        stmt = sa.select(tables.course_sales).where(_s.course_id == course_id).order_by(_s.starts_at, _s.id)
        return [_sale(row._mapping) for row in (await self._session.execute(stmt)).all()]

    async def delete(self, sale_id: uuid.UUID) -> bool:
        result = await self._session.execute(sa.delete(tables.course_sales).where(_s.id == sale_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]


def _sale(row: Any) -> ScheduledSale:
    price = None if row["price_amount"] is None else Money(int(row["price_amount"]), row["price_currency"])
    return ScheduledSale(
        course_id=row["course_id"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        price=price,
        percent_off=None if row["percent_off"] is None else Decimal(row["percent_off"]),
        id=row["id"],
    )
