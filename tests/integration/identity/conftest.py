"""Identity over HTTP, end to end: real database, cache, outbox, worker and Maildir."""

from __future__ import annotations

import datetime as dt
import mailbox
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from dependency_injector import providers

from core.identity.domain.roles import Role
from entrypoints.bootstrap.containers import ApplicationContainer, build_container
from entrypoints.bootstrap.lifecycle import prepare_storage, shutdown, upgrade_database
from entrypoints.http.app import create_app
from entrypoints.workers.runtime import start_broker
from tests.conftest import test_settings

PASSWORD = "correct horse battery staple"
_LINK = re.compile(r"token=([A-Za-z0-9_\-]+)")


class ShiftableClock:
    """The real time plus an offset a test can move forward."""

    def __init__(self) -> None:
        self.offset = dt.timedelta()

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset


class Identity:
    """A test driver: the HTTP client plus helpers that read email and promote users."""

    def __init__(self, client: httpx.AsyncClient, container: ApplicationContainer) -> None:
        self.client = client
        self.container = container
        self.clock: ShiftableClock = container.infrastructure.clock()
        self._broker: Any = None

    async def deliver_mail(self) -> None:
        """What the worker does in production: relay the outbox and run the handlers."""
        if self._broker is None:
            self._broker = await start_broker(self.container, is_worker=True)
        while await self.container.infrastructure.outbox_relay().relay_once():
            pass
        await self._broker.wait_all()

    def mails_to(self, address: str) -> list[Any]:
        path = Path(self.container.settings().data_dir) / "mail"
        if not path.exists():
            return []
        return [m for m in mailbox.Maildir(path, create=False) if address in (m["To"] or "")]

    def token_from_last_mail(self, address: str, template_hint: str = "") -> str:
        for message in reversed(self.mails_to(address)):
            body = message.get_payload()[0].get_payload(decode=True).decode()
            if template_hint in body or template_hint in (message["Subject"] or ""):
                found = _LINK.search(body)
                if found:
                    return found.group(1)
        raise AssertionError(f"no link email for {address}")

    async def register(
        self, email: str, *, name: str = "Test User", password: str = PASSWORD, verify: bool = True
    ) -> None:
        response = await self.client.post(
            "/api/v1/auth/register", json={"email": email, "password": password, "name": name}
        )
        assert response.status_code == 202, response.text
        if verify:
            await self.deliver_mail()
            token = self.token_from_last_mail(email, "verify-email")
            verified = await self.client.post("/api/v1/auth/verify-email", json={"token": token})
            assert verified.status_code == 200, verified.text

    async def login(self, email: str, password: str = PASSWORD, **headers: str) -> dict[str, Any]:
        response = await self.client.post(
            "/api/v1/auth/login", json={"email": email, "password": password}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def signed_in(self, email: str, *, role: Role = Role.STUDENT, name: str = "Test User") -> dict[str, str]:
        await self.register(email, name=name)
        if role is not Role.STUDENT:
            await self.promote(email, role)
        tokens = await self.login(email)
        return {"Authorization": f"Bearer {tokens['access_token']}"}

    async def promote(self, email: str, role: Role) -> None:
        async with self.container.infrastructure.uow() as uow:
            user = await uow.users.get_by_email(email)
            assert user is not None
            user.role = role.value
            await uow.commit()

    async def user_id(self, email: str) -> uuid.UUID:
        async with self.container.infrastructure.uow() as uow:
            user = await uow.users.get_by_email(email)
            assert user is not None
            return user.id


@pytest.fixture
def identity_overrides() -> dict[str, object]:
    return {}


@pytest.fixture
async def identity(tmp_path: Path, database_url: str, identity_overrides: dict[str, object]) -> AsyncIterator[Identity]:
    overrides: dict[str, object] = {"rate_limit_per_minute": 10_000}
    overrides.update(identity_overrides)
    container = build_container(test_settings(tmp_path, database_url, **overrides))
    container.infrastructure.clock.override(providers.Object(ShiftableClock()))
    await upgrade_database(container)
    await prepare_storage(container)
    transport = httpx.ASGITransport(app=create_app(container), client=("203.0.113.10", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as client:
        yield Identity(client, container)
    await shutdown(container)
