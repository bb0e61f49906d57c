"""The service's connections to Kafka, made in the background.

A service serves commands as soon as its store opens: nothing in the request path needs the
broker. The producer (the relay's and the dead-letter queue's) and the consumers connect here, in
the background, and keep trying with backoff while the broker is away; ``/ready`` says which are
not connected yet. Once connected, aiokafka itself reconnects after an outage.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker
from faststream.middlewares import AckPolicy

from runtime.retry import Backoff
from runtime.settings import Settings

log = logging.getLogger(__name__)


def batch_subscriber(broker: KafkaBroker, topic: str, group_id: str, settings: Settings) -> Any:
    """A consumer group's batch subscriber on ``topic``, from the earliest offset the group has
    not committed; a batch whose handler raises is not acknowledged and comes again."""
    return broker.subscriber(
        topic,
        group_id=group_id,
        batch=True,
        max_records=settings.consumer_max_records,
        batch_timeout_ms=settings.consumer_batch_timeout_ms,
        fetch_max_wait_ms=settings.consumer_fetch_max_wait_ms,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )


class KafkaLink:
    def __init__(
        self,
        producer: AIOKafkaProducer,
        new_broker: Callable[[], KafkaBroker],
        first_delay: float = 0.5,
    ) -> None:
        self.producer = producer
        self._new_broker = new_broker
        self._first_delay = first_delay
        self.broker: KafkaBroker | None = None
        self.producing = asyncio.Event()
        """Set once the producer is connected: the relay and the dead-letter queue may send."""
        self.consuming = asyncio.Event()
        """Set once the subscribers have started."""

    def waiting_for(self) -> list[str]:
        """What is not connected yet."""
        return [
            what
            for what, ready in (
                ("kafka producer", self.producing),
                ("kafka consumers", self.consuming),
            )
            if not ready.is_set()
        ]

    async def connect(self) -> None:
        """Connect the producer, then start the consumers; each retried until it succeeds."""
        await self._until_done("the Kafka producer", self.producer.start)
        self.producing.set()
        await self._until_done("the Kafka consumers", self._start_broker)
        self.consuming.set()

    async def _start_broker(self) -> None:
        broker = self._new_broker()
        try:
            await broker.start()
        except BaseException:
            await broker.stop()
            raise
        self.broker = broker

    async def _until_done(self, what: str, attempt: Callable[[], Awaitable[None]]) -> None:
        backoff = Backoff(self._first_delay)
        while True:
            try:
                await attempt()
            except Exception as error:
                delay = backoff.next_delay()
                log.warning("cannot connect %s yet (%s); trying again in %.1fs", what, error, delay)
                await asyncio.sleep(delay)
            else:
                if backoff.attempts:
                    log.info("connected %s after %d attempt(s)", what, backoff.attempts + 1)
                return

    async def close(self) -> None:
        if self.broker is not None:
            await self.broker.stop()
        await self.producer.stop()
