from __future__ import annotations

from typing import Protocol


class TaskInbox(Protocol):
    """Remembers which (handler, message) pairs completed, so redelivered messages run once."""

    async def has_completed(self, handler: str, message_id: str) -> bool: ...

    async def mark_completed(self, handler: str, message_id: str) -> bool:
        """Record completion; False when another delivery recorded it first."""
        ...

    async def record_dead_letter(
        self, handler: str, message_id: str, event_type: str, payload: dict[str, object], error: str, attempts: int
    ) -> None: ...

    async def list_dead_letters(self, limit: int = 50) -> list[dict[str, object]]:
        """Unresolved dead letters, newest first."""
        ...
