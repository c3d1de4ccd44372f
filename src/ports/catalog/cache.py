from __future__ import annotations

from typing import Protocol

from core.catalog.domain.tree import CategoryView


class CategoryTreeCache(Protocol):
    """The rendered category tree, shared by all API processes."""

    async def get(self) -> list[CategoryView] | None: ...

    async def put(self, tree: list[CategoryView]) -> None: ...

    async def invalidate(self) -> None: ...
