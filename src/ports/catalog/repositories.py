from __future__ import annotations

import uuid
from typing import Protocol

from core.catalog.domain.category import Category
from ports.catalog.courses import CourseRepository
from ports.shared.unit_of_work import UnitOfWork


class CategoryRepository(Protocol):
    async def add(self, category: Category) -> None: ...

    async def get(self, category_id: uuid.UUID) -> Category | None: ...

    async def get_by_slug(self, slug: str) -> Category | None: ...

    async def list_all(self) -> list[Category]: ...

    async def sibling_named(self, parent_id: uuid.UUID | None, name: str) -> Category | None:
        """A category under ``parent_id`` whose name equals ``name`` ignoring case."""
        ...

    async def count_children(self, category_id: uuid.UUID) -> int: ...

    async def next_position(self, parent_id: uuid.UUID | None) -> int: ...

    async def delete(self, category: Category) -> None: ...


class CatalogUnitOfWork(UnitOfWork, Protocol):
    categories: CategoryRepository
    courses: CourseRepository
