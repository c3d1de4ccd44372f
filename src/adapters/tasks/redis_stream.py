"""Redis Streams broker that also recovers messages a dead worker left unacknowledged."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from typing import Any

from redis.asyncio import Redis
from taskiq import AckableMessage
from taskiq_redis import RedisStreamBroker

log = logging.getLogger("lyceum.tasks")


class ReclaimingRedisStreamBroker(RedisStreamBroker):
    """``RedisStreamBroker`` that claims idle pending messages on every poll.

    The upstream listener only runs XAUTOCLAIM after a read returned new messages, so on a
    quiet stream a message held by a killed worker would wait for unrelated traffic. Here
    each loop first claims entries idle longer than ``idle_timeout`` (ms), then blocks on
    new ones. The idle timeout must exceed the longest task; handlers are idempotent anyway.
    """

    async def listen(self) -> AsyncGenerator[AckableMessage, None]:
        async with Redis(connection_pool=self.connection_pool) as conn:
            while True:
                for stream in [self.queue_name, *self.additional_streams.keys()]:
                    claimed: Any = await conn.xautoclaim(
                        name=stream,
                        groupname=self.consumer_group_name,
                        consumername=self.consumer_name,
                        min_idle_time=self.idle_timeout,
                        count=self.unacknowledged_batch_size,
                    )
                    for msg_id, msg in claimed[1]:
                        if msg is None:  # deleted from the stream meanwhile (trimmed)
                            continue
                        log.info("reclaimed unacknowledged message %s from %s", msg_id, stream)
                        yield AckableMessage(data=msg[b"data"], ack=self._ack_generator(id=msg_id, queue_name=stream))
                fetched: Any = await conn.xreadgroup(
                    self.consumer_group_name,
                    self.consumer_name,
                    {self.queue_name: ">", **self.additional_streams},
                    block=self.block,
                    noack=False,
                    count=self.count,
                )
                for stream, messages in fetched or []:
                    for msg_id, msg in messages:
                        yield AckableMessage(data=msg[b"data"], ack=self._ack_generator(id=msg_id, queue_name=stream))
