from __future__ import annotations

import datetime as dt

import pytest

from core.identity.domain.user import User
from core.shared.errors import Conflict
from entrypoints.bootstrap.containers import ApplicationContainer


async def _user(container: ApplicationContainer, email: str) -> User:
    now = container.infrastructure.clock().now()
    async with container.infrastructure.uow() as uow:
        user = User.register(email=email, name="Linked", password_hash=None, now=now, verified=True)
        await uow.users.add(user)
        await uow.commit()
    return user


async def test_external_identities_link_to_one_account(container: ApplicationContainer) -> None:
    ada, bob = await _user(container, "ada@example.com"), await _user(container, "bob@example.com")
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    async with container.infrastructure.uow() as uow:
        await uow.oauth_links.add("google", "g-1", ada.id, linked_at=t0)
        await uow.oauth_links.add("github", "42", ada.id, linked_at=t0 + dt.timedelta(minutes=1))
        await uow.oauth_links.add("google", "g-2", bob.id, linked_at=t0)
        await uow.commit()
    async with container.infrastructure.uow() as uow:
        assert await uow.oauth_links.get("google", "g-1") == ada.id
        assert await uow.oauth_links.get("google", "42") is None
        found = await uow.oauth_links.list_for_user(ada.id)
        assert [(link.provider, link.subject) for link in found] == [("google", "g-1"), ("github", "42")]
        assert found[0].linked_at == t0
    with pytest.raises(Conflict):
        await _link(container, "google", "g-1", bob.id, t0)


async def _link(container: ApplicationContainer, provider: str, subject: str, user_id: object, at: object) -> None:
    async with container.infrastructure.uow() as uow:
        await uow.oauth_links.add(provider, subject, user_id, linked_at=at)  # type: ignore[arg-type]
        await uow.commit()
