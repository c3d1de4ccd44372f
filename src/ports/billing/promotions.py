"""Storage of coupons and scheduled sales."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Protocol

from core.billing.domain.coupons import Coupon
from core.billing.domain.sales import ScheduledSale
from ports.shared.unit_of_work import UnitOfWork


class CouponRepository(Protocol):
    async def add(self, coupon: Coupon, *, created_at: dt.datetime) -> None:
        """Raises Conflict ``coupon.exists`` when the code is taken (codes are never reused)."""
        ...

    async def get(self, code: str) -> Coupon | None:
        """By normalised code, active or not."""
        ...

    async def list(self, *, include_inactive: bool, limit: int) -> list[Coupon]:
        """Newest first."""
        ...

    async def set_active(self, code: str, active: bool) -> bool:
        """False when there is no such coupon."""
        ...


class SaleRepository(Protocol):
    async def add(self, sale: ScheduledSale, *, created_at: dt.datetime) -> None: ...

    async def current_and_future(self, course_ids: tuple[uuid.UUID, ...], *, now: dt.datetime) -> list[ScheduledSale]:
        """Sales of these courses that have not ended by ``now``."""
        ...

    async def for_course(self, course_id: uuid.UUID) -> list[ScheduledSale]:
        """Every sale of the course, past ones included, by start."""
        ...

    async def delete(self, sale_id: uuid.UUID) -> bool: ...


class PromotionsUnitOfWork(UnitOfWork, Protocol):
    coupons: CouponRepository
    sales: SaleRepository
