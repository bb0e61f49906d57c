"""Billing learns each customer's account owner from customers, and the customer's receivables
follow the account to a new owner (CU-15, CU-22)."""

from __future__ import annotations

from uuid import uuid4

from eventsourcing.persistence import Tracking

from contracts.customers import AccountOwnerChanged
from runtime.unit_of_work import CommandContext
from tests.billing.test_invoicing_api import issued
from tests.service_client import ServiceClient
from tests.signers import Signers

POLICY = CommandContext("billing:policy")


def test_cu_22_receivables_pass_to_the_customer_s_new_owner(
    client: ServiceClient, signers: Signers
) -> None:
    customer_id, other_id, handover_id = uuid4(), uuid4(), uuid4()
    for customer in (customer_id, customer_id, other_id):
        issued(client, signers, customer)
    client.app.catch_up_projections()
    owners = {i["account_owner_id"] for i in client.page("/invoices", "finance")["items"]}
    assert owners == {"salesperson"}

    changed = AccountOwnerChanged(
        customer_id=customer_id,
        owner_id="salesperson-2",
        deputy_id=None,
        reason="handover",
        changed_by="salesperson",
        handover_id=handover_id,
    )
    client.app.process(changed, POLICY, Tracking("customers.events:0", 10_000))

    moved = client.page(f"/invoices?customer_id={customer_id}", "finance")["items"]
    assert [i["account_owner_id"] for i in moved] == ["salesperson-2", "salesperson-2"]
    kept = client.page(f"/invoices?customer_id={other_id}", "finance")["items"]
    assert [i["account_owner_id"] for i in kept] == ["salesperson"]
    invoice = client.ok("GET", f"/invoices/{moved[0]['invoice_id']}", "finance")
    assert invoice["account_owner_id"] == "salesperson-2"
