"""Events of a course's life: what the catalog, search and learners' views react to."""

from __future__ import annotations

import dataclasses
import uuid

from core.shared.events import DomainEvent


@dataclasses.dataclass(frozen=True)
class CourseCreated(DomainEvent):
    event_type = "catalog.course_created"
    course_id: uuid.UUID
    owner_id: uuid.UUID


@dataclasses.dataclass(frozen=True)
class CourseCloned(DomainEvent):
    event_type = "catalog.course_cloned"
    course_id: uuid.UUID
    source_id: uuid.UUID
    owner_id: uuid.UUID


@dataclasses.dataclass(frozen=True)
class CourseEdited(DomainEvent):
    event_type = "catalog.course_edited"
    course_id: uuid.UUID
    parts: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class CourseStatusChanged(DomainEvent):
    event_type = "catalog.course_status_changed"
    course_id: uuid.UUID
    old: str
    new: str
    action: str


@dataclasses.dataclass(frozen=True)
class CoursePublished(DomainEvent):
    event_type = "catalog.course_published"
    course_id: uuid.UUID
    revision: int
    reviewer_id: uuid.UUID


@dataclasses.dataclass(frozen=True)
class CourseRejected(DomainEvent):
    event_type = "catalog.course_rejected"
    course_id: uuid.UUID
    reviewer_id: uuid.UUID
    reason: str


@dataclasses.dataclass(frozen=True)
class CourseArchived(DomainEvent):
    event_type = "catalog.course_archived"
    course_id: uuid.UUID


@dataclasses.dataclass(frozen=True)
class CourseRolledBack(DomainEvent):
    event_type = "catalog.course_rolled_back"
    course_id: uuid.UUID
    revision: int
