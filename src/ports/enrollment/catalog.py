"""What enrollment needs to know about a course, from the catalog's published side."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Protocol


@dataclasses.dataclass(frozen=True)
class EnrollableCourse:
    course_id: uuid.UUID
    title: str
    revision: int  # the live revision: new enrollments get this one
    free: bool
    owner_id: uuid.UUID
    instructor_ids: tuple[uuid.UUID, ...]
    prerequisite_ids: tuple[uuid.UUID, ...]


class CourseDirectory(Protocol):
    async def published(self, course_id: uuid.UUID) -> EnrollableCourse | None:
        """The course if it is published (drafts and archived courses cannot be joined)."""
        ...
