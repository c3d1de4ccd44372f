from __future__ import annotations

import asyncio
import collections

import pytest

from adapters.persistence import tables
from adapters.persistence.outbox import OutboxMessage, OutboxRelay
from core.catalog.application.categories import CreateCategoryCommand
from entrypoints.bootstrap.containers import ApplicationContainer
from tests.conftest import count_rows


def _relay(
    container: ApplicationContainer, sink: list[OutboxMessage], *, fail: bool = False, batch_size: int = 100
) -> OutboxRelay:
    async def dispatch(message: OutboxMessage) -> None:
        await asyncio.sleep(0)  # let concurrent relays interleave
        if fail:
            raise ConnectionError("broker down")
        sink.append(message)

    infra = container.infrastructure
    return OutboxRelay(infra.session_factory(), dispatch, infra.clock(), batch_size=batch_size)


async def _create(container: ApplicationContainer, count: int) -> None:
    for i in range(count):
        await container.catalog.create_category()(CreateCategoryCommand(f"Category {i}"))


async def test_relay_hands_each_event_over_once_and_marks_it(container: ApplicationContainer) -> None:
    await _create(container, 3)
    sent: list[OutboxMessage] = []
    relay = _relay(container, sent)
    assert await relay.relay_once() == 3
    assert await relay.relay_once() == 0
    assert [m.event_type for m in sent] == ["catalog.category_created"] * 3
    assert await count_rows(container, tables.outbox, tables.outbox.c.dispatched_at.is_(None)) == 0


async def test_events_stay_pending_while_the_broker_is_down(container: ApplicationContainer) -> None:
    await _create(container, 2)
    with pytest.raises(ConnectionError):
        await _relay(container, [], fail=True).relay_once()
    assert await count_rows(container, tables.outbox, tables.outbox.c.dispatched_at.is_(None)) == 2
    sent: list[OutboxMessage] = []
    assert await _relay(container, sent).relay_once() == 2


async def test_concurrent_relays_never_send_a_message_twice(postgres_container: ApplicationContainer) -> None:
    # Many API and worker processes relay at once in production; SQLite mode has one process.
    container = postgres_container
    await _create(container, 40)
    sent: list[OutboxMessage] = []
    relays = [_relay(container, sent, batch_size=5) for _ in range(4)]

    async def drain(relay: OutboxRelay) -> None:
        while await relay.relay_once():
            pass

    await asyncio.gather(*(drain(r) for r in relays))
    counts = collections.Counter(m.message_id for m in sent)
    assert len(counts) == 40
    assert set(counts.values()) == {1}


async def test_run_loop_wakes_on_commit_and_stops_on_request(container: ApplicationContainer) -> None:
    sent: list[OutboxMessage] = []
    relay = _relay(container, sent)
    relay._poll_interval = 30  # only the commit signal can make it send quickly
    container.infrastructure.commit_signal().subscribe(relay.wake)
    stop = asyncio.Event()
    loop = asyncio.create_task(relay.run(stop))
    await asyncio.sleep(0.05)
    await _create(container, 1)
    for _ in range(100):
        if sent:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(loop, 2)
    assert len(sent) == 1


async def test_purge_removes_only_old_dispatched_rows(container: ApplicationContainer) -> None:
    await _create(container, 2)
    relay = _relay(container, [])
    await relay.relay_once()
    assert await relay.purge_dispatched(older_than_seconds=3600) == 0
    assert await relay.purge_dispatched(older_than_seconds=-1) == 2
    assert await count_rows(container, tables.outbox) == 0


async def test_published_events_without_an_aggregate_reach_the_outbox_only_on_commit(
    container: ApplicationContainer,
) -> None:
    import dataclasses

    from core.shared.events import DomainEvent

    @dataclasses.dataclass(frozen=True)
    class Pinged(DomainEvent):
        event_type = "test.pinged"
        note: str

    async with container.infrastructure.uow() as uow:
        uow.publish(Pinged("dropped"))  # never committed
    async with container.infrastructure.uow() as uow:
        uow.publish(Pinged("kept"))
        await uow.commit()
    sent: list[OutboxMessage] = []
    await _relay(container, sent).relay_once()
    assert [(m.event_type, m.payload) for m in sent] == [("test.pinged", {"note": "kept"})]
