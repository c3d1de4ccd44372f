"""Task broker by configuration: in-process when no Redis URL is set, Redis Streams otherwise."""

from __future__ import annotations

from taskiq import AsyncBroker, InMemoryBroker

from adapters.tasks.redis_stream import ReclaimingRedisStreamBroker


def make_broker(
    redis_url: str | None,
    *,
    queue: str = "lyceum:tasks",
    visibility_timeout_seconds: float = 300.0,
    max_concurrent: int = 20,
    stream_maxlen: int = 100_000,
) -> AsyncBroker:
    if redis_url is None:
        # Bounded concurrency; the outbox batch bounds how many kicks are in flight.
        return InMemoryBroker(max_async_tasks=max_concurrent)
    return ReclaimingRedisStreamBroker(
        url=redis_url,
        queue_name=queue,
        consumer_group_name="lyceum-workers",
        idle_timeout=int(visibility_timeout_seconds * 1000),
        # A trimmed stream keeps Redis memory bounded; pending entries are never trimmed
        # before they are consumed because consumers read far faster than 100k behind.
        maxlen=stream_maxlen,
        xread_block=1000,
    )


def is_in_process(broker: AsyncBroker) -> bool:
    return isinstance(broker, InMemoryBroker)
