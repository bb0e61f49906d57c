"""The service's connections to Kafka, made in the background.

A service serves commands as soon as its store opens: nothing in the request path needs the
broker. The producer (the relay's and the dead-letter queue's) and the consumers connect here, in
the background, and keep trying with backoff while the broker is away; ``/ready`` says which are
not connected yet. Once connected, aiokafka itself reconnects after an outage.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError
from faststream.kafka import KafkaBroker
from faststream.kafka.message import KafkaMessage
from faststream.kafka.subscriber.usecase import LogicSubscriber
from faststream.middlewares import AckPolicy

from runtime.retry import Backoff
from runtime.settings import Settings

log = logging.getLogger(__name__)


BatchHandler = Callable[[tuple[ConsumerRecord[bytes, bytes], ...], KafkaMessage], Awaitable[bool]]
"""Handles one batch of records; returns False to have the whole batch come again (quietly)."""


def batch_subscriber(
    broker: KafkaBroker, topic: str, group_id: str, settings: Settings
) -> Callable[[BatchHandler], None]:
    """A consumer group's batch subscriber on ``topic``, from the earliest offset the group has
    not committed: registers a ``BatchHandler``. A batch whose handler raises, or answers False,
    is put back (nacked) and comes again; a handled batch's offsets are committed in the
    background (``OffsetCommits``).

    Give each subscriber its own group (and broker): consumers sharing a group rebalance
    whenever one joins, so a sibling starting would stop one already working through a
    backlog, and joins would follow one another instead of overlapping."""
    subscriber = broker.subscriber(
        topic,
        group_id=group_id,
        batch=True,
        max_records=settings.consumer_max_records,
        batch_timeout_ms=settings.consumer_batch_timeout_ms,
        fetch_max_wait_ms=settings.consumer_fetch_max_wait_ms,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.MANUAL,
        decoder=_the_message,
    )
    commits = OffsetCommits()

    def register(handle: BatchHandler) -> None:
        async def handle_batch(message: KafkaMessage) -> None:
            records: tuple[ConsumerRecord[bytes, bytes], ...] = message.raw_message
            try:
                handled = await handle(records, message)
            except BaseException:
                await message.nack()
                raise
            if not handled:
                await message.nack()
                return
            consumer = getattr(message, "consumer", None)
            if consumer is not None:  # None in FastStream's in-memory test broker
                commits.after(consumer, records)

        subscriber(handle_batch)

    return register


async def _the_message(message: KafkaMessage) -> KafkaMessage:
    """The "decoded" batch its handler gets: the message itself, whose records the handlers
    decode their own way (FastStream's default would parse every record's JSON for nothing)."""
    return message


def new_consuming_broker(settings: Settings) -> KafkaBroker:
    """A broker for ``batch_subscriber`` s. Without FastDepends: a handler takes the message
    as it comes (``_the_message``), nothing to inject or validate per batch."""
    # FastStream logs every batch: routine, so at DEBUG.
    return KafkaBroker(
        settings.kafka_bootstrap, logger=log, log_level=logging.DEBUG, apply_types=False
    )


class OffsetCommits:
    """A consumer's offsets committed in the background, one commit in flight, each partition's
    newest handled offset each time.

    Every handler is idempotent on its own (the inbox's applied positions, the witnesses' keys),
    so a committed offset only spares the group a redelivery after a restart: the next batch
    need not wait a broker round trip for it. A commit that fails (a rebalance, an outage) is
    left to the next one."""

    def __init__(self) -> None:
        self._due: dict[TopicPartition, int] = {}
        self._committing: asyncio.Task[None] | None = None

    def after(
        self, consumer: AIOKafkaConsumer, records: Sequence[ConsumerRecord[bytes, bytes]]
    ) -> None:
        """Commit past ``records``, handled."""
        for record in records:
            partition = TopicPartition(record.topic, record.partition)
            self._due[partition] = max(self._due.get(partition, 0), record.offset + 1)
        if self._committing is None or self._committing.done():
            self._committing = asyncio.create_task(self._commit(consumer))

    async def _commit(self, consumer: AIOKafkaConsumer) -> None:
        while self._due:
            due, self._due = self._due, {}
            try:
                await consumer.commit(dict(due))
            except KafkaError as error:
                log.debug("offsets %s not committed, left to the next commit: %s", due, error)


class ConsumersNotAssigned(Exception):
    """The consumers were not given their partitions in time."""


class KafkaLink:
    def __init__(
        self,
        producer: AIOKafkaProducer,
        new_brokers: Callable[[], list[KafkaBroker]],
        first_delay: float = 0.5,
        start_timeout: float = 90.0,
    ) -> None:
        self.producer = producer
        self._new_brokers = new_brokers
        self._first_delay = first_delay
        self._start_timeout = start_timeout
        self.brokers: list[KafkaBroker] = []
        self.producing = asyncio.Event()
        """Set once the producer is connected: the relay and the dead-letter queue may send."""
        self.consuming = asyncio.Event()
        """Set once the subscribers have started."""

    async def broker_problem(self, timeout: float) -> str | None:
        """Why the broker does not answer the producer now (a metadata request), or None when it
        does. Connected once is not enough: aiokafka keeps trying quietly through an outage."""
        try:
            async with asyncio.timeout(timeout):
                await self.producer.client.fetch_all_metadata()
        except TimeoutError:
            return f"the broker did not answer within {timeout:g}s"
        except Exception as error:
            return f"the broker does not answer: {error}"
        return None

    def stopped_consumers(self) -> list[str]:
        """The topics whose consumer has stopped consuming (its loop ended or failed)."""
        return [
            topic
            for broker in self.brokers
            for subscriber in broker.subscribers
            if isinstance(subscriber, LogicSubscriber)
            and (not subscriber.running or any(task.done() for task in subscriber.tasks))
            for topic in subscriber.topic_names
        ]

    def assigned(self) -> dict[str, list[int]]:
        """The partitions of each topic the consumers hold now: all of them, or this instance's
        share when replicas of the service consume in the same groups."""
        held: dict[str, set[int]] = {}
        for broker in self.brokers:
            for subscriber in broker.subscribers:
                consumer = getattr(subscriber, "consumer", None)
                for partition in consumer.assignment() if consumer is not None else ():
                    held.setdefault(partition.topic, set()).add(partition.partition)
        return {topic: sorted(partitions) for topic, partitions in sorted(held.items())}

    async def connect(self) -> None:
        """Connect the producer, then start the consumers; each retried until it succeeds."""
        await self._until_done("the Kafka producer", self.producer.start)
        self.producing.set()
        await self._until_done("the Kafka consumers", self._start_brokers)
        self.consuming.set()

    async def _start_brokers(self) -> None:
        """Start every broker's subscribers together. A consumer's start waits for its group to
        assign it partitions; should that not happen in time (a join the broker never
        completes), they are all stopped and started afresh rather than waiting for ever."""
        brokers = self._new_brokers()
        try:
            async with asyncio.timeout(self._start_timeout):
                await asyncio.gather(*(broker.start() for broker in brokers))
        except BaseException as error:
            await asyncio.gather(*(broker.stop() for broker in brokers), return_exceptions=True)
            if isinstance(error, TimeoutError):
                raise ConsumersNotAssigned(
                    f"no partitions assigned within {self._start_timeout:g}s"
                ) from error
            raise
        self.brokers = brokers

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
        for broker in self.brokers:
            await broker.stop()
        await self.producer.stop()
