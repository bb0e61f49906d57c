"""#15 item 5, scale-out: two instances of each service on one PostgreSQL database and the same
topics (more partitions than instances). Business flows run through both instances' HTTP ports
while their consumer groups share the partitions; every flow completes once; killing one
instance of each service moves its partitions and its relay to the other."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Mapping
from itertools import chain

import httpx
import pytest

from contracts.topics import CHECKPOINTS_TOPIC, SERVICES
from countersign.flows import Delivered, FlowClient, order_to_cash, service_call
from countersign.services import SPECS
from countersign.stack import Stack
from runtime.inbox import subscriptions
from tests.conftest import requires_postgres
from tests.e2e.api import Api, eventually
from tests.e2e.conftest import running_stack
from tests.e2e.test_skeleton import audited

pytestmark = requires_postgres

REPLICAS = 2
PARTITIONS = 4
"""More partitions than instances: each instance is assigned some of every topic."""


@pytest.fixture(scope="module")
async def stack(
    tmp_path_factory: pytest.TempPathFactory, module_postgres_url: str
) -> AsyncIterator[Stack]:
    root = tmp_path_factory.mktemp("scale-out")
    async with running_stack(
        root,
        database_url=module_postgres_url,
        partitions=PARTITIONS,
        replicas=dict.fromkeys(SERVICES, REPLICAS),
        # Eight instances on one server shared with other tests: small pools.
        extra_env={"COUNTERSIGN_DATABASE_POOL_SIZE": "2"},
    ) as running:
        yield running


async def _partitions(stack: Stack, service: str) -> dict[str, dict[str, set[int]]]:
    """Each topic ``service`` consumes: the partitions each running instance holds (GET /inbox)."""
    held: dict[str, dict[str, set[int]]] = {}
    async with httpx.AsyncClient(timeout=5.0) as http:
        for instance in filter(stack.running, stack.config.instances(service)):
            inbox = (await http.get(f"{stack.url(instance)}/inbox")).json()
            for topic, partitions in inbox["partitions"].items():
                held.setdefault(topic, {})[instance] = set(partitions)
    return held


async def _shared_by(stack: Stack, instances: Mapping[str, list[str]]) -> None:
    """Wait until, for every topic each service consumes, exactly ``instances[service]`` hold
    its partitions: each some, none the same, all of them together."""

    async def settled() -> bool:
        for service, expected in instances.items():
            held = await _partitions(stack, service)
            if set(held) != set(consumed[service]):
                return False
            for by_instance in held.values():
                if sorted(by_instance) != sorted(expected) or not all(by_instance.values()):
                    return False
                if sum(map(len, by_instance.values())) != PARTITIONS:
                    return False  # a partition held twice: a rebalance under way
                if set().union(*by_instance.values()) != set(range(PARTITIONS)):
                    return False
        return True

    consumed = {
        s: [*{t.topic for t in subscriptions(SPECS[s].application)}, CHECKPOINTS_TOPIC]
        for s in SERVICES
    }
    await eventually(settled, timeout=90, what=f"the partitions shared by {instances}")


def _flows(stack: Stack, urls: Mapping[str, str], count: int) -> list[tuple[Delivered, str]]:
    """``count`` order-to-cash flows, and a service call on each, through ``urls``."""
    client = FlowClient(urls, stack.config.data_dir / "keys", timeout=90.0)
    try:
        done = []
        for _ in range(count):
            delivered = order_to_cash(client)
            done.append((delivered, service_call(client, delivered)))
        return done
    finally:
        client.close()


async def _run_flows(
    stack: Stack, through: list[Mapping[str, str]], each: int
) -> list[tuple[Delivered, str]]:
    """Flows in parallel, ``each`` after one another through each set of URLs."""
    runs = await asyncio.gather(*(asyncio.to_thread(_flows, stack, urls, each) for urls in through))
    return list(chain.from_iterable(runs))


async def _each_effect_once(
    api: Api, instance: Mapping[str, str], flows: list[tuple[Delivered, str]]
) -> None:
    """From the services' own queries (through ``instance``'s of each): one order per customer,
    one invoice request and one invoice per shipped order, one voucher per delivered serial
    number, the service call once. A list may lag its commit a moment (its projection); a
    second effect never goes away, so it fails at once."""

    async def items(service: str, path: str, user: str, key: str) -> list[str]:
        found = [i[key] for i in await api.every_item(instance[service], path, user)]
        return sorted(found)

    async def every_effect_once() -> bool:
        orders = await api.every_item(instance["orders"], "/orders", "finance")
        settled = True
        for delivered, call_id in flows:
            customer, order = delivered.customer_id, delivered.order_id
            expected = {
                "orders": [order],
                "invoice requests": [order],
                "invoices": [delivered.invoice_id],
                "vouchers": sorted(delivered.serial_numbers),
                "service calls": [call_id],
            }
            found = {
                "orders": [o["order_id"] for o in orders if o["customer_id"] == customer],
                "invoice requests": await items(
                    "billing", f"/invoice-requests?order_id={order}", "finance", "order_id"
                ),
                "invoices": await items(
                    "billing", f"/invoices?customer_id={customer}", "finance", "invoice_id"
                ),
                "vouchers": await items(
                    "service-desk",
                    f"/vouchers?customer_id={customer}",
                    "service-clerk",
                    "serial_number",
                ),
                "service calls": await items(
                    "service-desk",
                    f"/service-calls?customer_id={customer}",
                    "service-clerk",
                    "call_id",
                ),
            }
            for what, ids in found.items():
                assert len(ids) <= len(expected[what]), (what, ids, delivered)
                assert set(ids) <= set(expected[what]), (what, ids, delivered)
                settled = settled and ids == expected[what]
        return settled

    await eventually(every_effect_once, timeout=30, what="every flow's effects in the lists")


async def _relay_holder(stack: Stack, service: str) -> str:
    """The instance of ``service`` whose relay publishes (holds the relay lock)."""

    async def holder() -> str | None:
        async with httpx.AsyncClient(timeout=5.0) as http:
            for instance in filter(stack.running, stack.config.instances(service)):
                if (await http.get(f"{stack.url(instance)}/relay")).json()["active"]:
                    return instance
        return None

    return await eventually(holder, timeout=30, what=f"a relay of {service} to publish")


async def test_replicas_share_the_partitions_and_each_flow_completes_once(
    stack: Stack, api: Api
) -> None:
    first = {s: stack.url(s) for s in SERVICES}
    second = {s: stack.url(f"{s}.2") for s in SERVICES}
    # Each flow crosses instances: its orders and billing answer on different ones.
    crossed = [
        {**first, "billing": second["billing"], "service-desk": second["service-desk"]},
        {**second, "billing": first["billing"], "service-desk": first["service-desk"]},
    ]

    await _shared_by(stack, {s: stack.config.instances(s) for s in SERVICES})
    flows = await _run_flows(stack, crossed, each=2)

    assert len(flows) == 4
    await _each_effect_once(api, {s: s for s in SERVICES}, flows)
    await _each_effect_once(api, {s: f"{s}.2" for s in SERVICES}, flows)


async def test_killing_one_instance_of_each_moves_its_partitions_and_relay_to_the_other(
    stack: Stack, api: Api
) -> None:
    killed = {s: await _relay_holder(stack, s) for s in SERVICES}
    survivors = {s: next(i for i in stack.config.instances(s) if i != killed[s]) for s in SERVICES}
    for instance in killed.values():
        assert await stack.kill(instance, signal.SIGKILL) == -signal.SIGKILL

    await _shared_by(stack, {s: [i] for s, i in survivors.items()})
    flows = await _run_flows(stack, [{s: stack.url(i) for s, i in survivors.items()}], each=2)

    assert {s: await _relay_holder(stack, s) for s in SERVICES} == survivors
    await _each_effect_once(api, survivors, flows)
    # The stores' chains hold together with two writers, and every head is witnessed.
    found = await eventually(
        lambda: asyncio.to_thread(_all_witnessed, stack),
        timeout=60,
        what="every store verified and witnessed",
    )
    assert set(found) == set(SERVICES)


def _all_witnessed(stack: Stack) -> dict[str, tuple[list[str], int]] | None:
    found = audited(stack)
    assert all(not failures for failures, _ in found.values()), found
    return found if all(unseen == 0 for _, unseen in found.values()) else None
