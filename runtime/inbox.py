"""Inbox: apply other services' integration events exactly once (invariants 3, 5).

A batch subscriber receives records; a policy runs for each, and the new events of one partition's
run of records are stored with every record's position in one transaction (each event with its own
message's correlation and causation). Should any reaction in the run fail, the run is applied again
one record at a time, so that each failure has its own outcome. The position is the producer's
notification id; the service records each one it applied per upstream topic and partition
(``runtime.store.APPLIED_TABLE``), so a redelivered record (same offset) and a republished one (new
offset, same position) are both recognised and skipped, while one the relay publishes again after
a later one of its partition went through is still applied. Kafka offsets are committed in the
background after the whole batch is processed (``runtime.kafka.OffsetCommits``); an
infrastructure failure nacks the batch so it is fetched again.
Undecodable records, unknown schema versions and policy errors go to ``<topic>.dlq`` with the error.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaProducer, ConsumerRecord, TopicPartition
from eventsourcing.persistence import PersistenceError, RecordConflictError, Tracking
from faststream.kafka import KafkaBroker
from faststream.kafka.message import KafkaMessage
from pydantic import ValidationError

from contracts import (
    Envelope,
    IntegrationEvent,
    UnknownContractError,
    contract_for,
    dlq_topic,
    producer_topics,
)
from runtime import clock, metrics
from runtime.aggregate import NotYet
from runtime.application import ServiceApplication
from runtime.kafka import batch_subscriber
from runtime.settings import Settings
from runtime.unit_of_work import CommandContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Subscription:
    topic: str
    contracts: dict[str, type[IntegrationEvent]]
    """Event type -> the contract a policy reacts to. Other event types on the topic are not
    this service's business."""


def subscriptions(application: type[ServiceApplication]) -> list[Subscription]:
    """One subscription per topic that carries a contract the application has a policy for."""
    by_topic: dict[str, dict[str, type[IntegrationEvent]]] = {}
    for contract in application.policies():
        for topic in producer_topics(contract.producer):
            by_topic.setdefault(topic, {})[contract.event_type] = contract
    return [Subscription(topic, contracts) for topic, contracts in sorted(by_topic.items())]


@dataclass(frozen=True)
class _Poison:
    """A record whose one outcome is the dead-letter topic."""

    record: ConsumerRecord[bytes, bytes]
    reason: str
    error: str
    tracking: Tracking | None = None


@dataclass(frozen=True)
class _Ready:
    """A record to react to: its event, in its message's context, at its position."""

    event: IntegrationEvent
    context: CommandContext
    tracking: Tracking
    topic: str


@dataclass
class Waiting:
    """A topic whose consumer waits: the reaction to its next message is not possible yet."""

    topic: str
    rule: str
    reason: str
    since: datetime
    attempts: int


class Waits:
    """What the service's consumers wait for, kept across reconnections (``GET /inbox``)."""

    def __init__(self) -> None:
        self._by_topic: dict[str, Waiting] = {}

    def record(self, topic: str, refusal: NotYet) -> bool:
        """Count one more attempt; True when ``topic`` starts waiting (for this reason)."""
        found = self._by_topic.get(topic)
        if found is not None and (found.rule, found.reason) == (refusal.rule, refusal.reason):
            found.attempts += 1
            return False
        self._by_topic[topic] = Waiting(topic, refusal.rule, refusal.reason, clock.now(), 1)
        return True

    def clear(self, topic: str) -> None:
        self._by_topic.pop(topic, None)

    def __iter__(self) -> Iterator[Waiting]:
        return iter(list(self._by_topic.values()))


class Inbox:
    def __init__(
        self,
        application: ServiceApplication,
        producer: AIOKafkaProducer,
        settings: Settings,
        waits: Waits | None = None,
    ) -> None:
        self._app = application
        self._producer = producer
        self._settings = settings
        self._positions: dict[str, int] = {}
        self.waits = waits if waits is not None else Waits()

    def subscribe(self, broker: KafkaBroker, subscription: Subscription) -> None:
        group_id = f"{self._app.service_name}.{subscription.topic}"
        subscriber = batch_subscriber(broker, subscription.topic, group_id, self._settings)

        async def handle_batch(
            records: tuple[ConsumerRecord[bytes, bytes], ...], message: KafkaMessage
        ) -> bool:
            try:
                await self.handle(subscription, records)
            except NotYet:
                return False  # put back, no error: the batch comes again and waits
            self._observe_lag(message, records)
            if log.isEnabledFor(logging.DEBUG):
                spans: dict[tuple[str, int], list[int]] = {}
                for record in records:
                    spans.setdefault((record.topic, record.partition), []).append(record.offset)
                for (topic, partition), offsets in spans.items():
                    log.debug(
                        "applied %s partition %d offsets %d..%d (%d records)",
                        topic,
                        partition,
                        offsets[0],
                        offsets[-1],
                        len(offsets),
                    )
            return True

        subscriber(handle_batch)

    async def handle(
        self, subscription: Subscription, records: Sequence[ConsumerRecord[bytes, bytes]]
    ) -> None:
        """Apply the records in order, on the event loop (the store's writer commits); a poison
        record stops the run to be dead-lettered."""
        remaining = list(records)
        while remaining:
            try:
                applied, poison = await self._apply_until_poison(subscription, remaining)
            except NotYet as waiting:
                # What was applied before it is tracked: the redelivered batch skips it.
                first = self.waits.record(subscription.topic, waiting)
                log.log(
                    logging.WARNING if first else logging.DEBUG,
                    "%s waits, trying again every %.0fs: %s",
                    subscription.topic,
                    self._settings.not_yet_retry_seconds,
                    waiting,
                )
                metrics.INBOX_WAITING.labels(subscription.topic, waiting.rule).inc()
                await asyncio.sleep(self._settings.not_yet_retry_seconds)
                raise
            remaining = remaining[applied:]
            if poison is not None:
                await self._dead_letter(poison)
                remaining = remaining[1:]
        self.waits.clear(subscription.topic)

    async def _apply_until_poison(
        self, subscription: Subscription, records: list[ConsumerRecord[bytes, bytes]]
    ) -> tuple[int, _Poison | None]:
        """Each partition's run of records up to the first poison in one transaction; should a
        reaction in a run fail, the run again one record at a time, so that every failure has
        its own outcome (committed runs are skipped as already applied)."""
        runs: dict[str, list[_Ready]] = {}
        taken: set[tuple[str, int]] = set()
        stop, poison = len(records), None
        for index, record in enumerate(records):
            found = self._read(subscription, record, taken)
            if isinstance(found, _Poison):
                stop, poison = index, found
                break
            if found is not None:
                runs.setdefault(found.tracking.application_name, []).append(found)
                taken.add((found.tracking.application_name, found.tracking.notification_id))
        try:
            for run in runs.values():
                await self._apply_run(run)
        except RecordConflictError:
            pass  # another consumer applied some of it: one at a time finds out which
        except PersistenceError:
            raise
        except Exception:  # a refusal, a wait, a failing policy: one at a time, each its own
            pass
        else:
            return stop, poison
        for index, record in enumerate(records[:stop]):
            failed = await self._apply(subscription, record)
            if failed is not None:
                return index, failed
        return stop, poison

    async def _apply_run(self, run: list[_Ready]) -> None:
        await self._app.process_run_async(
            [(ready.event, ready.context, ready.tracking) for ready in run]
        )
        for ready in run:
            self._advance(ready.tracking)
            metrics.INBOX_PROCESSED.labels(ready.topic, ready.event.event_type).inc()

    def _read(
        self,
        subscription: Subscription,
        record: ConsumerRecord[bytes, bytes],
        taken: set[tuple[str, int]] | None = None,
        *,
        count_dedupe: bool = True,
    ) -> _Ready | _Poison | None:
        """What a record asks for: a reaction, a dead letter, or nothing (not this service's
        business, or applied already: recorded as applied, or ``taken`` earlier in its batch)."""
        try:
            envelope = Envelope.model_validate_json(record.value or b"")
        except ValidationError as error:
            return _Poison(record, "undecodable", str(error))
        handled = subscription.contracts.get(envelope.event_type)
        if handled is None:
            return None
        tracking_name = f"{record.topic}:{record.partition}"
        if self._applied(tracking_name, envelope.position, taken or set()):
            if count_dedupe:
                metrics.INBOX_DEDUPES.labels(record.topic).inc()
            return None
        tracking = Tracking(tracking_name, envelope.position)
        try:
            contract = contract_for(envelope.event_type, envelope.schema_version)
            if contract is not handled:
                raise UnknownContractError(
                    f"{envelope.event_type} v{envelope.schema_version}: this service reacts to "
                    f"v{handled.schema_version}"
                )
            event = contract.model_validate(envelope.payload)
        except UnknownContractError as error:
            return _Poison(record, "unknown-contract", str(error), tracking)
        except ValidationError as error:
            # Outside the bounds its contract promises: the producer's bug, never applied.
            return _Poison(record, "invalid-payload", str(error), tracking)
        context = CommandContext(
            actor=f"{self._app.service_name}:policy",
            correlation_id=envelope.correlation_id,
            causation_id=envelope.event_id,
        )
        return _Ready(event, context, tracking, record.topic)

    async def _apply(
        self, subscription: Subscription, record: ConsumerRecord[bytes, bytes]
    ) -> _Poison | None:
        """One record in its own transaction, after its batch's runs failed (their duplicates
        were counted when the batch was read)."""
        found = self._read(subscription, record, count_dedupe=False)
        if not isinstance(found, _Ready):
            return found
        event, context, tracking = found.event, found.context, found.tracking
        tracking_name = tracking.application_name
        try:
            await self._app.process_run_async([(event, context, tracking)])
        except RecordConflictError:
            if self._app.has_applied(tracking_name, tracking.notification_id):
                # Another consumer applied it meanwhile.
                self._advance(tracking)
                metrics.INBOX_DEDUPES.labels(record.topic).inc()
                return None
            raise
        except (PersistenceError, NotYet):
            raise
        except Exception as error:
            log.exception("policy failed for %s at %s", event.event_type, tracking_name)
            return _Poison(record, "policy-error", repr(error), tracking)
        self._advance(tracking)
        metrics.INBOX_PROCESSED.labels(record.topic, event.event_type).inc()
        return None

    def _applied(self, source: str, position: int, taken: set[tuple[str, int]]) -> bool:
        """Whether the record at ``position`` was applied: taken earlier in its batch, or
        recorded. Positions above the highest recorded are new without asking the store."""
        if (source, position) in taken:
            return True
        return position <= self._highest(source) and self._app.has_applied(source, position)

    def _highest(self, source: str) -> int:
        if source not in self._positions:
            self._positions[source] = self._app.applied_position(source) or 0
        return self._positions[source]

    def _advance(self, tracking: Tracking) -> None:
        source = tracking.application_name
        self._positions[source] = max(self._highest(source), tracking.notification_id)

    async def _dead_letter(self, poison: _Poison) -> None:
        record, tracking = poison.record, poison.tracking
        await self._producer.send_and_wait(
            dlq_topic(record.topic),
            value=record.value,
            key=record.key,
            headers=[
                ("x-error-reason", poison.reason.encode()),
                ("x-error", poison.error.encode()[:4000]),
                ("x-original-topic", record.topic.encode()),
                ("x-original-partition", str(record.partition).encode()),
                ("x-original-offset", str(record.offset).encode()),
                ("x-consumer", self._app.service_name.encode()),
            ],
        )
        metrics.DLQ_MESSAGES.labels(record.topic, poison.reason).inc()
        log.warning(
            "dead-lettered %s:%s@%s: %s",
            record.topic,
            record.partition,
            record.offset,
            poison.error,
        )
        if tracking is not None:
            # The dead letter is the message's one outcome: a redelivery must not run it again.
            await self._app.mark_applied(tracking)
            self._advance(tracking)

    @staticmethod
    def _observe_lag(message: Any, records: tuple[ConsumerRecord[bytes, bytes], ...]) -> None:
        consumer = getattr(message, "consumer", None)
        if consumer is None:
            return
        last: dict[TopicPartition, int] = {}
        for record in records:
            last[TopicPartition(record.topic, record.partition)] = record.offset
        for partition, offset in last.items():
            highwater = consumer.highwater(partition)
            if highwater is not None:
                metrics.CONSUMER_LAG.labels(partition.topic, partition.partition).set(
                    max(highwater - offset - 1, 0)
                )
