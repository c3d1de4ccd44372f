"""Worker and scheduler loops, used by ``lyceum worker``/``scheduler`` and embedded ``serve``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from taskiq import AsyncBroker, InMemoryBroker, TaskiqScheduler
from taskiq.cli.scheduler.run import SchedulerLoop
from taskiq.receiver import Receiver
from taskiq.schedule_sources import LabelScheduleSource

from entrypoints.bootstrap.containers import ApplicationContainer
from entrypoints.workers.tasks import register_tasks

log = logging.getLogger("lyceum.worker")


async def start_broker(container: ApplicationContainer, *, is_worker: bool) -> AsyncBroker:
    broker = container.infrastructure.broker()
    broker.is_worker_process = is_worker
    register_tasks(broker, container)
    await broker.startup()
    return broker


async def run_relay(container: ApplicationContainer, stop: asyncio.Event) -> None:
    await container.infrastructure.outbox_relay().run(stop)


async def run_worker(container: ApplicationContainer, stop: asyncio.Event) -> None:
    """Consume tasks until ``stop`` is set; also relays the outbox (safe to run in many processes)."""
    broker = await start_broker(container, is_worker=True)
    relay = asyncio.create_task(run_relay(container, stop))
    try:
        if isinstance(broker, InMemoryBroker):
            # In-process broker: tasks run where they are kicked; only the relay needs a loop.
            await stop.wait()
        else:
            receiver = Receiver(
                broker,
                max_async_tasks=container.settings().worker_concurrency,
                run_startup=False,
                propagate_exceptions=False,
            )
            await receiver.listen(stop)
    finally:
        stop.set()
        await relay


async def run_scheduler(container: ApplicationContainer, stop: asyncio.Event) -> None:
    """Send scheduled tasks. Run exactly one scheduler per deployment."""
    broker = container.infrastructure.broker()
    if not broker.is_worker_process:
        register_tasks(broker, container)
        await broker.startup()
    scheduler = TaskiqScheduler(broker, sources=[LabelScheduleSource(broker)])
    for source in scheduler.sources:
        await source.startup()
    loop = SchedulerLoop(scheduler)
    task = asyncio.create_task(loop.run(update_interval=timedelta(seconds=60), skip_first_run=True))
    await stop.wait()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
