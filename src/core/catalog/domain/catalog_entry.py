"""The public catalog entry of a published course, built from a revision's snapshot.

Built from the snapshot (never from the live aggregate), so the entry always shows exactly
what was approved, whatever the draft looks like now.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from core.shared.money import MINOR_UNITS
from ports.catalog.courses import CatalogEntry, SyllabusLesson, SyllabusSection

FREE_CURRENCY = "USD"
# Upper bounds in major units, lowest first; the last band is open-ended.
PRICE_BANDS: tuple[tuple[int, str], ...] = ((20, "under_20"), (50, "20_50"), (100, "50_100"))


def catalog_entry(
    *,
    course_id: uuid.UUID,
    owner_id: uuid.UUID,
    instructor_ids: Iterable[uuid.UUID],
    snapshot: dict[str, Any],
    revision: int,
    published_at: dt.datetime,
    updated_at: dt.datetime,
) -> CatalogEntry:
    price = snapshot.get("price")
    amount = int(price["amount_minor"]) if price else 0
    # A zero price is free whatever its currency: facets and sorting see one kind of free.
    currency = str(price["currency"]) if price and amount else FREE_CURRENCY
    syllabus = tuple(
        SyllabusSection(
            id=uuid.UUID(section["id"]),
            title=section["title"],
            lessons=tuple(
                SyllabusLesson(
                    id=uuid.UUID(lesson["id"]),
                    title=lesson["title"],
                    kind=lesson["kind"],
                    free_preview=bool(lesson.get("free_preview", False)),
                    drip_days=lesson.get("drip_days"),
                )
                for lesson in section["lessons"]
            ),
        )
        for section in snapshot["sections"]
    )
    return CatalogEntry(
        course_id=course_id,
        slug=snapshot["slug"],
        revision=revision,
        title=snapshot["title"],
        subtitle=snapshot["subtitle"],
        description_html=snapshot["description_html"],
        language=snapshot["language"],
        difficulty=snapshot["difficulty"],
        duration_minutes=int(snapshot["duration_minutes"]),
        price_amount=amount,
        price_currency=currency,
        price_overrides=dict(snapshot.get("price_overrides") or {}),
        category_id=uuid.UUID(snapshot["category_id"]) if snapshot.get("category_id") else None,
        tags=tuple(snapshot["tags"]),
        cover_key=snapshot.get("cover_key"),
        owner_id=owner_id,
        instructor_ids=tuple(dict.fromkeys([owner_id, *instructor_ids])),
        prerequisite_ids=tuple(uuid.UUID(i) for i in snapshot["prerequisite_ids"]),
        objectives=tuple(o["text"] for o in snapshot["objectives"]),
        capacity=snapshot.get("capacity"),
        syllabus=syllabus,
        lesson_count=sum(len(s.lessons) for s in syllabus),
        published_at=published_at,
        updated_at=updated_at,
    )


def price_band(amount: int, currency: str) -> str:
    """The search facet of a price: free, under_20, 20_50, 50_100, over_100 (major units;
    a bound belongs to the band above it, so 20.00 is "20_50" and 100.00 "over_100")."""
    if amount <= 0:
        return "free"
    unit = 10 ** MINOR_UNITS.get(currency, 2)
    for bound, band in PRICE_BANDS:
        if amount < bound * unit:
            return band
    return "over_100"
