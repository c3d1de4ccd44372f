from __future__ import annotations

import dataclasses
import uuid
from typing import Protocol

from core.identity.domain.user import User
from ports.shared.unit_of_work import UnitOfWork


@dataclasses.dataclass(frozen=True)
class UserFilter:
    """Search criteria; ``text`` matches name or email (case-insensitive substring)."""

    text: str | None = None
    email: str | None = None
    roles: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    include_deleted: bool = False
    ids: tuple[uuid.UUID, ...] = ()


@dataclasses.dataclass(frozen=True)
class UserPage:
    items: list[User]
    next_cursor: uuid.UUID | None


class AccountLookup(Protocol):
    """The one read every sign-in attempt does, outside any unit of work."""

    async def by_email(self, email: str) -> User | None:
        """As ``UserRepository.get_by_email``. The user is detached from any unit of work:
        read it; a change to it must go through a repository."""
        ...


class UserRepository(Protocol):
    async def add(self, user: User) -> None: ...

    async def get(self, user_id: uuid.UUID) -> User | None: ...

    async def get_by_email(self, email: str) -> User | None:
        """By normalised email, deleted accounts included (an address stays taken)."""
        ...

    async def search(self, criteria: UserFilter, *, after: uuid.UUID | None, limit: int) -> UserPage:
        """Ordered by id (creation order); ``after`` is the cursor from the previous page."""
        ...

    async def count(self) -> int: ...


class IdentityUnitOfWork(UnitOfWork, Protocol):
    users: UserRepository
