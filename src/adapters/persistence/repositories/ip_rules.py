from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.security.domain.ip_rules import IpRule
from core.shared.events import AggregateRoot


class SqlIpRuleRepository:
    def __init__(self, session: AsyncSession, seen: set[AggregateRoot]) -> None:
        self._session = session
        self._seen = seen

    async def add(self, rule: IpRule) -> None:
        self._session.add(rule)
        self._seen.add(rule)

    async def get(self, rule_id: uuid.UUID) -> IpRule | None:
        rule = await self._session.get(IpRule, rule_id)
        if rule is not None:
            self._seen.add(rule)
        return rule

    async def list_all(self) -> list[IpRule]:
        rules = list((await self._session.execute(sa.select(IpRule))).scalars())
        self._seen.update(rules)
        return rules

    async def delete(self, rule: IpRule) -> None:
        self._seen.add(rule)
        await self._session.delete(rule)
