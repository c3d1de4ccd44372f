from __future__ import annotations

import uuid

import pytest

from core.catalog.application.categories import (
    CreateCategory,
    CreateCategoryCommand,
    DeleteCategory,
    DeleteCategoryCommand,
    GetCategory,
    GetCategoryTree,
    MoveCategory,
    MoveCategoryCommand,
    RefreshCategoryTree,
    RenameCategory,
    RenameCategoryCommand,
)
from core.catalog.domain.category import MAX_DEPTH
from core.catalog.domain.events import CategoryCreated, CategoryDeleted, CategoryMoved, CategoryRenamed
from core.shared.errors import Conflict, InvalidInput, NotFound
from tests.fakes.catalog import FakeCategoryTreeCache, FakeClock, FakeUnitOfWork


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cache() -> FakeCategoryTreeCache:
    return FakeCategoryTreeCache()


@pytest.fixture
def create(uow: FakeUnitOfWork, clock: FakeClock, cache: FakeCategoryTreeCache) -> CreateCategory:
    return CreateCategory(uow, clock, cache)


async def test_create_top_level_category_records_event_and_slug(create: CreateCategory, uow: FakeUnitOfWork) -> None:
    view = await create(CreateCategoryCommand("  Web   Development "))

    assert view.name == "Web Development"
    assert view.slug == "web-development"
    assert view.depth == 0 and view.parent_id is None and view.path == ("web-development",)
    assert [type(e) for e in uow.published] == [CategoryCreated]


async def test_child_category_gets_depth_and_path(create: CreateCategory) -> None:
    parent = await create(CreateCategoryCommand("AI/ML"))
    child = await create(CreateCategoryCommand("Deep Learning", parent_id=parent.id))

    assert child.parent_id == parent.id
    assert child.depth == 1
    assert child.path == ("ai-ml", "deep-learning")


async def test_non_latin_names_keep_their_letters_in_the_slug(create: CreateCategory) -> None:
    assert (await create(CreateCategoryCommand("Программирование"))).slug == "программирование"
    assert (await create(CreateCategoryCommand("פיתוח תוכנה"))).slug == "פיתוח-תוכנה"


async def test_sibling_names_are_unique_ignoring_case(create: CreateCategory, uow: FakeUnitOfWork) -> None:
    await create(CreateCategoryCommand("Cloud"))
    with pytest.raises(Conflict) as err:
        await create(CreateCategoryCommand("CLOUD", slug="cloud-2"))
    assert err.value.code == "category.name_taken"
    assert len(uow.categories.rows) == 1


async def test_same_name_under_different_parents_needs_distinct_slugs(create: CreateCategory) -> None:
    web = await create(CreateCategoryCommand("Web"))
    mobile = await create(CreateCategoryCommand("Mobile"))
    await create(CreateCategoryCommand("Testing", parent_id=web.id))
    with pytest.raises(Conflict) as err:
        await create(CreateCategoryCommand("Testing", parent_id=mobile.id))
    assert err.value.code == "category.slug_taken"
    assert (await create(CreateCategoryCommand("Testing", parent_id=mobile.id, slug="mobile-testing"))).slug == (
        "mobile-testing"
    )


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("", "category.name_empty"),
        ("   ", "category.name_empty"),
        ("x" * 81, "category.name_too_long"),
        ("bad\x00name", "category.name_invalid"),
        ("!!!", "category.slug_invalid"),
    ],
)
async def test_invalid_names_are_rejected_with_stable_codes(create: CreateCategory, name: str, code: str) -> None:
    with pytest.raises(InvalidInput) as err:
        await create(CreateCategoryCommand(name))
    assert err.value.code == code


async def test_unknown_parent_is_not_found(create: CreateCategory) -> None:
    with pytest.raises(NotFound) as err:
        await create(CreateCategoryCommand("Orphan", parent_id=uuid.uuid4()))
    assert err.value.code == "category.not_found"


async def test_tree_depth_is_limited(create: CreateCategory) -> None:
    parent_id = None
    for level in range(MAX_DEPTH):
        parent_id = (await create(CreateCategoryCommand(f"Level {level}", parent_id=parent_id))).id
    with pytest.raises(InvalidInput) as err:
        await create(CreateCategoryCommand("Too deep", parent_id=parent_id))
    assert err.value.code == "category.too_deep"


async def test_rename_changes_name_keeps_slug(create: CreateCategory, uow: FakeUnitOfWork, clock: FakeClock) -> None:
    view = await create(CreateCategoryCommand("Data Science"))
    rename = RenameCategory(uow, clock, FakeCategoryTreeCache())
    renamed = await rename(RenameCategoryCommand(view.id, "Data Science & Analytics"))
    assert renamed.name == "Data Science & Analytics"
    assert renamed.slug == "data-science"
    assert isinstance(uow.published[-1], CategoryRenamed)


async def test_rename_to_the_same_name_records_nothing(
    create: CreateCategory, uow: FakeUnitOfWork, clock: FakeClock
) -> None:
    view = await create(CreateCategoryCommand("Security"))
    before = len(uow.published)
    await RenameCategory(uow, clock, FakeCategoryTreeCache())(RenameCategoryCommand(view.id, "Security"))
    assert len(uow.published) == before


async def test_move_under_a_descendant_is_a_cycle(
    create: CreateCategory, uow: FakeUnitOfWork, clock: FakeClock
) -> None:
    root = await create(CreateCategoryCommand("Root"))
    child = await create(CreateCategoryCommand("Child", parent_id=root.id))
    grandchild = await create(CreateCategoryCommand("Grandchild", parent_id=child.id))
    move = MoveCategory(uow, clock, FakeCategoryTreeCache())
    for target in (root.id, child.id, grandchild.id):
        with pytest.raises(Conflict) as err:
            await move(MoveCategoryCommand(root.id, target))
        assert err.value.code == "category.cycle"


async def test_move_to_top_level_and_back(create: CreateCategory, uow: FakeUnitOfWork, clock: FakeClock) -> None:
    web = await create(CreateCategoryCommand("Web"))
    frontend = await create(CreateCategoryCommand("Frontend", parent_id=web.id))
    moved = await MoveCategory(uow, clock, FakeCategoryTreeCache())(MoveCategoryCommand(frontend.id, None))
    assert moved.parent_id is None and moved.depth == 0
    back = await MoveCategory(uow, clock, FakeCategoryTreeCache())(MoveCategoryCommand(frontend.id, web.id))
    assert back.path == ("web", "frontend")
    assert isinstance(uow.published[-1], CategoryMoved)


async def test_move_keeps_the_subtree_within_max_depth(
    create: CreateCategory, uow: FakeUnitOfWork, clock: FakeClock
) -> None:
    deep_parent = None
    for level in range(MAX_DEPTH - 1):
        deep_parent = (await create(CreateCategoryCommand(f"D{level}", parent_id=deep_parent))).id
    branch = await create(CreateCategoryCommand("Branch"))
    await create(CreateCategoryCommand("Leaf", parent_id=branch.id))
    with pytest.raises(InvalidInput):
        await MoveCategory(uow, clock, FakeCategoryTreeCache())(MoveCategoryCommand(branch.id, deep_parent))


async def test_delete_refuses_a_category_with_children(create: CreateCategory, uow: FakeUnitOfWork) -> None:
    web = await create(CreateCategoryCommand("Web"))
    await create(CreateCategoryCommand("Frontend", parent_id=web.id))
    with pytest.raises(Conflict) as err:
        await DeleteCategory(uow, FakeCategoryTreeCache())(DeleteCategoryCommand(web.id))
    assert err.value.code == "category.has_children"
    assert web.id in uow.categories.rows


async def test_delete_leaf_records_event(create: CreateCategory, uow: FakeUnitOfWork) -> None:
    leaf = await create(CreateCategoryCommand("Leaf"))
    await DeleteCategory(uow, FakeCategoryTreeCache())(DeleteCategoryCommand(leaf.id))
    assert leaf.id not in uow.categories.rows
    assert isinstance(uow.published[-1], CategoryDeleted)


async def test_failed_use_case_commits_nothing(create: CreateCategory, uow: FakeUnitOfWork) -> None:
    await create(CreateCategoryCommand("Cloud"))
    commits, events = uow.commits, len(uow.published)
    with pytest.raises(Conflict):
        await create(CreateCategoryCommand("cloud", slug="other"))
    assert (uow.commits, len(uow.published)) == (commits, events)


async def test_tree_is_served_from_cache_once_warm(create: CreateCategory, uow: FakeUnitOfWork) -> None:
    await create(CreateCategoryCommand("Web"))
    cache = FakeCategoryTreeCache()
    tree = GetCategoryTree(uow, cache)
    first = await tree()
    uow.categories.rows.clear()  # a second read that touched storage would now see nothing
    assert await tree() == first
    assert cache.puts == 1


async def test_refresh_rebuilds_the_cached_tree_depth_first(create: CreateCategory, uow: FakeUnitOfWork) -> None:
    web = await create(CreateCategoryCommand("Web"))
    await create(CreateCategoryCommand("Cloud"))
    await create(CreateCategoryCommand("Frontend", parent_id=web.id))
    cache = FakeCategoryTreeCache()
    tree = await RefreshCategoryTree(uow, cache)()
    assert [v.name for v in tree] == ["Web", "Frontend", "Cloud"]
    assert cache.tree == tree


async def test_get_unknown_category_is_not_found(uow: FakeUnitOfWork) -> None:
    with pytest.raises(NotFound):
        await GetCategory(GetCategoryTree(uow, FakeCategoryTreeCache()))(uuid.uuid4())


async def test_a_write_makes_the_next_read_see_it(
    create: CreateCategory, uow: FakeUnitOfWork, cache: FakeCategoryTreeCache
) -> None:
    tree = GetCategoryTree(uow, cache)
    assert await tree() == []  # an empty tree is now cached
    view = await create(CreateCategoryCommand("Web"))
    assert await GetCategory(tree)(view.id) == view
