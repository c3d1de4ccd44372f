"""ports.billing.catalog.PriceList over the catalog's read side (published revisions only)."""

from __future__ import annotations

import uuid

from core.billing.domain.quotes import PricedCourse
from core.shared.money import Money
from ports.catalog.courses import CatalogReader


class CatalogPriceList:
    def __init__(self, reader: CatalogReader) -> None:
        self._reader = reader

    async def priced(self, course_ids: tuple[uuid.UUID, ...]) -> list[PricedCourse]:
        found: list[PricedCourse] = []
        for course_id in course_ids:
            entry = await self._reader.get_entry(course_id)
            if entry is not None:
                price = Money(entry.price_amount, entry.price_currency)
                found.append(PricedCourse(entry.course_id, entry.title, price, dict(entry.price_overrides)))
        return found
