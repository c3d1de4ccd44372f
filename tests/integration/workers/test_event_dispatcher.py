from __future__ import annotations

import collections
from collections.abc import Mapping
from typing import Any

from adapters.persistence import tables
from entrypoints.bootstrap.containers import ApplicationContainer
from entrypoints.workers.dispatcher import EventDispatcher
from entrypoints.workers.subscriptions import SUBSCRIPTIONS, Subscription, handlers_for
from tests.conftest import count_rows


def _dispatcher(container: ApplicationContainer, *subscriptions: Subscription, attempts: int = 3) -> EventDispatcher:
    return EventDispatcher(
        container,
        container.infrastructure.inbox(),
        max_attempts=attempts,
        retry_base_seconds=0.001,
        subscriptions=subscriptions,
    )


async def test_redelivered_message_runs_each_handler_once(container: ApplicationContainer) -> None:
    calls: collections.Counter[str] = collections.Counter()

    async def handler(_c: ApplicationContainer, payload: Mapping[str, Any]) -> None:
        calls[payload["n"]] += 1

    dispatch = _dispatcher(container, Subscription("test.count", ("test.happened",), handler))
    for _ in range(3):
        await dispatch("msg-1", "test.happened", {"n": "a"})
    await dispatch("msg-2", "test.happened", {"n": "b"})
    assert calls == {"a": 1, "b": 1}


async def test_transient_failures_are_retried_until_success(container: ApplicationContainer) -> None:
    attempts = 0

    async def flaky(_c: ApplicationContainer, _p: Mapping[str, Any]) -> None:
        nonlocal attempts
        attempts += 1
        if attempts < 3:
            raise ConnectionError("try again")

    await _dispatcher(container, Subscription("test.flaky", ("e",), flaky), attempts=5)("m", "e", {})
    assert attempts == 3
    assert await count_rows(container, tables.dead_letters) == 0


async def test_a_handler_that_keeps_failing_is_dead_lettered_once(container: ApplicationContainer) -> None:
    attempts = 0

    async def broken(_c: ApplicationContainer, _p: Mapping[str, Any]) -> None:
        nonlocal attempts
        attempts += 1
        raise ValueError("bad payload")

    dispatch = _dispatcher(container, Subscription("test.broken", ("e",), broken), attempts=3)
    await dispatch("m-9", "e", {"x": 1})
    await dispatch("m-9", "e", {"x": 1})  # redelivery after the dead letter runs nothing
    assert attempts == 3
    letters = await container.infrastructure.inbox().list_dead_letters()
    assert len(letters) == 1
    assert letters[0]["handler"] == "test.broken" and letters[0]["attempts"] == 3
    assert letters[0]["error"] == "ValueError: bad payload" and letters[0]["payload"] == {"x": 1}


async def test_one_failing_handler_does_not_rerun_its_siblings(container: ApplicationContainer) -> None:
    ran: list[str] = []

    async def ok(_c: ApplicationContainer, _p: Mapping[str, Any]) -> None:
        ran.append("ok")

    async def crash(_c: ApplicationContainer, _p: Mapping[str, Any]) -> None:
        raise RuntimeError("boom")

    dispatch = _dispatcher(
        container, Subscription("a.ok", ("e",), ok), Subscription("b.crash", ("e",), crash), attempts=1
    )
    await dispatch("m", "e", {})
    await dispatch("m", "e", {})
    assert ran == ["ok"]


def test_category_changes_refresh_the_cached_tree() -> None:
    for event_type in (
        "catalog.category_created",
        "catalog.category_renamed",
        "catalog.category_moved",
        "catalog.category_deleted",
    ):
        assert [s.name for s in handlers_for(event_type, SUBSCRIPTIONS)] == ["catalog.refresh_category_tree"]


async def test_a_refused_task_is_dead_lettered_without_retrying(container: ApplicationContainer) -> None:
    from core.shared.errors import InvalidInput

    attempts = 0

    async def refuses(_c: ApplicationContainer, _p: Mapping[str, Any]) -> None:
        nonlocal attempts
        attempts += 1
        raise InvalidInput("mail.rejected", "the provider refused the message")

    await _dispatcher(container, Subscription("test.refuses", ("e",), refuses), attempts=5)("m", "e", {})
    assert attempts == 1
    assert len(await container.infrastructure.inbox().list_dead_letters()) == 1
