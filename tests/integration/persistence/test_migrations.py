from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from adapters.persistence import tables
from entrypoints.bootstrap.containers import ApplicationContainer
from entrypoints.bootstrap.lifecycle import database_revision, downgrade_database, upgrade_database


def _diff(connection: sa.Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, tables.metadata))


async def test_migrations_produce_exactly_the_declared_tables(container: ApplicationContainer) -> None:
    async with container.infrastructure.engine().connect() as conn:
        assert await conn.run_sync(_diff) == []
    current, head = await database_revision(container)
    assert current == head


async def test_downgrade_to_base_and_upgrade_again(container: ApplicationContainer) -> None:
    await downgrade_database(container, "base")
    async with container.infrastructure.engine().connect() as conn:
        names = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
    assert not set(names) & {t.name for t in tables.metadata.sorted_tables}
    before, after = await upgrade_database(container)
    assert (before, after) == (None, (await database_revision(container))[1])
