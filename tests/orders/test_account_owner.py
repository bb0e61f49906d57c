"""Orders learns each customer's account owner from customers and its open orders follow the
account to a new owner (CU-15, CU-22), through the policies and the API on a real store."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import Tracking

from contracts.customers import AccountOwnerChanged, CustomerApproved, CustomerRegistered
from kernel.settings import KernelSettings
from orders.bootstrap import SPEC
from runtime.unit_of_work import CommandContext
from tests.orders.order_flow import TERMS
from tests.service_client import ServiceClient, service_client
from tests.signers import Signers

POLICY = CommandContext("orders:policy")


@pytest.fixture
def client(store_settings: KernelSettings) -> Iterator[ServiceClient]:
    with service_client(SPEC, store_settings) as client:
        Signers(store_settings.keys_path).put_policies_in_force(client.app)
        yield client


def body(customer_id: UUID, line: dict[str, Any]) -> dict[str, Any]:
    lines = [{"description": "pump"} | line]
    return {"customer_id": str(customer_id), "lines": lines, "contract_id": str(uuid4())} | TERMS


def test_cu_22_open_orders_pass_to_the_customer_s_new_owner(client: ServiceClient) -> None:
    customer_id, other_id, handover_id = uuid4(), uuid4(), uuid4()
    events = [
        CustomerRegistered(customer_id=customer_id, legal_name="ACME", owner_id="s-1"),
        CustomerApproved(
            customer_id=customer_id, credit_limit=Decimal(900), currency="CNY", approved_by="m"
        ),
        CustomerRegistered(customer_id=other_id, legal_name="Bravo", owner_id="s-1"),
        CustomerApproved(
            customer_id=other_id, credit_limit=Decimal(900), currency="CNY", approved_by="m"
        ),
    ]
    for position, event in enumerate(events, start=1):
        client.app.process(event, POLICY, Tracking("customers.events:0", position))

    line = {"product_code": "P-1", "quantity": 1, "unit_price": "2.50"}
    placed = [
        client.ok("POST", "/orders", "salesperson", body(c, line))
        for c in (customer_id, customer_id, other_id)
    ]
    assert {o["account_owner_id"] for o in placed} == {"s-1"}
    client.ok("POST", f"/orders/{placed[1]['order_id']}/submit", "salesperson")
    client.app.catch_up_projections()

    handed_over = AccountOwnerChanged(
        customer_id=customer_id,
        owner_id="s-2",
        deputy_id=None,
        reason="handover",
        changed_by="s-1",
        handover_id=handover_id,
    )
    client.app.process(handed_over, POLICY, Tracking("customers.events:0", 10))

    moved = client.page("/orders?account_owner_id=s-2", "sales-manager")
    assert sorted(o["order_id"] for o in moved["items"]) == sorted(
        o["order_id"] for o in placed[:2]
    )
    for order in placed[:2]:
        path = f"/orders/{order['order_id']}"
        assert client.ok("GET", path, "sales-manager")["account_owner_id"] == "s-2"
    assert (
        client.ok("GET", f"/orders/{placed[2]['order_id']}", "finance")["account_owner_id"] == "s-1"
    )
    placed_now = client.ok("POST", "/orders", "salesperson", body(customer_id, line))
    assert placed_now["account_owner_id"] == "s-2"
