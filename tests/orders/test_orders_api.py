"""The orders API on a real store: orders placed for a customer orders has heard of, the list
from the ``orders`` read table, filtered and paged."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import Tracking

from contracts.customers import CustomerApproved, CustomerRegistered
from kernel.settings import KernelSettings
from orders.bootstrap import SPEC
from runtime.unit_of_work import CommandContext
from tests.orders.order_flow import TERMS, OrderFlow
from tests.service_client import ServiceClient, service_client
from tests.signers import Signers

POLICY = CommandContext("orders:policy")


@pytest.fixture
def client(store_settings: KernelSettings) -> Iterator[ServiceClient]:
    with service_client(SPEC, store_settings) as client:
        Signers(store_settings.keys_path).put_policies_in_force(client.app)
        yield client


@pytest.fixture
def flow(client: ServiceClient, store_settings: KernelSettings) -> OrderFlow:
    return OrderFlow(client, Signers(store_settings.keys_path))


def approved_customer(client: ServiceClient, position: int) -> UUID:
    customer_id = uuid4()
    registered = CustomerRegistered(customer_id=customer_id, legal_name="ACME", owner_id="s")
    approved = CustomerApproved(
        customer_id=customer_id, credit_limit=Decimal(900), currency="CNY", approved_by="m"
    )
    client.app.process(registered, POLICY, Tracking("customers.events:0", position))
    client.app.process(approved, POLICY, Tracking("customers.events:0", position + 1))
    return customer_id


def place(client: ServiceClient, customer_id: UUID, quantity: int) -> dict[str, object]:
    line = {
        "product_code": "P-1",
        "description": "pump",
        "quantity": quantity,
        "unit_price": "2.50",
    }
    body = {"customer_id": str(customer_id), "lines": [line], "contract_id": str(uuid4())} | TERMS
    placed: dict[str, object] = client.ok("POST", "/orders", "salesperson", body)
    return placed


def test_the_order_list_pages_and_filters(client: ServiceClient, flow: OrderFlow) -> None:
    first, second = approved_customer(client, 1), approved_customer(client, 3)
    orders = [place(client, first, n) for n in (1, 2, 3)] + [place(client, second, 4)]
    assert orders[0]["lines"] == [
        {
            "product_code": "P-1",
            "description": "pump",
            "quantity": 1,
            "unit_price": "2.50",
            "serial_numbers": [],
        }
    ]
    shipped_id = str(orders[1]["order_id"])
    flow.approved(shipped_id)
    flow.billing_reserves(shipped_id)
    client.ok("POST", f"/orders/{shipped_id}/outbound", "sales-clerk")
    shipped = client.ok("POST", f"/orders/{shipped_id}/ship", "warehouse")
    assert shipped["status"] == "shipped"

    page = client.page(f"/orders?customer_id={first}&limit=2", "sales-manager")
    assert page["total"] == 3
    assert [o["order_id"] for o in page["items"]] == [o["order_id"] for o in orders[:2]]
    assert [o["total"] for o in page["items"]] == ["2.50", "5.00"]
    assert page["items"][1]["status"] == "shipped"
    assert "lines" not in page["items"][0]  # the list shows summaries; an order shows its lines

    by_total = client.page("/orders?sort=-total", "finance")
    assert [o["total"] for o in by_total["items"]] == ["10.00", "7.50", "5.00", "2.50"]
    assert client.page("/orders?status=shipped", "finance")["total"] == 1


def test_an_unknown_order_is_not_found(client: ServiceClient) -> None:
    response = client.call("GET", f"/orders/{uuid4()}", "finance")
    assert (response.status_code, response.json()["rule"]) == (404, "NOT-FOUND")


def test_an_order_too_large_to_publish_is_refused_before_it_is_stored(
    client: ServiceClient,
) -> None:
    """A serial number of 1.2 million characters once made an event no broker takes, and the
    relay retried it forever: every field is bounded, and an event that would still be too large
    to publish is refused before commit."""
    customer_id = approved_customer(client, 1)
    before = client.app.recorder.max_notification_id()

    def order(serials: list[str]) -> Any:
        line = {
            "product_code": "P",
            "quantity": len(serials),
            "unit_price": "1",
            "serial_numbers": serials,
        }
        body = {"customer_id": str(customer_id), "lines": [line], "contract_id": str(uuid4())}
        return client.call("POST", "/orders", "salesperson", body)

    huge = order(["S" * 1_200_000])
    assert (huge.status_code, huge.json()["rule"]) == (413, "INPUT")
    long = order(["S" * 65])
    assert (long.status_code, long.json()["rule"]) == (422, "INPUT")

    # Within every bound, yet as an event larger than what can be published.
    serials = [f"{n:060d}" for n in range(60)]
    line = {"product_code": "P", "quantity": 60, "unit_price": "1", "serial_numbers": serials}
    body = {"customer_id": str(customer_id), "lines": [line] * 200, "contract_id": str(uuid4())}
    too_large = client.call("POST", "/orders", "salesperson", body)
    assert (too_large.status_code, too_large.json()["rule"]) == (422, "INPUT"), too_large.text
    assert too_large.json()["details"]["bytes"] > too_large.json()["details"]["limit"]
    assert client.app.recorder.max_notification_id() == before
