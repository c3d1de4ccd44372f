"""A learner's enrollments, newest first, for the "my courses" pages of every app.

It is the read every signed-in home screen makes, so it skips the ORM session: one autocommitted
keyset SELECT, rows made into detached ``Enrollment`` objects the way the ORM loads them."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.persistence import tables
from adapters.persistence.engine import autocommit_engine
from adapters.persistence.orm import detached
from core.enrollment.domain.enrollments import Enrollment
from ports.enrollment.repositories import EnrollmentPage

_e = tables.enrollments.c
_FIELDS = tuple(field.name for field in dataclasses.fields(Enrollment) if field.init)
_COLUMNS = tuple(_e[name] for name in _FIELDS)
# Built once: constructing a statement costs about as much as running it.
_FIRST_PAGE = (
    sa.select(*_COLUMNS)
    .where(_e.user_id == sa.bindparam("user_id"))
    .order_by(_e.id.desc())
    .limit(sa.bindparam("limit"))
)
_NEXT_PAGE = _FIRST_PAGE.where(_e.id < sa.bindparam("after"))


class SqlEnrollmentReader:
    """ports.enrollment.repositories.EnrollmentReader."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._engine = autocommit_engine(session_factory, "SqlEnrollmentReader")

    async def for_user(self, user_id: uuid.UUID, *, after: uuid.UUID | None, limit: int) -> EnrollmentPage:
        params: dict[str, Any] = {"user_id": user_id, "limit": limit + 1}
        if after is not None:
            params["after"] = after
        async with self._engine.connect() as connection:
            rows = (await connection.execute(_FIRST_PAGE if after is None else _NEXT_PAGE, params)).all()
        items = [detached(Enrollment, row._mapping, _FIELDS) for row in rows[:limit]]
        return EnrollmentPage(items, items[-1].id if len(rows) > limit else None)
