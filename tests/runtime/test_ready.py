"""/ready, the readiness check compose and `countersign up` wait on: the store, the broker, the
relay and the consumers; /health stays the liveness check."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest
from faststream.kafka import KafkaBroker

from countersign.stack import FileSink, Stack, StackConfig
from runtime.kafka import KafkaLink
from runtime.operations import readiness_checks
from tests.e2e.api import eventually

CHECKS = {"store", "kafka producer", "relay", "kafka consumers"}


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    root = tmp_path_factory.mktemp("ready")
    sink = FileSink(root / "logs")
    try:
        async with Stack(StackConfig.on_free_ports(root / "data", ("customers",)), sink) as up:
            yield up
    finally:
        sink.close()


async def test_ready_once_the_store_broker_relay_and_consumers_are(stack: Stack) -> None:
    async with httpx.AsyncClient() as http:
        ready = await http.get(f"{stack.url('customers')}/ready")
    assert ready.status_code == 200
    assert ready.json() == {
        "ready": True,
        "waiting_for": [],
        "checks": dict.fromkeys(CHECKS, "ok"),
    }


async def test_not_ready_while_the_broker_does_not_answer_yet_alive(stack: Stack) -> None:
    url = stack.url("customers")
    async with httpx.AsyncClient(timeout=10) as http:

        async def status() -> int:
            return (await http.get(f"{url}/ready")).status_code

        stack.pause_broker()
        try:
            await eventually(lambda: _is(status(), 503), timeout=60, what="/ready to answer 503")
            answer = (await http.get(f"{url}/ready")).json()
            assert answer["waiting_for"] == ["kafka producer"]
            assert "the broker did not answer" in answer["checks"]["kafka producer"]
            assert (await http.get(f"{url}/health")).status_code == 200
        finally:
            stack.resume_broker()
        await eventually(lambda: _is(status(), 200), timeout=60, what="/ready to answer 200 again")


async def _is(status: Awaitable[int], expected: int) -> bool:
    return await status == expected


class _Client:
    async def fetch_all_metadata(self) -> None:
        pass


class _Producer:
    client = _Client()


async def test_not_ready_naming_a_stopped_relay_and_a_consumer_that_stopped() -> None:
    async def relay() -> None:
        raise RuntimeError("the outbox table is gone")

    relay_task = asyncio.create_task(relay())
    await asyncio.wait({relay_task})
    broker = KafkaBroker("127.0.0.1:1")
    broker.subscriber("customers.events", group_id="orders")  # never started, so not consuming
    link = KafkaLink(cast(Any, _Producer()), lambda: [broker])
    link.brokers = [broker]
    link.producing.set()
    link.consuming.set()

    checks = await readiness_checks(
        SimpleNamespace(application=None, kafka=link, relay_task=relay_task)
    )

    assert checks == {
        "store": "not open",
        "kafka producer": "ok",
        "relay": "stopped: RuntimeError('the outbox table is gone')",
        "kafka consumers": "stopped consuming customers.events",
    }
