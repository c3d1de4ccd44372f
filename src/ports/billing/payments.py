"""Payment providers as the core sees them: verified webhook events, and where they are kept."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any, Protocol

from ports.shared.unit_of_work import UnitOfWork


@dataclasses.dataclass(frozen=True)
class PaymentEvent:
    """A provider's webhook, signature checked and read into the fields the core acts on."""

    provider: str
    event_id: str
    event_type: str  # e.g. "payment.succeeded", "payment.failed"
    order_id: uuid.UUID | None
    payment_id: str
    amount_minor: int
    currency: str
    raw: Mapping[str, Any]


class WebhookVerifier(Protocol):
    provider: str

    def verify(self, headers: Mapping[str, str], body: bytes, *, now: float) -> PaymentEvent:
        """Raises Unauthenticated ``webhook.signature`` for a bad or stale signature and
        InvalidInput ``webhook.payload`` for a body it cannot read."""
        ...


class WebhookInbox(Protocol):
    async def record(self, event: PaymentEvent, *, received_at: dt.datetime) -> bool:
        """Keep the event once per (provider, event id); False when it was already kept."""
        ...

    async def get(self, provider: str, event_id: str) -> PaymentEvent | None: ...

    async def received(
        self, *, provider: str | None, since: dt.datetime | None, after: tuple[str, str] | None, limit: int
    ) -> list[tuple[str, str]]:
        """(provider, event id) of kept events, oldest first, for replaying; ``after`` is the
        last pair of the previous page."""
        ...


class PaymentsUnitOfWork(UnitOfWork, Protocol):
    webhooks: WebhookInbox
