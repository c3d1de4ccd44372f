from __future__ import annotations

import asyncio
from pathlib import Path

from taskiq.schedule_sources import LabelScheduleSource

from entrypoints.bootstrap.containers import ApplicationContainer
from entrypoints.workers.runtime import run_scheduler, start_broker
from entrypoints.workers.tasks import PURGE_OUTBOX_CRON
from ports.shared.tasks import PURGE_OUTBOX_TASK
from tests.processes import lyceum_env, lyceum_process, wait_until


async def test_outbox_purge_is_scheduled_hourly(container: ApplicationContainer) -> None:
    broker = await start_broker(container, is_worker=False)
    source = LabelScheduleSource(broker)
    await source.startup()  # as run_scheduler does: this is when labels are read
    schedules = await source.get_schedules()
    purge = [s for s in schedules if s.task_name == PURGE_OUTBOX_TASK]
    assert len(purge) == 1 and purge[0].cron == PURGE_OUTBOX_CRON


async def test_scheduler_loop_stops_when_asked(container: ApplicationContainer) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(run_scheduler(container, stop))
    await asyncio.sleep(0.2)
    stop.set()
    await asyncio.wait_for(task, 5)


async def test_the_scheduled_purge_task_runs_through_the_broker(container: ApplicationContainer) -> None:
    broker = await start_broker(container, is_worker=True)
    task = broker.find_task(PURGE_OUTBOX_TASK)
    assert task is not None
    result = await (await task.kiq()).wait_result(timeout=5)
    assert not result.is_err and result.return_value == 0


def test_scheduler_process_starts_and_stops_gracefully(tmp_path: Path) -> None:
    env = lyceum_env({"LYCEUM_DATA_DIR": str(tmp_path)})
    with lyceum_process(["db", "upgrade"], env, tmp_path / "db.log") as migrate:
        migrate.proc.wait(30)
    with lyceum_process(["scheduler"], env, tmp_path / "scheduler.log") as scheduler:
        wait_until(lambda: "scheduler started" in scheduler.log(), 15, "the scheduler")
        assert scheduler.stop() == 0
