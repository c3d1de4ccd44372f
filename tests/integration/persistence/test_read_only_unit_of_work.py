"""The read-only unit of work on SQLite and PostgreSQL: lookups without a transaction."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from adapters.persistence import tables
from adapters.persistence.unit_of_work import ReadOnlyError
from core.identity.domain.user import User
from entrypoints.bootstrap.containers import ApplicationContainer
from tests.integration.persistence.driver_log import DriverLog

NOW = dt.datetime(2026, 11, 26, 12, 30, tzinfo=dt.UTC)


async def _add_user(container: ApplicationContainer, email: str) -> User:
    user = User.register(email=email, name="Ada", password_hash="$argon2id$stub", now=NOW, verified=True)
    async with container.infrastructure.uow() as uow:
        await uow.users.add(user)
        await uow.commit()
    return user


async def test_a_read_only_unit_of_work_reads_without_a_transaction(container: ApplicationContainer) -> None:
    user = await _add_user(container, "ada@example.org")
    log = await DriverLog.attach(container.infrastructure.engine())

    async with container.infrastructure.read_uow() as uow:
        found = await uow.users.get_by_email("ada@example.org")
        missing = await uow.users.get_by_email("nobody@example.org")
    assert found is not None and found.id == user.id and missing is None
    read_only = await log.take()

    # The instrument works: a normal unit of work doing the same sends its transaction (on
    # PostgreSQL, BEGIN and ROLLBACK; SQLite only begins before a write, so write there).
    async with container.infrastructure.uow() as uow:
        assert await uow.users.get_by_email("ada@example.org") is not None
        await uow.session.execute(sa.update(tables.users).where(tables.users.c.id == user.id).values(name="Ada L."))
    normal = await log.take()

    assert DriverLog.transaction_control(read_only) == [], read_only
    assert DriverLog.transaction_control(normal), normal
    if container.infrastructure.engine().dialect.name == "sqlite":
        assert any("SELECT" in s and "users" in s for s in read_only), read_only  # the trace sees the query too
    # The normal unit of work was not committed: its update was rolled back.
    async with container.infrastructure.read_uow() as uow:
        again = await uow.users.get(user.id)
    assert again is not None and again.name == "Ada"


async def test_a_read_only_unit_of_work_refuses_to_write(container: ApplicationContainer) -> None:
    user = await _add_user(container, "ada@example.org")
    log = await DriverLog.attach(container.infrastructure.engine())

    async with container.infrastructure.read_uow() as uow:
        loaded = await uow.users.get(user.id)
        assert loaded is not None
        loaded.name = "Changed"
        with pytest.raises(ReadOnlyError):
            await uow.commit()
        with pytest.raises(ReadOnlyError):
            await uow.session.flush()  # the ORM change is not written behind our back either
        with pytest.raises(ReadOnlyError):
            uow.publish(object())  # type: ignore[arg-type,unused-ignore]  # refused before use
        assert (await uow.users.get_by_email("ada@example.org")) is loaded  # no autoflush on query
    assert DriverLog.transaction_control(await log.take()) == []

    async with container.infrastructure.uow() as uow:
        reloaded = await uow.users.get(user.id)
    assert reloaded is not None and reloaded.name == "Ada"


async def test_a_read_only_checkout_leaves_the_pool_transactional(container: ApplicationContainer) -> None:
    """AUTOCOMMIT is per checkout: the connection goes back to the pool with its default
    isolation level, and the next normal unit of work on it is a transaction again."""
    user = await _add_user(container, "ada@example.org")
    engine = container.infrastructure.engine()
    log = await DriverLog.attach(engine)
    for _ in range(3):
        async with container.infrastructure.read_uow() as uow:
            await uow.users.get(user.id)
        async with container.infrastructure.uow() as uow:
            loaded = await uow.users.get(user.id)
            assert loaded is not None
            await uow.session.execute(
                sa.update(tables.users).where(tables.users.c.id == user.id).values(name="Rolled back")
            )
            await uow.rollback()
    statements = await log.take()
    assert len(DriverLog.transaction_control(statements)) >= 3, statements
    async with container.infrastructure.read_uow() as uow:
        unchanged = await uow.users.get(user.id)
    assert unchanged is not None and unchanged.name == "Ada"
