"""The sign-in lookup: one autocommitted SELECT, rows turned into users without an ORM session.

Every login attempt reads an account by email, known or not, so this is on the hottest write
path there is. Through an ORM session the read cost about 0.7 ms of event-loop CPU (session,
identity map, loading events); a core SELECT on a pooled autocommit connection costs a fraction
of that, which the hashing threads get back.
"""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.persistence import tables
from adapters.persistence.engine import autocommit_engine
from adapters.persistence.orm import detached
from core.identity.domain.user import User

_FIELDS = tuple(field.name for field in dataclasses.fields(User) if field.init)
_BY_EMAIL = sa.select(*(tables.users.c[name] for name in _FIELDS)).where(tables.users.c.email == sa.bindparam("email"))


class SqlAccountLookup:
    """ports.identity.repositories.AccountLookup."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._engine = autocommit_engine(session_factory, "SqlAccountLookup")

    async def by_email(self, email: str) -> User | None:
        async with self._engine.connect() as connection:
            row = (await connection.execute(_BY_EMAIL, {"email": email.strip().lower()})).first()
        return None if row is None else detached(User, row._mapping, _FIELDS)
