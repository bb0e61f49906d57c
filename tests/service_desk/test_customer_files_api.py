"""Service-desk keeps its read-only copy of the one customer file from customers' events (CU-23):
name, contacts, premises, owner, grade and standing, served by id and listed."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from uuid import uuid4

import pytest
from eventsourcing.persistence import Tracking

from contracts.customers import (
    AccountOwnerChanged,
    CreditHoldPlaced,
    CustomerApproved,
    CustomerBlacklisted,
    CustomerGradeChanged,
    CustomerProfileUpdated,
    CustomerRegistered,
    CustomerRemovedFromBlacklist,
    ProfileContact,
)
from kernel.settings import KernelSettings
from runtime.unit_of_work import CommandContext
from service_desk.bootstrap import SPEC
from tests.service_client import ServiceClient, service_client

POLICY = CommandContext("service-desk:policy")


@pytest.fixture
def client(store_settings: KernelSettings) -> Iterator[ServiceClient]:
    with service_client(SPEC, store_settings) as client:
        yield client


def test_cu_23_service_desk_keeps_the_customer_file_from_customers_events(
    client: ServiceClient,
) -> None:
    customer_id, request_id, review_id = uuid4(), uuid4(), uuid4()
    alice = ProfileContact(name="Alice Wang", role="Site engineer", phone="+86 21 5555 0101")
    events = [
        CustomerRegistered(customer_id=customer_id, legal_name="ACME Valves", owner_id="s-1"),
        CustomerApproved(
            customer_id=customer_id, credit_limit=Decimal(900), currency="CNY", approved_by="m"
        ),
        CustomerProfileUpdated(
            customer_id=customer_id,
            legal_name="ACME Flow Control",
            contacts=[alice],
            premises=["2 Harbour Road, Ningbo"],
            changed_fields=["legal_name", "contacts", "premises"],
            request_id=request_id,
            approval_id=uuid4(),
            applied_by="sales-clerk",
        ),
        CustomerGradeChanged(
            customer_id=customer_id, old_grade=None, new_grade="A", decided_by="m"
        ),
        AccountOwnerChanged(
            customer_id=customer_id,
            owner_id="s-2",
            deputy_id="s-3",
            reason="rebalanced",
            changed_by="sales-manager",
        ),
        CreditHoldPlaced(
            customer_id=customer_id,
            reason="cheque bounced",
            provisional=True,
            placed_by="finance",
            review_id=review_id,
        ),
    ]
    for position, event in enumerate(events, start=1):
        client.app.process(event, POLICY, Tracking("customers.events:0", position))

    file = client.ok("GET", f"/customers/{customer_id}", "service-clerk")
    assert file == {
        "customer_id": str(customer_id),
        "legal_name": "ACME Flow Control",
        "owner_id": "s-2",
        "approved": True,
        "grade": "A",
        "credit_hold": True,
        "blacklisted": False,
        "version": len(events),
        "deputy_id": "s-3",
        "contacts": [alice.model_dump()],
        "premises": ["2 Harbour Road, Ningbo"],
    }
    listed = client.page("/customers?grade=A", "technician")
    assert [c["legal_name"] for c in listed["items"]] == ["ACME Flow Control"]
    assert client.call("GET", f"/customers/{customer_id}", "salesperson").status_code == 403

    later = [
        CustomerBlacklisted(
            customer_id=customer_id, reason="absconded", decided_by="gm", review_id=review_id
        ),
        CustomerRemovedFromBlacklist(
            customer_id=customer_id, reason="settled", released_by="m", approval_id=uuid4()
        ),
    ]
    client.app.process(later[0], POLICY, Tracking("customers.events:0", 10))
    assert client.page("/customers?blacklisted=true", "service-clerk")["total"] == 1
    client.app.process(later[1], POLICY, Tracking("customers.events:0", 11))
    file = client.ok("GET", f"/customers/{customer_id}", "service-clerk")
    assert (file["blacklisted"], file["credit_hold"]) == (False, False)


def test_cu_23_an_unknown_customer_is_not_found(client: ServiceClient) -> None:
    assert client.call("GET", f"/customers/{uuid4()}", "service-clerk").status_code == 404
