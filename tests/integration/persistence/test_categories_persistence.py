from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from adapters.persistence import tables
from core.catalog.application.categories import (
    CreateCategoryCommand,
    DeleteCategoryCommand,
    MoveCategoryCommand,
    RenameCategoryCommand,
)
from core.shared.errors import Conflict
from entrypoints.bootstrap.containers import ApplicationContainer
from tests.conftest import count_rows


async def test_category_tree_round_trips_through_storage(container: ApplicationContainer) -> None:
    catalog = container.catalog
    web = await catalog.create_category()(CreateCategoryCommand("Web Development"))
    frontend = await catalog.create_category()(CreateCategoryCommand("Frontend", parent_id=web.id))
    await catalog.create_category()(CreateCategoryCommand("Облачные вычисления"))
    await catalog.rename_category()(RenameCategoryCommand(frontend.id, "Front-end"))

    tree = await catalog.refresh_category_tree()()

    assert [(v.name, v.depth) for v in tree] == [("Web Development", 0), ("Front-end", 1), ("Облачные вычисления", 0)]
    stored = tree[1]
    assert stored.parent_id == web.id and stored.path == ("web-development", "frontend")


async def test_every_change_writes_its_event_to_the_outbox_in_the_same_transaction(
    container: ApplicationContainer,
) -> None:
    catalog = container.catalog
    a = await catalog.create_category()(CreateCategoryCommand("A"))
    b = await catalog.create_category()(CreateCategoryCommand("B"))
    await catalog.move_category()(MoveCategoryCommand(b.id, a.id))
    await catalog.move_category()(MoveCategoryCommand(b.id, None))
    await catalog.delete_category()(DeleteCategoryCommand(b.id))

    async with container.infrastructure.engine().connect() as conn:
        rows = (
            await conn.execute(
                sa.select(tables.outbox.c.event_type, tables.outbox.c.payload).order_by(tables.outbox.c.id)
            )
        ).all()
    assert [r.event_type for r in rows] == [
        "catalog.category_created",
        "catalog.category_created",
        "catalog.category_moved",
        "catalog.category_moved",
        "catalog.category_deleted",
    ]
    assert rows[-1].payload == {"category_id": str(b.id)}


async def test_a_rejected_change_leaves_neither_row_nor_event(container: ApplicationContainer) -> None:
    create = container.catalog.create_category()
    await create(CreateCategoryCommand("Cloud"))
    with pytest.raises(Conflict):
        await create(CreateCategoryCommand("CLOUD", slug="cloud-again"))
    assert await count_rows(container, tables.categories) == 1
    assert await count_rows(container, tables.outbox) == 1


async def test_concurrent_writers_of_one_category_cannot_both_win(container: ApplicationContainer) -> None:
    view = await container.catalog.create_category()(CreateCategoryCommand("Data"))
    clock = container.infrastructure.clock()
    first, second = container.infrastructure.uow(), container.infrastructure.uow()
    async with first, second:
        one = await first.categories.get(view.id)
        two = await second.categories.get(view.id)
        assert one is not None and two is not None
        one.rename("Data Science", now=clock.now())
        two.rename("Data Engineering", now=clock.now())
        await first.commit()
        with pytest.raises(Conflict) as err:
            await second.commit()
    assert err.value.code == "concurrency.conflict"
    tree = await container.catalog.refresh_category_tree()()
    assert [v.name for v in tree] == ["Data Science"]


async def test_slug_uniqueness_holds_under_concurrent_creates(container: ApplicationContainer) -> None:
    create = container.catalog.create_category()
    results = await asyncio.gather(
        *(create(CreateCategoryCommand(f"Dup {i}", slug="same-slug")) for i in range(5)), return_exceptions=True
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(r, Conflict) for r in results if isinstance(r, BaseException))
    assert await count_rows(container, tables.categories) == 1
