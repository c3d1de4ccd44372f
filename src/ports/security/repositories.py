from __future__ import annotations

import uuid
from typing import Protocol

from core.security.domain.ip_rules import IpRule
from ports.shared.unit_of_work import UnitOfWork


class IpRuleRepository(Protocol):
    async def add(self, rule: IpRule) -> None: ...

    async def get(self, rule_id: uuid.UUID) -> IpRule | None: ...

    async def list_all(self) -> list[IpRule]: ...

    async def delete(self, rule: IpRule) -> None: ...


class SecurityUnitOfWork(UnitOfWork, Protocol):
    ip_rules: IpRuleRepository
