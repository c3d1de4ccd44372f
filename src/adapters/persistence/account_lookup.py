"""The sign-in lookup: one autocommitted SELECT, rows turned into users without an ORM session.

Every login attempt reads an account by email, known or not, so this is on the hottest write
path there is. Through an ORM session the read cost about 0.7 ms of event-loop CPU (session,
identity map, loading events); a core SELECT on a pooled autocommit connection costs a fraction
of that, which the hashing threads get back.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm.attributes import manager_of_class

from adapters.persistence import tables
from core.identity.domain.user import User

_FIELDS = tuple(field.name for field in dataclasses.fields(User) if field.init)
_BY_EMAIL = sa.select(*(tables.users.c[name] for name in _FIELDS)).where(tables.users.c.email == sa.bindparam("email"))


class SqlAccountLookup:
    """ports.identity.repositories.AccountLookup."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        bind = session_factory.kw.get("bind")
        if not isinstance(bind, AsyncEngine):
            raise TypeError("SqlAccountLookup needs a session factory bound to an AsyncEngine")
        # Same pool as everything else; one statement, so no transaction around it.
        self._engine = bind.execution_options(isolation_level="AUTOCOMMIT")

    async def by_email(self, email: str) -> User | None:
        async with self._engine.connect() as connection:
            row = (await connection.execute(_BY_EMAIL, {"email": email.strip().lower()})).first()
        return None if row is None else _user(row._mapping)


def _user(values: Any) -> User:
    # As the ORM builds a loaded object: a bare instance with its state, fields written to its
    # __dict__ (the instrumented constructor would record 22 attribute changes for nothing).
    # It belongs to no session.
    user: User = manager_of_class(User).new_instance()
    user.__dict__.update({name: values[name] for name in _FIELDS})
    return user
