"""The inbox's decisions for one record at a time, against a real store (no broker needed):
apply once, skip redeliveries and republications, dead-letter poison, retry on store failure."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from aiokafka.structs import ConsumerRecord
from eventsourcing.persistence import OperationalError

from contracts import Envelope
from contracts.customers import CustomerApproved, CustomerRegistered
from kernel.settings import KernelSettings
from orders.application import OrdersApplication
from runtime import metrics
from runtime.aggregate import NotYet
from runtime.application import policy
from runtime.inbox import Inbox, Subscription, subscriptions


class RecordingProducer:
    """Stands in for the DLQ producer: keeps what would have been sent."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send_and_wait(self, topic: str, **message: Any) -> None:
        self.sent.append({"topic": topic, **message})


@pytest.fixture
def app(tmp_path: Any) -> Iterator[OrdersApplication]:
    application = OrdersApplication(KernelSettings(data_dir=tmp_path))
    yield application
    application.close()


def record(envelope: Envelope | bytes, partition: int = 0, offset: int = 0) -> ConsumerRecord:
    value = envelope if isinstance(envelope, bytes) else envelope.model_dump_json().encode()
    return ConsumerRecord(
        "customers.events", partition, offset, 0, 0, b"k", value, None, 1, len(value), []
    )


def envelope(event: Any, position: int, schema_version: int | None = None) -> Envelope:
    return Envelope(
        event_id=uuid4(),
        event_type=event.event_type,
        schema_version=schema_version or event.schema_version,
        occurred_at="2026-11-22T00:00:00Z",
        producer="customers",
        position=position,
        aggregate_id=event.customer_id,
        aggregate_version=1,
        correlation_id=uuid4(),
        causation_id=None,
        actor="salesperson",
        payload=event.model_dump(mode="json"),
    )


def customers_events(application: type[OrdersApplication] = OrdersApplication) -> Subscription:
    """Orders' subscription to the customers service's topic."""
    (found,) = [s for s in subscriptions(application) if s.topic == "customers.events"]
    return found


async def test_applies_once_and_skips_redelivered_and_republished(app: OrdersApplication) -> None:
    producer = RecordingProducer()
    inbox = Inbox(app, producer, app.settings)  # type: ignore[arg-type]
    subscription = customers_events()
    customer_id = uuid4()
    registered = envelope(
        CustomerRegistered(customer_id=customer_id, legal_name="A", owner_id="s"), 7
    )

    await inbox.handle(subscription, [record(registered, offset=0)])
    after_first = app.recorder.max_notification_id()
    await inbox.handle(subscription, [record(registered, offset=0)])  # redelivered
    await inbox.handle(subscription, [record(registered, offset=5)])  # republished by the relay
    fresh_inbox = Inbox(app, producer, app.settings)  # type: ignore[arg-type]  # after a restart
    await fresh_inbox.handle(subscription, [record(registered, offset=6)])

    assert app.recorder.max_notification_id() == after_first
    assert app.applied_position("customers.events:0") == 7
    assert producer.sent == []


async def test_a_message_published_again_after_a_later_one_went_through_is_applied_once(
    app: OrdersApplication,
) -> None:
    """The relay's send of position 5 failed while position 6, of the same partition, went
    through; the relay publishes again from 5. Position 5 is applied, 6 is not applied twice, in
    a batch and one at a time alike."""
    producer = RecordingProducer()
    inbox = Inbox(app, producer, app.settings)  # type: ignore[arg-type]
    subscription = customers_events()
    first, second = uuid4(), uuid4()
    fifth = envelope(CustomerRegistered(customer_id=first, legal_name="A", owner_id="s"), 5)
    sixth = envelope(CustomerRegistered(customer_id=second, legal_name="B", owner_id="s"), 6)

    await inbox.handle(subscription, [record(sixth, offset=0)])
    stored = app.recorder.max_notification_id()
    await inbox.handle(subscription, [record(fifth, offset=1), record(sixth, offset=2)])

    assert app.known_customer(first) is not None
    assert app.recorder.max_notification_id() == (stored or 0) + 1
    assert app.has_applied("customers.events:0", 5)
    # After a restart, both are known as applied, though 5 is below the highest position.
    fresh_inbox = Inbox(app, producer, app.settings)  # type: ignore[arg-type]
    await fresh_inbox.handle(subscription, [record(fifth, offset=3), record(sixth, offset=4)])
    assert app.recorder.max_notification_id() == (stored or 0) + 1


async def test_unknown_schema_version_and_undecodable_go_to_the_dlq(app: OrdersApplication) -> None:
    producer = RecordingProducer()
    inbox = Inbox(app, producer, app.settings)  # type: ignore[arg-type]
    subscription = customers_events()
    future = envelope(
        CustomerRegistered(customer_id=uuid4(), legal_name="A", owner_id="s"), 3, schema_version=99
    )

    await inbox.handle(subscription, [record(b"{not json", offset=1)])
    await inbox.handle(subscription, [record(future, offset=2)])

    reasons = [dict(m["headers"])["x-error-reason"] for m in producer.sent]
    assert reasons == [b"undecodable", b"unknown-contract"]
    assert {m["topic"] for m in producer.sent} == {"customers.events.dlq"}
    # The dead letter is the one outcome of position 3: a redelivery is not dead-lettered again.
    await inbox.handle(subscription, [record(future, offset=2)])
    assert len(producer.sent) == 2
    assert app.applied_position("customers.events:0") == 3


async def test_a_payload_outside_its_contract_s_bounds_goes_to_the_dlq(
    app: OrdersApplication,
) -> None:
    """Consumers hold producers to the bounds their contracts promise: a value no producer may
    send is never applied (it could fail far downstream instead)."""
    producer = RecordingProducer()
    inbox = Inbox(app, producer, app.settings)  # type: ignore[arg-type]
    subscription = customers_events()
    registered = CustomerRegistered(customer_id=uuid4(), legal_name="A", owner_id="s")
    too_long = envelope(registered, 1).model_copy(
        update={"payload": {**registered.model_dump(mode="json"), "owner_id": "o" * 100_000}}
    )

    await inbox.handle(subscription, [record(too_long)])

    assert [dict(m["headers"])["x-error-reason"] for m in producer.sent] == [b"invalid-payload"]
    assert app.known_customer(registered.customer_id) is None
    assert app.applied_position("customers.events:0") == 1


class BuggyOrders(OrdersApplication):
    @policy(CustomerRegistered)
    def on_customer_registered(self, event: CustomerRegistered) -> None:
        raise ValueError("policy bug")


class StoreDownOrders(OrdersApplication):
    @policy(CustomerRegistered)
    def on_customer_registered(self, event: CustomerRegistered) -> None:
        raise OperationalError("database is locked")


async def test_a_policy_error_is_dead_lettered_and_the_next_message_still_applies(
    tmp_path: Path,
) -> None:
    app = BuggyOrders(KernelSettings(data_dir=tmp_path))
    producer = RecordingProducer()
    inbox = Inbox(app, producer, app.settings)  # type: ignore[arg-type]
    subscription = customers_events(BuggyOrders)
    customer_id = uuid4()
    registered = CustomerRegistered(customer_id=customer_id, legal_name="A", owner_id="s")
    approved = CustomerApproved(
        customer_id=customer_id, credit_limit=Decimal(9), currency="CNY", approved_by="m"
    )
    # One batch: the poison in the middle is dead-lettered, the record after it still applies.
    await inbox.handle(
        subscription, [record(envelope(registered, 1)), record(envelope(approved, 2), offset=1)]
    )

    assert [dict(m["headers"])["x-error-reason"] for m in producer.sent] == [b"policy-error"]
    assert b"policy bug" in dict(producer.sent[0]["headers"])["x-error"]
    known = app.known_customer(customer_id)
    assert known is not None and known.approved
    app.close()


async def test_a_store_failure_is_raised_so_the_batch_is_fetched_again(tmp_path: Path) -> None:
    app = StoreDownOrders(KernelSettings(data_dir=tmp_path))
    inbox = Inbox(app, RecordingProducer(), app.settings)  # type: ignore[arg-type]
    subscription = customers_events(StoreDownOrders)
    registered = envelope(CustomerRegistered(customer_id=uuid4(), legal_name="A", owner_id="s"), 1)
    with pytest.raises(OperationalError):
        await inbox.handle(subscription, [record(registered)])
    assert app.applied_position("customers.events:0") is None
    app.close()


class UntilSigned(OrdersApplication):
    """Reacts to registrations only once a policy is in force, like vouchers under the rule
    parameters: the refusal lifts without any change to the message."""

    signed = False

    @policy(CustomerRegistered)
    def on_customer_registered(self, event: CustomerRegistered) -> None:
        if not self.signed:
            raise NotYet("XC-07", "no rule-parameters policy is in force yet")
        super().on_customer_registered(event)


async def test_a_reaction_not_possible_yet_waits_and_is_never_dead_lettered(
    tmp_path: Path,
) -> None:
    app = UntilSigned(KernelSettings(data_dir=tmp_path, not_yet_retry_seconds=0.01))
    producer = RecordingProducer()
    inbox = Inbox(app, producer, app.settings)  # type: ignore[arg-type]
    subscription = customers_events(UntilSigned)
    first = CustomerRegistered(customer_id=uuid4(), legal_name="A", owner_id="s")
    second = CustomerRegistered(customer_id=uuid4(), legal_name="B", owner_id="s")
    batch = [record(envelope(first, 1)), record(envelope(second, 2), offset=1)]

    for attempt in (1, 2):  # not acknowledged: the broker delivers the batch again
        with pytest.raises(NotYet):
            await inbox.handle(subscription, batch)
        [waiting] = inbox.waits  # what GET /inbox and `countersign status` show
        assert (waiting.topic, waiting.rule, waiting.attempts) == (
            "customers.events",
            "XC-07",
            attempt,
        )
    assert producer.sent == []
    assert app.applied_position("customers.events:0") is None

    app.signed = True
    await inbox.handle(subscription, batch)  # redelivered once the refusal lifted
    assert app.known_customer(first.customer_id) is not None
    assert app.known_customer(second.customer_id) is not None
    assert producer.sent == []
    assert list(inbox.waits) == []
    app.close()


async def test_a_partition_s_run_commits_once_each_reaction_with_its_own_cause(
    app: OrdersApplication,
) -> None:
    inbox = Inbox(app, RecordingProducer(), app.settings)  # type: ignore[arg-type]
    subscription = customers_events()
    sent = [
        envelope(CustomerRegistered(customer_id=uuid4(), legal_name=f"C{n}", owner_id="s"), n)
        for n in (1, 2, 3, 4)
    ]
    commits: list[int] = []
    app.on_commit(lambda recordings: commits.append(len(recordings)))
    # The relay republished position 2 within the same batch: applied once.
    records = [record(sent[0]), record(sent[1], offset=1), record(sent[1], offset=2)]
    records += [record(sent[2], offset=3), record(sent[3], partition=1)]

    dedupes = metrics.INBOX_DEDUPES.labels("customers.events")
    before = dedupes._value.get()

    await inbox.handle(subscription, records)

    assert dedupes._value.get() == before + 1
    assert commits == [3, 1]  # one transaction per partition's run
    stored = app.recorder.select_notifications(1, 10)
    causes = [app.mapper.to_domain_event(n).meta["causation_id"] for n in stored]
    assert causes == [str(e.event_id) for e in sent]
    assert app.applied_position("customers.events:0") == 3
    assert app.applied_position("customers.events:1") == 4
