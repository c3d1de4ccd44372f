"""Which handlers run for which domain events. Handlers take ids and are idempotent."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from core.catalog.domain.events import CATEGORY_TREE_CHANGED
from core.messaging.application.mail import SendRequestedEmailCommand
from core.messaging.domain.email import EmailRequested
from entrypoints.bootstrap.containers import ApplicationContainer

Handler = Callable[[ApplicationContainer, Mapping[str, Any]], Awaitable[object]]


@dataclasses.dataclass(frozen=True)
class Subscription:
    name: str
    event_types: tuple[str, ...]
    handler: Handler


async def _refresh_category_tree(container: ApplicationContainer, _payload: Mapping[str, Any]) -> object:
    return await container.catalog.refresh_category_tree()()


async def _send_email(container: ApplicationContainer, payload: Mapping[str, Any]) -> object:
    return await container.messaging.send_requested_email()(SendRequestedEmailCommand(dict(payload)))


SUBSCRIPTIONS: tuple[Subscription, ...] = (
    Subscription("catalog.refresh_category_tree", CATEGORY_TREE_CHANGED, _refresh_category_tree),
    # The email queue: every email leaves through the outbox and this handler, once.
    Subscription("messaging.send_email", (EmailRequested.event_type,), _send_email),
)


def handlers_for(event_type: str, subscriptions: tuple[Subscription, ...] = SUBSCRIPTIONS) -> list[Subscription]:
    return [s for s in subscriptions if event_type in s.event_types]
