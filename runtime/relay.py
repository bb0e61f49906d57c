"""Outbox relay: follows the committed notification log and publishes it (invariants 1, 2, 4).

The log is the outbox: commands never publish. The relay reads committed notifications after its
saved position, maps each domain event to its public contract and sends the batch keyed by
aggregate id. Batches are pipelined: while one waits for its ``acks=all`` acknowledgements, the
relay reads and sends the next ones (up to ``max_in_flight``); a batch is settled only once it and
every one before it are acknowledged. The settled position is saved in the service's own database
when the relay falls idle, before it reports a failure, and otherwise every ``save_seconds`` (as
Debezium flushes its offsets): a crash publishes again from the last saved position, and a failed
send from its failed event. Publishing is at-least-once either way, and consumers record each
position they applied (``runtime.store.APPLIED_TABLE``). A local commit wakes the relay at once; it
polls only as a fallback (for commits made by another process on the same store).
"""

from __future__ import annotations

import asyncio
import logging
import math
from asyncio import FIRST_COMPLETED
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from aiokafka import AIOKafkaProducer
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Notification, Recording, Tracking

from contracts import Envelope, IntegrationEvent
from runtime import clock, metrics
from runtime.aggregate import Aggregate
from runtime.application import ServiceApplication
from runtime.leader import ServiceLock
from runtime.outbound import Outbound
from runtime.retry import Backoff, Wakeup

log = logging.getLogger(__name__)


# Message ids are derived from the stored event, so a republished duplicate keeps its id.
_EVENT_ID_NAMESPACE = uuid5(NAMESPACE_URL, "https://countersign.dev/events")


def envelope_for(
    producer: str,
    notification: Notification,
    event: DomainEventProtocol[UUID],
    contract: IntegrationEvent,
) -> Envelope:
    assert isinstance(event, Aggregate.Event)
    meta = event.meta
    return Envelope(
        event_id=uuid5(
            _EVENT_ID_NAMESPACE, f"{producer}/{event.originator_id}/{event.originator_version}"
        ),
        event_type=contract.event_type,
        schema_version=contract.schema_version,
        occurred_at=event.timestamp,
        producer=producer,
        position=notification.id,
        aggregate_id=event.originator_id,
        aggregate_version=event.originator_version,
        correlation_id=UUID(str(meta["correlation_id"])),
        causation_id=UUID(str(meta["causation_id"])) if meta.get("causation_id") else None,
        actor=meta["actor"] or "unknown",
        payload=contract.model_dump(mode="json"),
    )


class RelayLock(ServiceLock):
    """One active relay per service."""

    def __init__(self, service: str, data_dir: Path, database_url: str) -> None:
        super().__init__(service, "relay", data_dir, database_url)


@dataclass
class Stuck:
    """An event the relay cannot publish yet, and why."""

    position: int
    """Its notification id: everything before it is published."""
    event: str
    error: str
    since: datetime
    attempts: int = 1


class PublishFailed(Exception):
    def __init__(self, notification: Notification, error: BaseException) -> None:
        super().__init__(f"notification {notification.id}: {error!r}")
        self.notification = notification
        self.error = error


@dataclass
class _Flight:
    """A batch sent and not yet settled."""

    notifications: Sequence[Notification]
    sent: list[tuple[Notification, asyncio.Future[Any]]]
    failure: PublishFailed | None
    """A failure while sending (mapping or enqueueing): nothing after it was sent."""
    acknowledged: asyncio.Future[list[Any]]
    """Every acknowledgement (or its error) of ``sent``."""
    oldest: datetime | None
    """When the first event of ``sent`` was committed: the relay's lag in time."""


def _report_oldest_unacknowledged(flights: Sequence[_Flight]) -> None:
    """The commit time of the first event of the oldest batch not wholly acknowledged (0: none):
    its age is the relay's lag in seconds."""
    oldest = next((flight.oldest for flight in flights if flight.oldest is not None), None)
    metrics.RELAY_OLDEST_UNACKNOWLEDGED.set(0 if oldest is None else oldest.timestamp())


class OutboxRelay:
    """Publishes the notification log; one active per service (``RelayLock``).

    When an event cannot be published (the broker is away, or refuses it), everything before it
    is published and saved, and the relay tries again with backoff: each attempt logs one line
    (the traceback only the first time), the metrics show the stuck position and since when, and
    ``GET /relay`` (``countersign relay status``) shows what is stuck and why.
    """

    def __init__(
        self,
        application: ServiceApplication,
        producer: AIOKafkaProducer,
        topic: str,
        to_contract: Outbound,
        lock: RelayLock,
        batch_size: int = 500,
        poll_seconds: float = 0.5,
        max_in_flight: int = 4,
        save_seconds: float = 1.0,
    ) -> None:
        self._app = application
        self._producer = producer
        self._topic = topic
        self._to_contract = to_contract
        self._lock = lock
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._max_in_flight = max_in_flight
        self._save_seconds = save_seconds
        self._tracking_name = f"outbox-relay:{topic}"
        self._wake = Wakeup()
        self.active = False
        """Holds the relay lock: this process publishes the service's events."""
        self.position = 0
        """The last notification published (and every one before it)."""
        self._saved = 0
        """The last position saved; settled batches that published something wait in
        ``_to_save`` until the next save."""
        self._to_save = 0
        self._saved_at = -math.inf
        self.head = 0
        """The newest notification seen in the store."""
        self.stuck: Stuck | None = None
        application.on_commit(self._committed)

    def _committed(self, recordings: list[Recording[Any]]) -> None:
        """A local commit: wake up if it holds an event to publish (an internal-only commit
        waits for the next poll; waking a loop from another thread costs the committing thread
        a syscall and the GIL, on every commit)."""
        self.head = max(self.head, recordings[-1].notification.id)
        if any(self._to_contract.publishes(r.domain_event) for r in recordings):
            self._wake.set_from_thread()

    async def run(self, connected: asyncio.Event | None = None) -> None:
        """Publish for as long as the task runs, once ``connected`` (the producer) is set, while
        this process holds the lock; stand by while another does."""
        if connected is not None:
            await connected.wait()
        with self._lock:
            while True:
                while not await asyncio.to_thread(self._lock.try_acquire):
                    # Standing by: commits need not wake it, only the poll.
                    await asyncio.sleep(self._poll_seconds)
                log.info("relay active for %s", self._topic)
                self.active = True
                try:
                    await self._publish_while_held()
                finally:
                    self.active = False
                    self._save_on_stop()
                log.warning(
                    "relay for %s lost its lock (its database session ended); standing by",
                    self._topic,
                )

    async def _publish_while_held(self) -> None:
        backoff = Backoff(self._poll_seconds)
        self.position = self._saved = await self._app.read(self._saved_position)
        while True:
            try:
                await self._pump(backoff)
                return
            except PublishFailed as failure:
                await self._report_stuck(failure)
                await backoff.sleep()

    def _saved_position(self) -> int:
        return self._app.process_recorder.max_tracking_id(self._tracking_name) or 0

    async def _pump(self, backoff: Backoff) -> None:
        """Send batch after batch from ``position``, settling them in order; raise at the first
        event that could not be published, once everything before it is saved. Return when
        idle and the lock is found lost."""
        flights: deque[_Flight] = deque()
        read_to = self.position
        while True:
            self._wake.clear()
            if len(flights) < self._max_in_flight and not (flights and flights[-1].failure):
                notifications = await self._app.read(
                    self._app.process_recorder.select_notifications, read_to + 1, self._batch_size
                )
                if notifications:
                    flights.append(await self._send(notifications))
                    _report_oldest_unacknowledged(flights)
                    read_to = notifications[-1].id
                    self.head = max(self.head, read_to)
                    if len(notifications) == self._batch_size:
                        continue  # more is waiting: send it before settling
            if not flights:
                self.head = max(self.head, self.position)
                metrics.RELAY_LAG.set(0)
                await self._save(when_due=False)
                if not await asyncio.to_thread(self._lock.try_acquire):
                    return  # lost with its session: another instance's relay may hold it now
                await self._sleep()
                continue
            oldest = flights[0]
            if not oldest.acknowledged.done():
                # Until it is acknowledged, or a commit brings more to send meanwhile.
                woken: asyncio.Future[Any] = asyncio.ensure_future(self._sleep())
                await asyncio.wait([oldest.acknowledged, woken], return_when=FIRST_COMPLETED)
                woken.cancel()
                if not oldest.acknowledged.done():
                    continue
            flights.popleft()
            # A failure raises here and leaves the failed batch's time showing, the lag growing.
            await self._settle(oldest)
            _report_oldest_unacknowledged(flights)
            self._report_flowing(backoff)

    async def _send(self, notifications: Sequence[Notification]) -> _Flight:
        """Enqueue every event of the batch the service publishes; stop at one that cannot be."""
        sent: list[tuple[Notification, asyncio.Future[Any]]] = []
        failure: PublishFailed | None = None
        oldest: datetime | None = None
        for notification in notifications:
            if not self._to_contract.publishes_topic(notification.topic):
                continue
            try:
                event = self._app.mapper.to_domain_event(notification)
                contract = self._to_contract(event)
                if contract is None:
                    continue
                envelope = envelope_for(self._app.service_name, notification, event, contract)
                ack = await self._producer.send(
                    self._topic,
                    value=envelope.model_dump_json().encode(),
                    key=str(event.originator_id).encode(),
                )
            except Exception as error:
                failure = PublishFailed(notification, error)
                break
            sent.append((notification, ack))
            if oldest is None:
                oldest = envelope.occurred_at
        acknowledged = asyncio.gather(*(ack for _, ack in sent), return_exceptions=True)
        return _Flight(notifications, sent, failure, acknowledged, oldest)

    async def _settle(self, flight: _Flight) -> None:
        """Advance the position up to the batch's first failure (all of it without one); at a
        failure, save it and raise the failure."""
        outcomes = flight.acknowledged.result()
        failure = flight.failure
        # Everything before the first failure is published: save up to there.
        published = flight.notifications[-1].id if failure is None else failure.notification.id - 1
        for (notification, _), outcome in zip(flight.sent, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                failure = PublishFailed(notification, outcome)
                published = notification.id - 1
                break
        acked = sum(1 for outcome in outcomes if not isinstance(outcome, BaseException))
        metrics.RELAY_PUBLISHED.inc(acked)
        if published > self.position and acked:
            # A run of internal-only events is not worth a write: after a restart the relay just
            # reads past them again.
            self._to_save = published
        self.position = max(self.position, published)
        metrics.RELAY_LAG.set(self.head - self.position)
        await self._save(when_due=failure is None)
        if failure is not None:
            raise failure

    async def _save(self, *, when_due: bool) -> None:
        """Save the position if anything published is unsaved (only once ``save_seconds`` have
        passed since the last save, ``when_due``)."""
        now = asyncio.get_running_loop().time()
        if self._to_save <= self._saved or (when_due and now - self._saved_at < self._save_seconds):
            return
        await self._save_position(self.position)
        self._saved, self._saved_at = self.position, now

    def _save_on_stop(self) -> None:
        """Stopping: what was published need not be published again after a restart (should
        the save fail, it will be, and the consumers skip it)."""
        if self._to_save <= self._saved:
            return
        try:
            self._app.process_recorder.insert_tracking(Tracking(self._tracking_name, self.position))
        except Exception:
            log.warning("relay could not save position %d on stop", self.position, exc_info=True)

    async def _report_stuck(self, failure: PublishFailed) -> None:
        notification = failure.notification
        head = await self._app.read(self._app.recorder.max_notification_id)
        self.head = max(self.head, head or 0)
        metrics.RELAY_LAG.set(self.head - self.position)
        metrics.RELAY_ERRORS.inc()
        stuck = self.stuck
        if stuck is None or stuck.position != notification.id:
            stuck = self.stuck = Stuck(
                notification.id,
                notification.topic.rpartition(":")[2],
                repr(failure.error),
                clock.now(),
            )
            log.error(
                "relay cannot publish notification %d (%s) to %s",
                notification.id,
                stuck.event,
                self._topic,
                exc_info=failure.error,
            )
        else:
            stuck.attempts += 1
            stuck.error = repr(failure.error)
            log.error(
                "relay still cannot publish notification %d (%s), attempt %d, stuck since %s: %s",
                notification.id,
                stuck.event,
                stuck.attempts,
                stuck.since.isoformat(timespec="seconds"),
                stuck.error,
            )
        metrics.RELAY_STUCK_POSITION.set(notification.id)
        metrics.RELAY_STUCK_SINCE.set(stuck.since.timestamp())

    def _report_flowing(self, backoff: Backoff) -> None:
        if self.stuck is not None:
            log.warning(
                "relay published notification %d after %d attempt(s)",
                self.stuck.position,
                self.stuck.attempts + 1,
            )
            self.stuck = None
            metrics.RELAY_STUCK_POSITION.set(0)
            metrics.RELAY_STUCK_SINCE.set(0)
            backoff.reset()

    async def _save_position(self, position: int) -> None:
        """Only after every message up to ``position`` was acknowledged (invariant 2)."""
        await asyncio.to_thread(
            self._app.process_recorder.insert_tracking, Tracking(self._tracking_name, position)
        )

    async def _sleep(self) -> None:
        await self._wake.wait(self._poll_seconds)
