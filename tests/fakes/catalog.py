"""In-memory fakes of the catalog ports, for unit tests of use cases only."""

from __future__ import annotations

import datetime as dt
import uuid
from types import TracebackType
from typing import Self

from core.catalog.domain.category import Category
from core.catalog.domain.tree import CategoryView
from core.shared.events import DomainEvent


class FakeClock:
    def __init__(self, now: dt.datetime | None = None) -> None:
        self.current = now or dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def now(self) -> dt.datetime:
        return self.current


class FakeCategoryRepository:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Category] = {}
        self.seen: set[Category] = set()

    async def add(self, category: Category) -> None:
        self.rows[category.id] = category
        self.seen.add(category)

    async def get(self, category_id: uuid.UUID) -> Category | None:
        category = self.rows.get(category_id)
        if category:
            self.seen.add(category)
        return category

    async def get_by_slug(self, slug: str) -> Category | None:
        return next((c for c in self.rows.values() if c.slug == slug), None)

    async def list_all(self) -> list[Category]:
        return list(self.rows.values())

    async def sibling_named(self, parent_id: uuid.UUID | None, name: str) -> Category | None:
        return next(
            (c for c in self.rows.values() if c.parent_id == parent_id and c.name.casefold() == name.casefold()),
            None,
        )

    async def count_children(self, category_id: uuid.UUID) -> int:
        return sum(1 for c in self.rows.values() if c.parent_id == category_id)

    async def next_position(self, parent_id: uuid.UUID | None) -> int:
        return max((c.position for c in self.rows.values() if c.parent_id == parent_id), default=-1) + 1

    async def delete(self, category: Category) -> None:
        self.seen.add(category)
        del self.rows[category.id]


class FakeUnitOfWork:
    """Shares one repository across units of work; commit publishes events, exit without it discards."""

    def __init__(self) -> None:
        self.categories = FakeCategoryRepository()
        self.published: list[DomainEvent] = []
        self.commits = 0
        self._snapshot: dict[uuid.UUID, Category] = {}

    def __call__(self) -> FakeUnitOfWork:
        return self

    async def __aenter__(self) -> Self:
        self._snapshot = dict(self.categories.rows)
        self._committed = False
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self._committed:
            self.categories.rows = self._snapshot
        for aggregate in self.categories.seen:
            aggregate.pull_events()
        self.categories.seen.clear()

    def publish(self, event: DomainEvent) -> None:
        self.published.append(event)

    async def commit(self) -> None:
        for aggregate in self.categories.seen:
            self.published.extend(aggregate.pull_events())
        self._committed = True
        self.commits += 1

    async def rollback(self) -> None:
        self.categories.rows = self._snapshot


class FakeCategoryTreeCache:
    def __init__(self) -> None:
        self.tree: list[CategoryView] | None = None
        self.puts = 0

    async def get(self) -> list[CategoryView] | None:
        return self.tree

    async def put(self, tree: list[CategoryView]) -> None:
        self.tree = list(tree)
        self.puts += 1

    async def invalidate(self) -> None:
        self.tree = None
