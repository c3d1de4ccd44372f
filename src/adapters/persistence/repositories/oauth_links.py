"""External identities linked to accounts (``ports.identity.oauth_links.OAuthLinkRepository``).

One row per (provider, subject): an external identity belongs to one account at most.
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.tables import user_identities
from ports.identity.oauth_links import OAuthLink


class SqlOAuthLinkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, provider: str, subject: str) -> uuid.UUID | None:
        result = await self._session.execute(
            sa.select(user_identities.c.user_id).where(
                user_identities.c.provider == provider, user_identities.c.subject == subject
            )
        )
        user_id: uuid.UUID | None = result.scalar_one_or_none()
        return user_id

    async def add(self, provider: str, subject: str, user_id: uuid.UUID, *, linked_at: dt.datetime) -> None:
        # A user created in the same unit of work is still pending in the session: write it
        # first, or the row would point at a user the database has not seen yet.
        await self._session.flush()
        await self._session.execute(
            sa.insert(user_identities).values(provider=provider, subject=subject, user_id=user_id, linked_at=linked_at)
        )

    async def list_for_user(self, user_id: uuid.UUID) -> list[OAuthLink]:
        rows = await self._session.execute(
            sa.select(user_identities)
            .where(user_identities.c.user_id == user_id)
            .order_by(user_identities.c.linked_at, user_identities.c.provider)
        )
        return [OAuthLink(row.provider, row.subject, row.user_id, row.linked_at) for row in rows]
