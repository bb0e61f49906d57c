"""XC-07 across the running services: a reaction that needs a policy nobody signed yet waits on
the real broker, is neither applied nor dead-lettered, is reported by `countersign status`, and
applies once the general manager signs (ARCHITECTURE.md: no lost event, no wedged pipeline)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from countersign.stack import Stack
from countersign.status_cmd import print_status, service_status
from tests.e2e.api import Api, eventually
from tests.e2e.conftest import running_stack


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    """Its own stack: service-desk starts with no policy in force."""
    root = tmp_path_factory.mktemp("unsigned")
    async with running_stack(root, policies_in=("customers", "orders", "billing")) as running:
        yield running


async def test_xc07_vouchers_wait_for_the_signed_rule_parameters_then_open(
    stack: Stack, api: Api
) -> None:
    customer_id = await api.approved_customer("Waiting Pumps Ltd")
    order_id = await api.order_when_customer_known(customer_id, ["W-1", "W-2"])
    await api.ship_order(order_id)
    await api.customer_signs_delivery(order_id)
    urls = {service: stack.url(service) for service in stack.config.services}

    async def service_desk_waits() -> dict | None:
        found = await asyncio.to_thread(service_status, urls)
        waiting = found["service-desk"]["inbox"]["waiting"]
        return found if waiting else None

    found = await eventually(service_desk_waits, what="service-desk to wait on orders.events")
    [waiting] = found["service-desk"]["inbox"]["waiting"]
    assert (waiting["topic"], waiting["rule"]) == ("orders.events", "XC-07")
    assert (
        waiting["reason"]
        == "no rule-parameters policy is in force yet: the general manager must approve one"
    )
    assert not print_status(found)  # an operator has something to act on
    assert await api.vouchers(customer_id) == []
    dead = await api.metric(
        "service-desk",
        "countersign_dlq_messages_total",
        topic="orders.events",
        reason="policy-error",
    )
    assert dead == 0

    await api.put_policies_in_force("service-desk")

    async def two_vouchers() -> list | None:
        vouchers = await api.vouchers(customer_id)
        return vouchers if len(vouchers) == 2 else None

    vouchers = await eventually(two_vouchers, what="the vouchers once the GM signed")
    assert {v["rule_parameters_version"] for v in vouchers} == {1}

    async def flowing() -> bool:
        found = await asyncio.to_thread(service_status, urls)
        return found["service-desk"]["inbox"]["waiting"] == []

    await eventually(flowing, what="service-desk's consumer to flow again")
