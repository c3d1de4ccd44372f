"""The taskiq tasks of this process, registered on the configured broker."""

from __future__ import annotations

from typing import Any

from taskiq import AsyncBroker

from entrypoints.bootstrap.containers import ApplicationContainer
from entrypoints.workers.dispatcher import EventDispatcher
from ports.shared.tasks import EVENT_DISPATCH_TASK, PURGE_OUTBOX_TASK

# Dispatched outbox rows are kept a week for inspection, then purged every hour.
OUTBOX_RETENTION_SECONDS = 7 * 24 * 3600
PURGE_OUTBOX_CRON = "17 * * * *"
# Catalog view counts move from the cache to the database every minute.
FLUSH_VIEWS_TASK = "catalog.flush_views"
FLUSH_VIEWS_CRON = "* * * * *"
# The ECB publishes around 16:00 CET on working days; read the feed after that, and once more
# late at night in case that read failed.
# Waitlist offers not taken in time pass to the next learner.
EXPIRE_OFFERS_TASK = "enrollment.expire_seat_offers"
EXPIRE_OFFERS_CRON = "*/5 * * * *"
REFRESH_FX_TASK = "billing.refresh_fx_rates"
REFRESH_FX_CRON = "30 15,23 * * *"


def register_tasks(broker: AsyncBroker, container: ApplicationContainer) -> None:
    settings = container.settings()
    dispatcher = EventDispatcher(
        container,
        container.infrastructure.inbox(),
        max_attempts=settings.task_max_attempts,
        retry_base_seconds=settings.task_retry_base_seconds,
    )

    async def dispatch_event(message_id: str, event_type: str, payload: dict[str, Any]) -> None:
        await dispatcher(message_id, event_type, payload)

    async def purge_outbox() -> int:
        return await container.infrastructure.outbox_relay().purge_dispatched(OUTBOX_RETENTION_SECONDS)

    async def flush_views() -> int:
        return await container.catalog.flush_views()()

    async def refresh_fx_rates() -> int:
        rates = container.billing.fx_rates()
        refresh = getattr(rates, "refresh", None)  # a fixed table has nothing to refresh
        return await refresh() if refresh is not None else 0

    async def expire_seat_offers() -> int:
        return await container.enrollment.expire_offers()()

    broker.register_task(dispatch_event, task_name=EVENT_DISPATCH_TASK)
    broker.register_task(
        expire_seat_offers,
        task_name=EXPIRE_OFFERS_TASK,
        schedule=[{"cron": EXPIRE_OFFERS_CRON, "schedule_id": "expire-seat-offers"}],
    )
    broker.register_task(
        refresh_fx_rates, task_name=REFRESH_FX_TASK, schedule=[{"cron": REFRESH_FX_CRON, "schedule_id": "refresh-fx"}]
    )
    broker.register_task(
        flush_views, task_name=FLUSH_VIEWS_TASK, schedule=[{"cron": FLUSH_VIEWS_CRON, "schedule_id": "flush-views"}]
    )
    broker.register_task(
        purge_outbox, task_name=PURGE_OUTBOX_TASK, schedule=[{"cron": PURGE_OUTBOX_CRON, "schedule_id": "purge-outbox"}]
    )
