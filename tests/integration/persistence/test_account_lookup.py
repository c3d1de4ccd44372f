"""The sign-in lookup on SQLite and PostgreSQL: one statement, the same user a repository loads."""

from __future__ import annotations

import dataclasses
import datetime as dt

from core.identity.domain.user import User
from entrypoints.bootstrap.containers import ApplicationContainer
from tests.integration.persistence.driver_log import DriverLog

NOW = dt.datetime(2026, 11, 26, 12, 30, tzinfo=dt.UTC)


async def test_the_lookup_finds_the_user_a_repository_loads_field_for_field(container: ApplicationContainer) -> None:
    user = User.register(
        email="grace@example.org", name="Grace", password_hash="$argon2id$stub", now=NOW, verified=True
    )
    user.suspend(until=NOW + dt.timedelta(days=2), reason="late fees", now=NOW, actor_id=user.id)
    async with container.infrastructure.uow() as uow:
        await uow.users.add(user)
        await uow.commit()

    found = await container.identity.account_lookup().by_email("  Grace@Example.org ")
    async with container.infrastructure.read_uow() as uow:
        loaded = await uow.users.get(user.id)

    assert found is not None and loaded is not None
    fields = [f.name for f in dataclasses.fields(User)]
    assert {n: getattr(found, n) for n in fields} == {n: getattr(loaded, n) for n in fields}
    assert await container.identity.account_lookup().by_email("nobody@example.org") is None


async def test_the_lookup_runs_without_a_transaction(container: ApplicationContainer) -> None:
    user = User.register(email="ada@example.org", name="Ada", password_hash="$argon2id$stub", now=NOW, verified=True)
    async with container.infrastructure.uow() as uow:
        await uow.users.add(user)
        await uow.commit()
    log = await DriverLog.attach(container.infrastructure.engine())

    assert await container.identity.account_lookup().by_email("ada@example.org") is not None

    assert DriverLog.transaction_control(await log.take()) == []
