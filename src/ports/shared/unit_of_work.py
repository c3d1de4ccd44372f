from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from core.shared.events import DomainEvent


class UnitOfWork(Protocol):
    """One transaction. Rolls back on exit unless ``commit()`` was called.

    On commit, the events recorded by every aggregate the unit of work saw are written
    to the outbox in the same transaction; a relay hands them to the task queue after.
    """

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def publish(self, event: DomainEvent) -> None:
        """Queue an event that belongs to no aggregate (e.g. "email requested"); it is
        written to the outbox on commit, like aggregate events."""
        ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...
