"""Billing learns each customer's account owner from customers, and the customer's receivables
follow the account to a new owner (CU-15, CU-22)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from uuid import uuid4

import pytest
from eventsourcing.persistence import Tracking

from billing.bootstrap import SPEC
from contracts.customers import AccountOwnerChanged, CustomerRegistered
from kernel.settings import KernelSettings
from runtime.unit_of_work import CommandContext
from tests.billing.invoicing import invoice_issued
from tests.service_client import ServiceClient, service_client

POLICY = CommandContext("billing:policy")


@pytest.fixture
def client(store_settings: KernelSettings) -> Iterator[ServiceClient]:
    with service_client(SPEC, store_settings) as client:
        yield client


def test_cu_22_receivables_pass_to_the_customer_s_new_owner(client: ServiceClient) -> None:
    customer_id, other_id, handover_id = uuid4(), uuid4(), uuid4()
    for position, customer in enumerate((customer_id, other_id), start=1):
        registered = CustomerRegistered(customer_id=customer, legal_name="ACME", owner_id="s-1")
        client.app.process(registered, POLICY, Tracking("customers.events:0", position))
    for customer in (customer_id, customer_id, other_id):
        invoice_issued(client.app, customer, Decimal("12.50"))
    client.app.catch_up_projections()
    assert {i["account_owner_id"] for i in client.page("/invoices", "finance")["items"]} == {"s-1"}

    changed = AccountOwnerChanged(
        customer_id=customer_id,
        owner_id="s-2",
        deputy_id=None,
        reason="handover",
        changed_by="s-1",
        handover_id=handover_id,
    )
    client.app.process(changed, POLICY, Tracking("customers.events:0", 10))

    moved = client.page(f"/invoices?customer_id={customer_id}", "finance")["items"]
    assert [i["account_owner_id"] for i in moved] == ["s-2", "s-2"]
    kept = client.page(f"/invoices?customer_id={other_id}", "finance")["items"]
    assert [i["account_owner_id"] for i in kept] == ["s-1"]
    invoice = client.ok("GET", f"/invoices/{moved[0]['invoice_id']}", "finance")
    assert invoice["account_owner_id"] == "s-2"

    invoice_issued(client.app, customer_id, Decimal("12.50"))
    assert client.page("/invoices?account_owner_id=s-2", "finance")["total"] == 3
