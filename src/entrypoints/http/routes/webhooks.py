"""Payment providers' webhooks: signature checked, kept once, acted on by the worker."""

from __future__ import annotations

import time
from typing import Any

import msgspec
from litestar import Request, post
from litestar.params import FromPath
from litestar.status_codes import HTTP_200_OK

from core.shared.errors import NotFound
from entrypoints.http.dependencies import container_of
from ports.shared.rate_limit import RateLimit

# Providers retry in bursts after an outage: far above the default, still bounded.
WEBHOOK_LIMIT = RateLimit(1_200, 60.0)
MAX_WEBHOOK_BYTES = 256 * 1024


class WebhookAck(msgspec.Struct):
    received: bool
    duplicate: bool


@post(
    "/api/v1/webhooks/{provider:str}",
    summary="A payment provider's webhook (signed; kept once per event id)",
    tags=["checkout"],
    status_code=HTTP_200_OK,
    request_max_body_size=MAX_WEBHOOK_BYTES,
    opt={"rate_limit": WEBHOOK_LIMIT},
)
async def payment_webhook(request: Request[Any, Any, Any], provider: FromPath[str]) -> WebhookAck:
    billing = container_of(request).billing
    verifier = billing.webhook_verifiers().get(provider)
    if verifier is None:
        raise NotFound("webhook.provider", f"no webhooks are taken from {provider!r}")
    body = await request.body()
    event = verifier.verify(dict(request.headers), body, now=time.time())
    first = await billing.receive_webhook()(event)
    return WebhookAck(received=True, duplicate=not first)
