"""A broker outage: services restarted while the broker is down serve commands at once and
catch up once it returns (ARCHITECTURE.md §3, invariants 1 and 2)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from countersign.stack import Stack
from tests.e2e.api import Api, eventually
from tests.e2e.conftest import running_stack


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    """Its own stack: the test restarts the broker, which keeps nothing (Tansu in memory)."""
    async with running_stack(tmp_path_factory.mktemp("outage")) as running:
        yield running


async def test_a_service_restarted_without_the_broker_serves_at_once_and_catches_up(
    stack: Stack, api: Api
) -> None:
    async def restart(service: str) -> float:
        """Seconds from a crash to the restarted service answering HTTP."""
        await stack.kill(service)
        started = time.monotonic()
        await stack.start(service, until="/health")
        return time.monotonic() - started

    # Python's start and imports alone take seconds on two busy cores: measured here, with the
    # broker up, as the baseline for the same restart without it.
    with_broker = await restart("customers")
    await stack.stop_broker()
    for service in ("customers", "orders"):
        # Waiting on the broker would add aiokafka's bootstrap retries, tens of seconds.
        took = await restart(service)
        assert took < 2 * with_broker + 1.0, f"{service}: {took:.1f} s, {with_broker:.1f} s with"
        not_yet = await api.http.get(f"{stack.url(service)}/ready")
        assert not_yet.status_code == 503
        assert "kafka producer" in not_yet.json()["waiting_for"]

    # Commands need no broker: the customer is registered and approved meanwhile.
    customer_id = await api.approved_customer("Outage Ltd")

    await stack.start_broker()
    await stack.create_topics()

    async def ready(service: str) -> bool:
        return (await api.http.get(f"{stack.url(service)}/ready")).status_code == 200

    for service in stack.config.services:
        await eventually(lambda s=service: ready(s), timeout=60, what=f"{service} to reconnect")
    # The customer's events reach orders once the relay and the consumers are back.
    await api.order_when_customer_known(customer_id, ["SN-O1"])
