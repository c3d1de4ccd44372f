"""Domain events and the aggregate root that records them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any, ClassVar


@dataclasses.dataclass(frozen=True)
class DomainEvent:
    """Something that happened. Subclasses set ``event_type`` (stable, dotted)."""

    event_type: ClassVar[str] = "event"

    def payload(self) -> dict[str, Any]:
        """A JSON-safe dict of the event's fields (UUIDs and datetimes as strings)."""
        return {f.name: _json_safe(getattr(self, f.name)) for f in dataclasses.fields(self)}


def _json_safe(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


class AggregateRoot:
    """Mixin for aggregates: events are kept until the unit of work collects them.

    Kept out of ``__init__`` on purpose: ORMs rebuild objects without calling it.
    """

    def record(self, event: DomainEvent) -> None:
        self.__dict__.setdefault("_pending_events", []).append(event)

    def pull_events(self) -> list[DomainEvent]:
        events: list[DomainEvent] = self.__dict__.pop("_pending_events", [])
        return events
