from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence import tables
from adapters.persistence.orm import fold
from core.identity.domain.user import User
from core.shared.events import AggregateRoot
from ports.identity.repositories import UserFilter, UserPage

_users = tables.users.c


class SqlUserRepository:
    def __init__(self, session: AsyncSession, seen: set[AggregateRoot]) -> None:
        self._session = session
        self._seen = seen

    async def add(self, user: User) -> None:
        self._session.add(user)
        self._seen.add(user)

    async def get(self, user_id: uuid.UUID) -> User | None:
        return self._track(await self._session.get(User, user_id))

    async def get_by_email(self, email: str) -> User | None:
        """By normalised email, deleted accounts included (an address stays taken)."""
        result = await self._session.execute(sa.select(User).where(_users.email == email.strip().lower()))
        return self._track(result.scalar_one_or_none())

    async def search(self, criteria: UserFilter, *, after: uuid.UUID | None, limit: int) -> UserPage:
        """Ordered by id (creation order, UUIDv7); ``after`` is the previous page's cursor."""
        limit = max(1, limit)
        stmt = sa.select(User).where(*_conditions(criteria))
        if after is not None:
            stmt = stmt.where(_users.id > after)
        stmt = stmt.order_by(_users.id).limit(limit + 1)
        rows = list((await self._session.execute(stmt)).scalars())
        items = rows[:limit]
        self._seen.update(items)
        return UserPage(items, items[-1].id if len(rows) > limit else None)

    async def count(self) -> int:
        """Every account, soft-deleted ones included."""
        return int((await self._session.execute(sa.select(sa.func.count()).select_from(tables.users))).scalar_one())

    def _track(self, user: User | None) -> User | None:
        if user is not None:
            self._seen.add(user)
        return user


def _conditions(criteria: UserFilter) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = []
    if criteria.text and criteria.text.strip():
        # Both sides are folded in Python (orm.fold), so LIKE only has to match bytes: no
        # dependence on the database's case rules. autoescape keeps % and _ literal.
        where.append(_users.search_key.contains(fold(criteria.text.strip()), autoescape=True))
    if criteria.email:
        where.append(_users.email == criteria.email.strip().lower())
    if criteria.roles:
        where.append(_users.role.in_(criteria.roles))
    if criteria.statuses:
        where.append(_users.status.in_(criteria.statuses))
    if criteria.ids:
        where.append(_users.id.in_(criteria.ids))
    if not criteria.include_deleted:
        where.append(_users.deleted_at.is_(None))
    return where
