"""The master-data change request over HTTP on a real store (CU-14): submitted by sales, approved
by the sales manager with a signed decision, applied by the clerk, its printed record signed by
the clerk and archived; refusals are 422s that change nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest

from contracts.customers import CustomerProfileUpdated
from customers.adapters.outbound import OUTBOUND
from customers.application import CustomersApplication
from customers.bootstrap import SPEC
from kernel.approvals.domain import Capacity, Method, SignatureCapture
from kernel.settings import KernelSettings
from runtime import clock
from tests.service_client import ServiceClient, service_client
from tests.signers import Signers


@pytest.fixture
def client(store_settings: KernelSettings) -> Iterator[ServiceClient]:
    with service_client(SPEC, store_settings) as client:
        Signers(store_settings.keys_path).put_policies_in_force(client.app)
        yield client


def app_of(client: ServiceClient) -> CustomersApplication:
    assert isinstance(client.app, CustomersApplication)
    return client.app


def refused(client: ServiceClient, path: str, user: str, rule: str, body: Any = None) -> None:
    response = client.call("POST", path, user, body)
    assert response.status_code == 422, response.text
    assert response.json()["rule"] == rule, response.text


def test_cu_14_change_request_approved_applied_signed_and_archived(
    client: ServiceClient, store_settings: KernelSettings
) -> None:
    signers = Signers(store_settings.keys_path)
    customer = client.ok("POST", "/customers", "salesperson", {"legal_name": "ACME Valves"})
    customer_id = customer["customer_id"]
    change = client.ok(
        "POST",
        f"/customers/{customer_id}/master-data-changes",
        "salesperson",
        {"reason": "renamed after the merger", "legal_name": "ACME Flow Control"},
    )
    path = f"/master-data-changes/{change['change_id']}"
    assert change["status"] == "submitted"
    assert change["printed_lines"] == [
        {"field": "legal_name", "before": None, "after": "ACME Flow Control"}
    ]

    refused(client, f"{path}/apply", "sales-clerk", "CU-14")  # not approved yet
    assert client.ok("GET", f"/customers/{customer_id}", "finance")["legal_name"] == "ACME Valves"

    signers.decide(app_of(client), UUID(change["change_id"]), "sales-manager", "sales_manager")
    applied = client.ok("POST", f"{path}/apply", "sales-clerk")
    assert applied["printed_lines"] == [
        {"field": "legal_name", "before": "ACME Valves", "after": "ACME Flow Control"}
    ]
    renamed = client.page("/customers?name=Flow", "finance")
    assert [c["customer_id"] for c in renamed["items"]] == [customer_id]

    refused(client, f"{path}/archive", "sales-clerk", "CU-14")  # the record is not signed
    clerk = SignatureCapture(
        "sales-clerk",
        "Wang Fang",
        Capacity.EMPLOYEE,
        "",
        Method.E_SIGN,
        None,
        "Shanghai",
        clock.now(),
    )
    signers.seal(app_of(client), UUID(change["change_id"]), "sales-clerk", clerk)
    archived = client.ok("POST", f"{path}/archive", "sales-clerk")
    assert (archived["status"], archived["archived_by"]) == ("archived", "sales-clerk")
    assert client.ok("GET", path, "sales-manager") == archived


def test_cu_14_only_sales_submit_and_only_the_clerk_applies(client: ServiceClient) -> None:
    customer = client.ok("POST", "/customers", "salesperson", {"legal_name": "ACME Valves"})
    submit = f"/customers/{customer['customer_id']}/master-data-changes"
    body = {"reason": "moved", "premises": ["2 Harbour Road, Ningbo"]}
    assert client.call("POST", submit, "finance", body).status_code == 403
    refused(client, submit, "salesperson", "CU-14", {"reason": "nothing"})
    change = client.ok("POST", submit, "sales-clerk", body)
    response = client.call(
        "POST", f"/master-data-changes/{change['change_id']}/apply", "salesperson"
    )
    assert response.status_code == 403


def test_cu_14_an_opened_file_refuses_a_direct_change_of_its_contacts(
    client: ServiceClient, store_settings: KernelSettings
) -> None:
    customer = client.ok("POST", "/customers", "salesperson", {"legal_name": "ACME Valves"})
    customer_id = customer["customer_id"]
    client.ok("POST", f"/customers/{customer_id}/submit", "salesperson", {"credit_limit": "0"})
    signers = Signers(store_settings.keys_path)
    signers.decide(app_of(client), UUID(customer_id), "sales-manager", "sales_manager")
    before = client.ok("GET", f"/customers/{customer_id}", "finance")
    assert before["status"] == "active"

    alice = {"name": "Alice Wang", "role": "Buyer", "phone": "+86 21 5555 0101"}
    refused(client, f"/customers/{customer_id}/file", "salesperson", "CU-14", {"contacts": [alice]})
    assert client.ok("GET", f"/customers/{customer_id}", "finance") == before


def test_cu_23_a_service_clerk_maintains_the_one_file_and_the_applied_change_is_published(
    client: ServiceClient, store_settings: KernelSettings
) -> None:
    customer = client.ok("POST", "/customers", "salesperson", {"legal_name": "ACME Valves"})
    customer_id = customer["customer_id"]
    submit = f"/customers/{customer_id}/master-data-changes"
    alice = {"name": "Alice Wang", "role": "Site engineer", "phone": "+86 21 5555 0101"}
    body = {"reason": "new site engineer", "contacts": [alice]}
    assert client.call("POST", submit, "technician", body).status_code == 403
    change = client.ok("POST", submit, "service-clerk", body)
    assert change["submitted_by"] == "service-clerk"

    app = app_of(client)
    Signers(store_settings.keys_path).decide(
        app, UUID(change["change_id"]), "sales-manager", "sales_manager"
    )
    client.ok("POST", f"/master-data-changes/{change['change_id']}/apply", "sales-clerk")

    published = [OUTBOUND(event) for event in app.events.get(UUID(customer_id))]
    [updated] = [c for c in published if isinstance(c, CustomerProfileUpdated)]
    approval = app.master_data_change(UUID(change["change_id"])).approval
    assert approval is not None
    assert (updated.request_id, updated.approval_id) == (
        UUID(change["change_id"]),
        approval.approval_id,
    )
    assert (updated.legal_name, updated.changed_fields) == ("ACME Valves", ["contacts"])
    assert [c.model_dump() for c in updated.contacts] == [alice]
    assert updated.applied_by == "sales-clerk"
