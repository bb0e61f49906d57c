"""A relay cannot be wedged: an event the broker refuses stops the relay at that event only,
loudly (one log line per attempt, with growing delays; metrics of the stuck position and since
when; GET /relay says what and why), and it flows again once the event can be published."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from aiokafka.errors import KafkaTimeoutError, MessageSizeTooLargeError
from eventsourcing.persistence import Tracking
from fastapi import FastAPI
from fastapi.testclient import TestClient

from contracts import Envelope
from contracts.customers import CustomerRegistered
from countersign.services import SPECS
from customers.adapters.outbound import OUTBOUND
from customers.application import CustomersApplication
from kernel.settings import KernelSettings
from orders.application import OrdersApplication
from runtime import metrics
from runtime.operations import operations
from runtime.relay import OutboxRelay, RelayLock
from runtime.unit_of_work import CommandContext
from tests.conftest import requires_postgres
from tests.e2e.api import eventually

CLERK = CommandContext("salesperson")


class Broker:
    """Stands in for the producer: takes every message but those ``refuse`` picks."""

    def __init__(self) -> None:
        self.taken: list[bytes] = []
        self.refuse: Callable[[bytes], bool] = lambda _: False

    async def send(self, topic: str, value: bytes, key: bytes) -> asyncio.Future[None]:
        acked: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self.refuse(value):
            acked.set_exception(MessageSizeTooLargeError())
        else:
            self.taken.append(value)
            acked.set_result(None)
        return acked


def names(messages: list[bytes]) -> list[str]:
    return [Envelope.model_validate_json(m).payload["legal_name"] for m in messages]


def sample(name: str) -> float:
    value = {
        "position": metrics.RELAY_STUCK_POSITION,
        "lag": metrics.RELAY_LAG,
        "oldest": metrics.RELAY_OLDEST_UNACKNOWLEDGED,
    }[name]
    return float(value._value.get())  # type: ignore[attr-defined]


async def test_an_event_the_broker_refuses_stops_the_relay_there_loudly_until_it_passes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = CustomersApplication(KernelSettings(data_dir=tmp_path))
    before = time.time()
    for name in ("C0", "C1", "C2", "C3", "C4"):
        app.register_customer(CLERK, name, "salesperson")
    broker = Broker()
    broker.refuse = lambda message: b'"legal_name":"C2"' in message
    relay = OutboxRelay(
        app,
        broker,  # type: ignore[arg-type]
        "customers.events",
        OUTBOUND,
        RelayLock("customers", tmp_path, ""),
        poll_seconds=0.05,
    )
    status = FastAPI()
    status.include_router(operations)
    status.state.relay = relay
    caplog.set_level(logging.ERROR, logger="runtime.relay")
    running = asyncio.create_task(relay.run())
    try:
        await eventually(lambda: _now(relay.stuck is not None), what="the relay to get stuck")
        assert names(broker.taken)[:2] == ["C0", "C1"]
        assert relay.position == 2  # C0 and C1 are published and saved
        assert relay.stuck is not None
        assert (relay.stuck.position, relay.stuck.event) == (3, "Customer.Registered")
        assert "MessageSizeTooLarge" in relay.stuck.error
        assert sample("position") == 3
        assert sample("lag") == 3  # C2, C3 and C4 wait: the lag says so
        # In seconds: the failed batch's commit time stays, so its age keeps growing.
        assert before <= sample("oldest") <= time.time()
        shown = TestClient(status).get("/relay").json()
        assert (shown["position"], shown["lag"], shown["stuck"]["position"]) == (2, 3, 3)

        def logged() -> list[logging.LogRecord]:
            return [r for r in caplog.records if "publish notification 3" in r.getMessage()]

        await eventually(lambda: _now(len(logged()) >= 5), what="five attempts at the event")
        attempts = logged()
        # Backoff, not a spin: five attempts wait at least 0.05 + 0.1 + 0.2 + 0.4 s between them.
        assert attempts[4].created - attempts[0].created >= 0.75
        assert attempts[0].exc_info is not None  # the traceback once
        assert all(r.exc_info is None for r in attempts[1:])

        broker.refuse = lambda _: False
        await eventually(lambda: _now(relay.position == 5), what="the relay to flow again")
        assert relay.stuck is None
        assert (sample("position"), sample("lag"), sample("oldest")) == (0, 0, 0)
        # At least once each (what followed C2 in its batch went out with every attempt).
        assert set(names(broker.taken)) == {"C0", "C1", "C2", "C3", "C4"}
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        app.close()


async def _now(value: Any) -> Any:
    return value


async def test_the_relay_decodes_only_the_events_it_publishes(tmp_path: Path) -> None:
    """orders' record of a customer is internal: read past, never decoded, never sent."""
    app = OrdersApplication(KernelSettings(data_dir=tmp_path))
    registered = CustomerRegistered(customer_id=uuid4(), legal_name="ACME", owner_id="s")
    app.process(registered, CLERK, Tracking("customers.events:0", 1))
    decoded: list[str] = []
    decode = app.mapper.to_domain_event

    def counted(stored: Any) -> Any:
        decoded.append(stored.topic)
        return decode(stored)

    app.mapper.to_domain_event = counted  # type: ignore[method-assign]
    broker = Broker()
    relay = OutboxRelay(
        app,
        broker,  # type: ignore[arg-type]
        "orders.events",
        SPECS["orders"].publishing,
        RelayLock("orders", tmp_path, ""),
        poll_seconds=0.05,
    )
    running = asyncio.create_task(relay.run())
    try:
        await eventually(lambda: _now(relay.position == 1), what="the relay to read past it")
        assert (decoded, broker.taken) == ([], [])
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        app.close()


class HeldBroker:
    """Stands in for the producer: takes every message, acknowledges it when the test says."""

    def __init__(self) -> None:
        self.acks: list[tuple[bytes, asyncio.Future[None]]] = []

    async def send(self, topic: str, value: bytes, key: bytes) -> asyncio.Future[None]:
        acked: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.acks.append((value, acked))
        return acked

    def acknowledge(self, *numbers: int) -> None:
        for number in numbers:
            self.acks[number][1].set_result(None)


@contextlib.asynccontextmanager
async def pipelined(
    tmp_path: Path, save_seconds: float = 1.0
) -> AsyncIterator[tuple[CustomersApplication, HeldBroker, OutboxRelay]]:
    """Six customers registered, and a running relay sending them two at a time, up to three
    batches in flight, to a broker that acknowledges only when the test says."""
    app = CustomersApplication(KernelSettings(data_dir=tmp_path))
    for n in range(6):
        app.register_customer(CLERK, f"C{n}", "salesperson")
    broker = HeldBroker()
    relay = OutboxRelay(
        app,
        broker,  # type: ignore[arg-type]
        "customers.events",
        OUTBOUND,
        RelayLock("customers", tmp_path, ""),
        batch_size=2,
        poll_seconds=0.05,
        max_in_flight=3,
        save_seconds=save_seconds,
    )
    running = asyncio.create_task(relay.run())
    try:
        yield app, broker, relay
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        app.close()


def saved_position(app: CustomersApplication) -> int:
    return app.process_recorder.max_tracking_id("outbox-relay:customers.events") or 0


async def test_batches_are_pipelined_and_the_position_saved_only_in_order(
    tmp_path: Path,
) -> None:

    def saved() -> int:
        return saved_position(app)

    async with pipelined(tmp_path) as (app, broker, relay):
        # Three batches are sent before any is acknowledged.
        await eventually(lambda: _now(len(broker.acks) == 6), what="three batches in flight")
        assert names([value for value, _ in broker.acks]) == [f"C{n}" for n in range(6)]
        broker.acknowledge(2, 3, 4, 5)  # the second and third batches: they wait for the first
        assert (relay.position, saved()) == (0, 0)
        broker.acknowledge(0, 1)
        await eventually(lambda: _now(relay.position == 6), what="all three settled in order")
        await eventually(lambda: _now(saved() == 6), what="the position saved once idle")
        app.register_customer(CLERK, "C6", "salesperson")  # a commit wakes the relay
        await eventually(lambda: _now(len(broker.acks) == 7), what="the next batch")


async def test_a_failed_batch_in_the_pipeline_is_published_again_from_its_failed_event(
    tmp_path: Path,
) -> None:
    """The second of three batches in flight fails while the third went through: the first is
    saved, and the relay publishes again from the failed event (the third's events twice: the
    consumers record each position they applied)."""
    async with pipelined(tmp_path) as (_, broker, relay):
        await eventually(lambda: _now(len(broker.acks) == 6), what="three batches in flight")
        broker.acks[2][1].set_exception(KafkaTimeoutError())
        broker.acknowledge(0, 1, 3, 4, 5)
        await eventually(lambda: _now(relay.stuck is not None), what="the failure reported")
        assert relay.stuck is not None and relay.stuck.position == 3
        assert relay.position == 2
        await eventually(lambda: _now(len(broker.acks) >= 10), what="C2 to C5 sent again")
        assert names([value for value, _ in broker.acks[6:10]]) == ["C2", "C3", "C4", "C5"]
        broker.acknowledge(6, 7, 8, 9)
        await eventually(lambda: _now(relay.position == 6), what="the relay to flow again")
        assert relay.stuck is None


async def test_while_busy_the_position_is_saved_once_per_save_interval_and_on_stop(
    tmp_path: Path,
) -> None:
    """Saving after every batch would cost a write per batch; a crash between saves only
    publishes the unsaved events again, and the consumers skip what they applied."""
    async with pipelined(tmp_path, save_seconds=3600) as (app, broker, relay):
        await eventually(lambda: _now(len(broker.acks) == 6), what="three batches in flight")
        broker.acknowledge(0, 1)
        await eventually(lambda: _now(saved_position(app) == 2), what="the first save")
        broker.acknowledge(2, 3)
        await eventually(lambda: _now(relay.position == 4), what="the second batch settled")
        assert saved_position(app) == 2  # busy (the third batch in flight) and not due
    reopened = CustomersApplication(KernelSettings(data_dir=tmp_path))
    try:
        assert saved_position(reopened) == 4  # saved on stop
    finally:
        reopened.close()


@requires_postgres
async def test_a_relay_whose_lock_session_ended_stands_by_while_another_instance_publishes(
    tmp_path: Path, postgres_url: str
) -> None:
    """Replicas (#15 item 5): the database ended the session holding the relay lock (it restarted,
    or the connection dropped), so another instance's relay took the lock; the first finds out
    when it next falls idle and stands by instead of publishing beside it."""
    app = CustomersApplication(KernelSettings(data_dir=tmp_path, database_url=postgres_url))
    brokers = {"first": Broker(), "second": Broker()}
    relays = {
        name: OutboxRelay(
            app,
            broker,  # type: ignore[arg-type]
            "customers.events",
            OUTBOUND,
            RelayLock("customers", tmp_path, postgres_url),
            poll_seconds=0.05,
        )
        for name, broker in brokers.items()
    }
    first, second = relays.values()
    running = [asyncio.create_task(relays["first"].run())]
    try:
        await eventually(lambda: _now(first.active), what="the first relay to publish")
        running.append(asyncio.create_task(second.run()))
        app.register_customer(CLERK, "Before", "salesperson")
        await eventually(lambda: _now(names(brokers["first"].taken) == ["Before"]), what="it")
        assert not second.active
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                "AND granted AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        await eventually(lambda: _now(second.active), what="the second relay to take over")
        await eventually(lambda: _now(not first.active), what="the first to stand by")
        app.register_customer(CLERK, "After", "salesperson")
        await eventually(lambda: _now("After" in names(brokers["second"].taken)), what="After")
        assert "After" not in names(brokers["first"].taken)
    finally:
        for task in running:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        app.close()
