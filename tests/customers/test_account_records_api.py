"""The owners' reports (CU-16) and the original records (CU-17) over HTTP on a real store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from customers.bootstrap import SPEC
from kernel.settings import KernelSettings
from tests.service_client import ServiceClient, service_client


@pytest.fixture
def client(store_settings: KernelSettings) -> Iterator[ServiceClient]:
    with service_client(SPEC, store_settings) as client:
        yield client


def register(client: ServiceClient) -> str:
    customer = client.ok("POST", "/customers", "salesperson", {"legal_name": "ACME Valves"})
    return str(customer["customer_id"])


def refused(client: ServiceClient, path: str, user: str, body: object, rule: str) -> None:
    response = client.call("POST", path, user, body)
    assert response.status_code == 422, response.text
    assert response.json()["rule"] == rule, response.text


def test_cu_16_the_owner_reports_and_the_superior_sees_it(client: ServiceClient) -> None:
    customer_id = register(client)
    path = f"/customers/{customer_id}/reports"
    urgent = {"kind": "urgent", "channel": "phone", "summary": "the plant burnt down"}
    client.ok("POST", path, "salesperson", urgent)

    refused(client, path, "salesperson-2", urgent, "CU-16")  # not their account
    written = {"kind": "periodic", "channel": "oral", "summary": "monthly logistics"}
    refused(client, path, "salesperson", written, "CU-16")

    reports = client.page(f"/account-reports?customer_id={customer_id}", "sales-manager")
    assert [(r["kind"], r["reported_by"]) for r in reports["items"]] == [("urgent", "salesperson")]
    assert client.call("GET", "/account-reports", "salesperson").status_code == 403


def test_cu_17_the_custodian_keeps_the_records_and_every_access_is_logged(
    client: ServiceClient,
) -> None:
    customer_id = register(client)
    path = f"/customers/{customer_id}/original-records"
    record = {"description": "Signed registration form, 3 pages"}
    assert client.call("POST", path, "salesperson", record).status_code == 403
    client.ok("POST", path, "records-custodian", record)

    read = client.ok("POST", f"{path}/access", "salesperson", {"purpose": "contract renewal"})
    assert read["original_records"] == ["Signed registration form, 3 pages"]
    refused(client, f"{path}/access", "salesperson-2", {"purpose": "curious"}, "CU-17")

    log = client.ok("GET", f"{path}/accesses", "records-custodian")
    assert [(a["accessed_by"], a["purpose"]) for a in log] == [("salesperson", "contract renewal")]
    assert client.call("GET", f"{path}/accesses", "salesperson").status_code == 403
