"""Use cases of the category tree: create, rename, move, delete, list, refresh the cache."""

from __future__ import annotations

import contextlib
import dataclasses
import uuid
from collections.abc import Callable

from core.catalog.domain.category import Category, ancestors, subtree_height
from core.catalog.domain.tree import CategoryView, build_tree
from core.shared.errors import Conflict, NotFound, Unavailable
from ports.catalog.cache import CategoryTreeCache
from ports.catalog.repositories import CatalogUnitOfWork, CategoryRepository
from ports.shared.clock import Clock

UowFactory = Callable[[], CatalogUnitOfWork]


@dataclasses.dataclass(frozen=True)
class CreateCategoryCommand:
    name: str
    parent_id: uuid.UUID | None = None
    slug: str | None = None


@dataclasses.dataclass(frozen=True)
class RenameCategoryCommand:
    category_id: uuid.UUID
    name: str


@dataclasses.dataclass(frozen=True)
class MoveCategoryCommand:
    category_id: uuid.UUID
    parent_id: uuid.UUID | None


@dataclasses.dataclass(frozen=True)
class DeleteCategoryCommand:
    category_id: uuid.UUID


class CreateCategory:
    def __init__(self, uow: UowFactory, clock: Clock, cache: CategoryTreeCache) -> None:
        self._uow = uow
        self._clock = clock
        self._cache = cache

    async def __call__(self, command: CreateCategoryCommand) -> CategoryView:
        async with self._uow() as uow:
            repo = uow.categories
            parent = await _load(repo, command.parent_id, field="parent_id") if command.parent_id else None
            parents = await _parents(repo)
            category = Category.create(
                name=command.name,
                slug=command.slug,
                parent=parent,
                parent_depth=len(ancestors(parent.id, parents)) - 1 if parent else 0,
                position=await repo.next_position(command.parent_id),
                now=self._clock.now(),
            )
            await _ensure_unique(repo, category, command.parent_id)
            await repo.add(category)
            view = await _view(repo, category.id)
            await uow.commit()
        await _forget_tree(self._cache)
        return view


class RenameCategory:
    def __init__(self, uow: UowFactory, clock: Clock, cache: CategoryTreeCache) -> None:
        self._uow = uow
        self._clock = clock
        self._cache = cache

    async def __call__(self, command: RenameCategoryCommand) -> CategoryView:
        async with self._uow() as uow:
            repo = uow.categories
            category = await _load(repo, command.category_id)
            category.rename(command.name, now=self._clock.now())
            await _ensure_unique(repo, category, category.parent_id, check_slug=False)
            view = await _view(repo, category.id)
            await uow.commit()
        await _forget_tree(self._cache)
        return view


class MoveCategory:
    def __init__(self, uow: UowFactory, clock: Clock, cache: CategoryTreeCache) -> None:
        self._uow = uow
        self._clock = clock
        self._cache = cache

    async def __call__(self, command: MoveCategoryCommand) -> CategoryView:
        async with self._uow() as uow:
            repo = uow.categories
            category = await _load(repo, command.category_id)
            new_parent = await _load(repo, command.parent_id, field="parent_id") if command.parent_id else None
            parents = await _parents(repo)
            chain = ancestors(new_parent.id, parents) if new_parent else []
            category.move(
                new_parent,
                ancestors_of_new_parent=chain,
                subtree_height=subtree_height(category.id, parents),
                new_parent_depth=max(len(chain) - 1, 0),
                position=await repo.next_position(command.parent_id),
                now=self._clock.now(),
            )
            await _ensure_unique(repo, category, category.parent_id, check_slug=False)
            view = await _view(repo, category.id)
            await uow.commit()
        await _forget_tree(self._cache)
        return view


class DeleteCategory:
    """Deletes a leaf category. A category with children must be emptied first."""

    def __init__(self, uow: UowFactory, cache: CategoryTreeCache) -> None:
        self._uow = uow
        self._cache = cache

    async def __call__(self, command: DeleteCategoryCommand) -> None:
        async with self._uow() as uow:
            repo = uow.categories
            category = await _load(repo, command.category_id)
            children = await repo.count_children(category.id)
            if children:
                raise Conflict(
                    "category.has_children",
                    f"category has {children} subcategories; move or delete them first",
                    {"category_id": str(category.id), "children": children},
                )
            category.mark_deleted()
            await repo.delete(category)
            await uow.commit()
        await _forget_tree(self._cache)


class GetCategoryTree:
    """The whole tree, from the shared cache when it is warm."""

    def __init__(self, uow: UowFactory, cache: CategoryTreeCache) -> None:
        self._uow = uow
        self._cache = cache

    async def __call__(self) -> list[CategoryView]:
        cached = await self._cache.get()
        if cached is not None:
            return cached
        async with self._uow() as uow:
            tree = build_tree(await uow.categories.list_all())
        await self._cache.put(tree)
        return tree


class GetCategory:
    def __init__(self, tree: GetCategoryTree) -> None:
        self._tree = tree

    async def __call__(self, category_id: uuid.UUID) -> CategoryView:
        for view in await self._tree():
            if view.id == category_id:
                return view
        raise NotFound("category.not_found", "category not found", {"category_id": str(category_id)})


class RefreshCategoryTree:
    """Rebuilds the cached tree from the database; run by a worker when the tree changes."""

    def __init__(self, uow: UowFactory, cache: CategoryTreeCache) -> None:
        self._uow = uow
        self._cache = cache

    async def __call__(self) -> list[CategoryView]:
        async with self._uow() as uow:
            tree = build_tree(await uow.categories.list_all())
        await self._cache.put(tree)
        return tree


async def _load(repo: CategoryRepository, category_id: uuid.UUID, *, field: str = "category_id") -> Category:
    category = await repo.get(category_id)
    if category is None:
        raise NotFound("category.not_found", "category not found", {field: str(category_id)})
    return category


async def _ensure_unique(
    repo: CategoryRepository, category: Category, parent_id: uuid.UUID | None, *, check_slug: bool = True
) -> None:
    twin = await repo.sibling_named(parent_id, category.name)
    if twin is not None and twin.id != category.id:
        raise Conflict(
            "category.name_taken",
            f"a category named {category.name!r} already exists here",
            {"name": category.name},
        )
    if check_slug:
        same_slug = await repo.get_by_slug(category.slug)
        if same_slug is not None and same_slug.id != category.id:
            raise Conflict("category.slug_taken", f"slug {category.slug!r} is taken", {"slug": category.slug})


async def _forget_tree(cache: CategoryTreeCache) -> None:
    """Read-your-writes for the next reader. Best effort: if the cache is unreachable the
    worker's refresh (driven by the outbox event) and the TTL still converge it."""
    with contextlib.suppress(Unavailable):
        await cache.invalidate()


async def _parents(repo: CategoryRepository) -> dict[uuid.UUID, uuid.UUID | None]:
    return {c.id: c.parent_id for c in await repo.list_all()}


async def _view(repo: CategoryRepository, category_id: uuid.UUID) -> CategoryView:
    # Categories number in the hundreds at most; one snapshot gives depth and path exactly.
    return next(v for v in build_tree(await repo.list_all()) if v.id == category_id)
