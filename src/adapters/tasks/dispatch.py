"""Sends outbox messages to the task queue by task name (the workers own the task itself)."""

from __future__ import annotations

from taskiq import AsyncBroker
from taskiq.kicker import AsyncKicker

from adapters.persistence.outbox import OutboxMessage
from ports.shared.tasks import EVENT_DISPATCH_TASK


class BrokerDispatch:
    def __init__(self, broker: AsyncBroker) -> None:
        self._kicker: AsyncKicker[..., object] = AsyncKicker(task_name=EVENT_DISPATCH_TASK, broker=broker, labels={})

    async def __call__(self, message: OutboxMessage) -> None:
        await self._kicker.kiq(message.message_id, message.event_type, message.payload)
