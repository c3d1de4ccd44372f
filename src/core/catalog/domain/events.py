"""Events of the catalog context."""

from __future__ import annotations

import dataclasses
import uuid

from core.shared.events import DomainEvent


@dataclasses.dataclass(frozen=True)
class CategoryCreated(DomainEvent):
    event_type = "catalog.category_created"
    category_id: uuid.UUID
    parent_id: uuid.UUID | None
    name: str


@dataclasses.dataclass(frozen=True)
class CategoryRenamed(DomainEvent):
    event_type = "catalog.category_renamed"
    category_id: uuid.UUID
    name: str


@dataclasses.dataclass(frozen=True)
class CategoryMoved(DomainEvent):
    event_type = "catalog.category_moved"
    category_id: uuid.UUID
    parent_id: uuid.UUID | None


@dataclasses.dataclass(frozen=True)
class CategoryDeleted(DomainEvent):
    event_type = "catalog.category_deleted"
    category_id: uuid.UUID


CATEGORY_TREE_CHANGED: tuple[str, ...] = (
    CategoryCreated.event_type,
    CategoryRenamed.event_type,
    CategoryMoved.event_type,
    CategoryDeleted.event_type,
)
