"""ports.enrollment.CourseDirectory over the catalog's read side (published courses only)."""

from __future__ import annotations

import uuid

from ports.catalog.courses import CatalogReader
from ports.enrollment.catalog import EnrollableCourse


class CatalogCourseDirectory:
    def __init__(self, reader: CatalogReader) -> None:
        self._reader = reader

    async def published(self, course_id: uuid.UUID) -> EnrollableCourse | None:
        entry = await self._reader.get_entry(course_id)
        if entry is None:
            return None
        return EnrollableCourse(
            course_id=entry.course_id,
            title=entry.title,
            revision=entry.revision,
            free=entry.price_amount == 0,
            owner_id=entry.owner_id,
            instructor_ids=entry.instructor_ids,
            prerequisite_ids=entry.prerequisite_ids,
        )
