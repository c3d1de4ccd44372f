"""The sandbox provider's webhooks (embedded mode and tests): Stripe's signature scheme, a small
event shape of our own:

    {"id": "evt_...", "type": "payment.succeeded",
     "data": {"order_id": "...", "payment_id": "pay_...", "amount_minor": 5831, "currency": "USD"}}
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from adapters.payments import signatures
from core.shared.errors import InvalidInput
from ports.billing.payments import PaymentEvent

SIGNATURE_HEADER = "stripe-signature"


class SandboxWebhooks:
    """ports.billing.payments.WebhookVerifier."""

    provider = "sandbox"

    def __init__(self, secrets: Sequence[str]) -> None:
        self._secrets = tuple(secrets)

    def verify(self, headers: Mapping[str, str], body: bytes, *, now: float) -> PaymentEvent:
        signatures.verify(headers.get(SIGNATURE_HEADER, ""), body, self._secrets, now=now)
        try:
            event: dict[str, Any] = json.loads(body)
            data = event["data"]
            order_id = uuid.UUID(str(data["order_id"])) if data.get("order_id") else None
            return PaymentEvent(
                provider=self.provider,
                event_id=str(event["id"])[:100],
                event_type=str(event["type"])[:100],
                order_id=order_id,
                payment_id=str(data.get("payment_id", ""))[:100],
                amount_minor=int(data.get("amount_minor", 0)),
                currency=str(data.get("currency", ""))[:3],
                raw=event,
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidInput("webhook.payload", "the webhook body is not a sandbox event") from exc
