"""Storage of the ledger, and what it needs to know about courses."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Protocol

from core.billing.domain.ledger import LedgerEntry
from ports.shared.unit_of_work import UnitOfWork


class LedgerRepository(Protocol):
    async def post(
        self, transaction_id: uuid.UUID, order_id: uuid.UUID, entries: list[LedgerEntry], *, at: dt.datetime
    ) -> bool:
        """Write a balanced transaction once; False when it was already posted."""
        ...

    async def entries(self, transaction_id: uuid.UUID) -> list[LedgerEntry]: ...

    async def balances(self, *, account: str | None = None) -> dict[str, int]:
        """Sum per currency, of one account or of the whole ledger (zero when balanced)."""
        ...


class LedgerUnitOfWork(UnitOfWork, Protocol):
    ledger: LedgerRepository


class CourseOwners(Protocol):
    async def owners(self, course_ids: tuple[uuid.UUID, ...]) -> dict[uuid.UUID, uuid.UUID]:
        """Each course's owning instructor (published or not, archived included)."""
        ...
