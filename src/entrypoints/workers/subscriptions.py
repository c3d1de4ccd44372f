"""Which handlers run for which domain events. Handlers take ids and are idempotent."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from core.billing.application.webhooks import PaymentWebhookReceived
from core.billing.domain.orders import OrderPaid, OrderRefunded
from core.catalog.application.course_search import IndexCourseCommand
from core.catalog.domain.course_events import CourseArchived, CoursePublished
from core.catalog.domain.events import CATEGORY_TREE_CHANGED
from core.identity.domain.events import AccountEmailRequested
from core.messaging.application.mail import SendRequestedEmailCommand
from core.messaging.domain.email import EmailRequested, Recipient, request_email
from core.shared.ids import new_id
from entrypoints.bootstrap.containers import ApplicationContainer

Handler = Callable[[ApplicationContainer, Mapping[str, Any]], Awaitable[object]]


@dataclasses.dataclass(frozen=True)
class Subscription:
    name: str
    event_types: tuple[str, ...]
    handler: Handler


async def _refresh_category_tree(container: ApplicationContainer, _payload: Mapping[str, Any]) -> object:
    return await container.catalog.refresh_category_tree()()


async def _index_course(container: ApplicationContainer, payload: Mapping[str, Any]) -> object:
    # Reads the catalog as it is now, so a late or repeated event still converges.
    return await container.catalog.index_course()(IndexCourseCommand(uuid.UUID(str(payload["course_id"]))))


async def _invalidate_catalog(container: ApplicationContainer, _payload: Mapping[str, Any]) -> object:
    # The use case already did this after its commit; this covers a cache that was down then.
    return await container.catalog.invalidate_catalog()()


async def _sync_order_access(container: ApplicationContainer, payload: Mapping[str, Any]) -> object:
    # Reads the order as it is now: payment and refund events converge in any order.
    return await container.enrollment.sync_order_access()(uuid.UUID(str(payload["order_id"])))


async def _apply_payment_webhook(container: ApplicationContainer, payload: Mapping[str, Any]) -> object:
    return await container.billing.apply_webhook()(str(payload["provider"]), str(payload["event_id"]))


async def _post_sale(container: ApplicationContainer, payload: Mapping[str, Any]) -> object:
    return await container.billing.post_sale()(uuid.UUID(str(payload["order_id"])))


async def _post_refund(container: ApplicationContainer, payload: Mapping[str, Any]) -> object:
    return await container.billing.post_refund()(
        uuid.UUID(str(payload["order_id"])), uuid.UUID(str(payload["refund_id"])), int(payload["amount_minor"])
    )


async def _send_email(container: ApplicationContainer, payload: Mapping[str, Any]) -> object:
    return await container.messaging.send_requested_email()(SendRequestedEmailCommand(dict(payload)))


# kind -> (template, path of the link in the email, extra template context)
ACCOUNT_EMAILS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "verify_email": ("verify_email", "/verify-email?token={token}", {"expires_in_hours": 72}),
    "reset_password": ("reset_password", "/reset-password?token={token}", {"expires_in_minutes": 60}),
    "account_exists": ("account_exists", "/forgot-password", {}),
    "password_changed": ("password_changed", "/forgot-password", {}),
    "welcome": ("welcome", "/login", {}),
}
_LINK_VARIABLE = {"verify_email": "verify_url", "welcome": "login_url"}


async def _send_account_email(container: ApplicationContainer, payload: Mapping[str, Any]) -> object:
    """Mints the link token now, so it exists only in the email, never in the outbox table."""
    kind = str(payload["kind"])
    template, path, extra = ACCOUNT_EMAILS[kind]
    user = await container.identity.get_user()(uuid.UUID(str(payload["user_id"])))
    if user is None or user.deleted_at is not None:
        return None
    token = await container.identity.issue_email_link()(kind, user.id)
    url = container.settings().public_base_url.rstrip("/") + path.format(token=token or "")
    event = request_email(
        email_id=new_id(),
        template=template,
        locale=user.language,
        to=(Recipient(user.email, user.name),),
        context={"name": user.name, _LINK_VARIABLE.get(template, "reset_url"): url, **extra},
    )
    command = SendRequestedEmailCommand(event.payload())
    return await container.messaging.send_requested_email()(command)


SUBSCRIPTIONS: tuple[Subscription, ...] = (
    Subscription("catalog.refresh_category_tree", CATEGORY_TREE_CHANGED, _refresh_category_tree),
    Subscription("catalog.index_course", (CoursePublished.event_type, CourseArchived.event_type), _index_course),
    Subscription(
        "catalog.invalidate_catalog", (CoursePublished.event_type, CourseArchived.event_type), _invalidate_catalog
    ),
    Subscription("billing.apply_payment_webhook", (PaymentWebhookReceived.event_type,), _apply_payment_webhook),
    # Access follows a confirmed payment, never the order alone.
    Subscription("enrollment.sync_order_access", (OrderPaid.event_type, OrderRefunded.event_type), _sync_order_access),
    Subscription("billing.post_sale", (OrderPaid.event_type,), _post_sale),
    Subscription("billing.post_refund", (OrderRefunded.event_type,), _post_refund),
    # The email queue: every email leaves through the outbox and this handler, once.
    Subscription("messaging.send_email", (EmailRequested.event_type,), _send_email),
    Subscription("identity.send_account_email", (AccountEmailRequested.event_type,), _send_account_email),
)


def handlers_for(event_type: str, subscriptions: tuple[Subscription, ...] = SUBSCRIPTIONS) -> list[Subscription]:
    return [s for s in subscriptions if event_type in s.event_types]
