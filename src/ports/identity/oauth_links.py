"""Links between local accounts and external identities (Google, GitHub, LinkedIn subjects)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Protocol

from ports.identity.repositories import IdentityUnitOfWork


@dataclasses.dataclass(frozen=True)
class OAuthLink:
    """One external identity of a user: ``subject`` is the provider's stable id (OIDC ``sub``,
    GitHub's numeric user id), never an email address or a login name, which can change."""

    provider: str
    subject: str
    user_id: uuid.UUID
    linked_at: dt.datetime


class OAuthLinkRepository(Protocol):
    """The ``user_identities`` table: (provider, subject) is unique, so an external identity
    belongs to one account at most."""

    async def get(self, provider: str, subject: str) -> uuid.UUID | None:
        """The user this external identity signs in as, or None when it is not linked."""
        ...

    async def add(self, provider: str, subject: str, user_id: uuid.UUID, *, linked_at: dt.datetime) -> None:
        """Part of the unit of work's transaction; linking a (provider, subject) that is linked
        already makes the unit of work fail with Conflict."""
        ...

    async def list_for_user(self, user_id: uuid.UUID) -> list[OAuthLink]:
        """Every external identity of a user, oldest first (for the settings page)."""
        ...


class OAuthUnitOfWork(IdentityUnitOfWork, Protocol):
    """The identity unit of work with the link table (``uow.oauth_links``)."""

    @property
    def oauth_links(self) -> OAuthLinkRepository: ...
