from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog.domain.category import Category
from core.shared.events import AggregateRoot


class SqlCategoryRepository:
    def __init__(self, session: AsyncSession, seen: set[AggregateRoot]) -> None:
        self._session = session
        self._seen = seen

    async def add(self, category: Category) -> None:
        self._session.add(category)
        self._seen.add(category)

    async def get(self, category_id: uuid.UUID) -> Category | None:
        category = await self._session.get(Category, category_id)
        if category is not None:
            self._seen.add(category)
        return category

    async def get_by_slug(self, slug: str) -> Category | None:
        result = await self._session.execute(sa.select(Category).where(Category.slug == slug))  # type: ignore[arg-type]
        return self._track(result.scalar_one_or_none())

    async def list_all(self) -> list[Category]:
        result = await self._session.execute(sa.select(Category))
        return [c for c in result.scalars() if self._track(c)]

    async def sibling_named(self, parent_id: uuid.UUID | None, name: str) -> Category | None:
        column = Category.parent_id  # type: ignore[attr-defined]
        where = column.is_(None) if parent_id is None else column == parent_id
        result = await self._session.execute(sa.select(Category).where(where))
        key = name.casefold()
        # Compared in Python: SQLite's lower() folds ASCII only, and names are Russian/Hebrew too.
        return next((c for c in result.scalars() if c.name.casefold() == key), None)

    async def count_children(self, category_id: uuid.UUID) -> int:
        stmt = sa.select(sa.func.count()).where(Category.parent_id == category_id)  # type: ignore[arg-type]
        return int((await self._session.execute(stmt)).scalar_one())

    async def next_position(self, parent_id: uuid.UUID | None) -> int:
        column = Category.parent_id  # type: ignore[attr-defined]
        where = column.is_(None) if parent_id is None else column == parent_id
        stmt = sa.select(sa.func.coalesce(sa.func.max(Category.position), -1)).where(where)  # type: ignore[attr-defined]
        return int((await self._session.execute(stmt)).scalar_one()) + 1

    async def delete(self, category: Category) -> None:
        self._seen.add(category)
        await self._session.delete(category)

    def _track(self, category: Category | None) -> Category | None:
        if category is not None:
            self._seen.add(category)
        return category
