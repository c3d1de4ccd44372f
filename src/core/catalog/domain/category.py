"""The category tree: Web Development > Frontend, AI/ML > Deep Learning, ..."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterable, Mapping

from core.catalog.domain.events import CategoryCreated, CategoryDeleted, CategoryMoved, CategoryRenamed
from core.shared.errors import Conflict, InvalidInput
from core.shared.events import AggregateRoot
from core.shared.ids import new_id
from core.shared.text import clean_name, slugify

NAME_MAX_LENGTH = 80
SLUG_MAX_LENGTH = 96
# Deep trees make menus unusable and queries slow; three levels covers every catalog we know.
MAX_DEPTH = 4


@dataclasses.dataclass(eq=False)
class Category(AggregateRoot):
    id: uuid.UUID
    name: str
    slug: str
    parent_id: uuid.UUID | None
    position: int
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = 1

    @classmethod
    def create(
        cls,
        *,
        name: str,
        parent: Category | None,
        position: int,
        now: dt.datetime,
        slug: str | None = None,
        parent_depth: int = 0,
    ) -> Category:
        clean = clean_name(name, field="name", max_length=NAME_MAX_LENGTH, code_prefix="category")
        if parent is not None and parent_depth + 1 >= MAX_DEPTH:
            raise InvalidInput(
                "category.too_deep",
                f"categories nest at most {MAX_DEPTH} levels",
                {"max_depth": MAX_DEPTH},
            )
        category = cls(
            id=new_id(),
            name=clean,
            slug=_valid_slug(slug if slug is not None else clean),
            parent_id=parent.id if parent else None,
            position=position,
            created_at=now,
            updated_at=now,
        )
        category.record(CategoryCreated(category.id, category.parent_id, category.name))
        return category

    def rename(self, name: str, *, now: dt.datetime) -> None:
        clean = clean_name(name, field="name", max_length=NAME_MAX_LENGTH, code_prefix="category")
        if clean == self.name:
            return
        self.name = clean
        self._touch(now)
        self.record(CategoryRenamed(self.id, self.name))

    def move(
        self,
        new_parent: Category | None,
        *,
        ancestors_of_new_parent: Iterable[uuid.UUID],
        subtree_height: int,
        new_parent_depth: int,
        position: int,
        now: dt.datetime,
    ) -> None:
        new_parent_id = new_parent.id if new_parent else None
        if new_parent_id == self.parent_id:
            return
        if new_parent_id is not None and (new_parent_id == self.id or self.id in set(ancestors_of_new_parent)):
            raise Conflict(
                "category.cycle",
                "a category cannot be moved under itself or one of its descendants",
                {"category_id": str(self.id), "parent_id": str(new_parent_id)},
            )
        depth = 0 if new_parent is None else new_parent_depth + 1
        if depth + subtree_height >= MAX_DEPTH:
            raise InvalidInput(
                "category.too_deep",
                f"categories nest at most {MAX_DEPTH} levels",
                {"max_depth": MAX_DEPTH},
            )
        self.parent_id = new_parent_id
        self.position = position
        self._touch(now)
        self.record(CategoryMoved(self.id, self.parent_id))

    def mark_deleted(self) -> None:
        self.record(CategoryDeleted(self.id))

    def _touch(self, now: dt.datetime) -> None:
        # ``version`` is bumped by persistence on write (optimistic concurrency), not here.
        self.updated_at = now


def _valid_slug(raw: str) -> str:
    slug = slugify(raw)
    if not slug:
        raise InvalidInput("category.slug_invalid", "slug must contain letters or digits", {"field": "slug"})
    if len(slug) > SLUG_MAX_LENGTH:
        raise InvalidInput(
            "category.slug_too_long",
            f"slug must be at most {SLUG_MAX_LENGTH} characters",
            {"field": "slug", "max_length": SLUG_MAX_LENGTH},
        )
    return slug


def ancestors(category_id: uuid.UUID | None, parents: Mapping[uuid.UUID, uuid.UUID | None]) -> list[uuid.UUID]:
    """Ids from ``category_id`` up to the root (inclusive of ``category_id``)."""
    chain: list[uuid.UUID] = []
    current = category_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain


def subtree_height(category_id: uuid.UUID, parents: Mapping[uuid.UUID, uuid.UUID | None]) -> int:
    """Levels below ``category_id`` (0 for a leaf)."""
    children: dict[uuid.UUID, list[uuid.UUID]] = {}
    for child, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(child)

    def height(node: uuid.UUID) -> int:
        kids = children.get(node, [])
        return 0 if not kids else 1 + max(height(k) for k in kids)

    return height(category_id)
