"""Sign-in's database traffic on SQLite and PostgreSQL: an ordinary login (right or wrong
password, known or unknown address) looks the account up without a transaction; one that must
write (an old hash upgraded) still writes in a transaction of its own."""

from __future__ import annotations

import argon2
import pytest

from core.identity.application.authentication import Tokens
from core.identity.application.context import RequestContext
from core.identity.domain.passwords import normalize
from core.shared.errors import Unauthenticated
from tests.integration.identity.conftest import PASSWORD, Identity
from tests.integration.persistence.driver_log import DriverLog

CTX = RequestContext(ip="203.0.113.7", user_agent="pytest")


async def _stored_hash(identity: Identity, email: str) -> str:
    async with identity.container.infrastructure.read_uow() as uow:
        user = await uow.users.get_by_email(email)
    assert user is not None and user.password_hash is not None
    stored: str = user.password_hash
    return stored


async def test_an_ordinary_login_sends_no_transaction_statements(identity: Identity) -> None:
    await identity.register("plain@example.com")
    before = await _stored_hash(identity, "plain@example.com")
    login = identity.container.identity.login()
    log = await DriverLog.attach(identity.container.infrastructure.engine())

    assert isinstance(await login("plain@example.com", PASSWORD, CTX), Tokens)
    for email, password in (("plain@example.com", "not the password!"), ("nobody@example.com", PASSWORD)):
        with pytest.raises(Unauthenticated):
            await login(email, password, CTX)

    statements = await log.take()
    assert DriverLog.transaction_control(statements) == [], statements
    assert await _stored_hash(identity, "plain@example.com") == before


async def test_a_login_that_upgrades_the_hash_still_writes_it(identity: Identity) -> None:
    await identity.register("old@example.com")
    hasher = identity.container.identity.hasher()
    # Stored with other parameters than the configured ones (a stronger time cost).
    old_hash = argon2.PasswordHasher(time_cost=3, memory_cost=19456, parallelism=1, hash_len=32, salt_len=16).hash(
        normalize(PASSWORD)
    )
    async with identity.container.infrastructure.uow() as uow:
        user = await uow.users.get_by_email("old@example.com")
        assert user is not None
        user.rehash_password(old_hash)
        await uow.commit()
    assert hasher.needs_rehash(old_hash)
    login = identity.container.identity.login()
    log = await DriverLog.attach(identity.container.infrastructure.engine())

    assert isinstance(await login("old@example.com", PASSWORD, CTX), Tokens)
    upgrading = DriverLog.transaction_control(await log.take())
    new_hash = await _stored_hash(identity, "old@example.com")
    assert new_hash != old_hash and not hasher.needs_rehash(new_hash)
    assert upgrading and upgrading[-1].upper().startswith("COMMIT"), upgrading

    # Upgraded once: the next sign-in is an ordinary one again.
    assert isinstance(await login("old@example.com", PASSWORD, CTX), Tokens)
    assert DriverLog.transaction_control(await log.take()) == []
    assert await _stored_hash(identity, "old@example.com") == new_hash
