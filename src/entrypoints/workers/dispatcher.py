"""Runs the handlers subscribed to an event: once each, with retries, then a dead letter."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping
from typing import Any

from core.shared.errors import DomainError
from entrypoints.bootstrap.containers import ApplicationContainer
from entrypoints.workers.subscriptions import SUBSCRIPTIONS, Subscription, handlers_for
from ports.shared.inbox import TaskInbox

log = logging.getLogger("lyceum.worker")
PERMANENT_KINDS = frozenset({"invalid", "not_found", "forbidden"})


class EventDispatcher:
    def __init__(
        self,
        container: ApplicationContainer,
        inbox: TaskInbox,
        *,
        max_attempts: int,
        retry_base_seconds: float,
        subscriptions: tuple[Subscription, ...] = SUBSCRIPTIONS,
    ) -> None:
        self._container = container
        self._inbox = inbox
        self._max_attempts = max_attempts
        self._retry_base = retry_base_seconds
        self._subscriptions = subscriptions

    async def __call__(self, message_id: str, event_type: str, payload: Mapping[str, Any]) -> None:
        for subscription in handlers_for(event_type, self._subscriptions):
            await self._run_once(subscription, message_id, event_type, payload)

    async def _run_once(
        self, subscription: Subscription, message_id: str, event_type: str, payload: Mapping[str, Any]
    ) -> None:
        if await self._inbox.has_completed(subscription.name, message_id):
            log.info("skipping duplicate", extra={"handler": subscription.name, "message_id": message_id})
            return
        for attempt in range(1, self._max_attempts + 1):
            try:
                await subscription.handler(self._container, payload)
                break
            except Exception as exc:
                # A refusal (bad input, missing record) will not change on retry: dead-letter it now.
                permanent = isinstance(exc, DomainError) and exc.kind in PERMANENT_KINDS
                if permanent or attempt == self._max_attempts:
                    log.exception(
                        "handler failed for good; dead-lettered",
                        extra={"handler": subscription.name, "message_id": message_id, "attempts": attempt},
                    )
                    error = f"{type(exc).__name__}: {exc}"
                    await self._inbox.record_dead_letter(
                        subscription.name, message_id, event_type, dict(payload), error, attempt
                    )
                    # Completed as far as delivery goes: a redelivery must not run it again.
                    await self._inbox.mark_completed(subscription.name, message_id)
                    return
                delay = self._retry_base * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)  # noqa: S311
                log.warning(
                    "handler failed; retrying in %.2fs",
                    delay,
                    extra={"handler": subscription.name, "message_id": message_id, "attempt": attempt},
                )
                await asyncio.sleep(delay)
        if await self._inbox.mark_completed(subscription.name, message_id):
            log.info("handler completed", extra={"handler": subscription.name, "message_id": message_id})
