"""The kernel's figures on every service's ``/metrics`` (RULES.md §8, XC-01, XC-02): approvals
waiting by document type, with the oldest one's request time, and customers' signatures
requested but not captured yet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from prometheus_client.parser import text_string_to_metric_families

from customers.bootstrap import SPEC as CUSTOMERS
from kernel.approvals.commands import Decision
from kernel.settings import KernelSettings
from orders.bootstrap import SPEC as ORDERS
from tests.orders.test_delivery_signing import answer, issue_link, shipped_order
from tests.service_client import ServiceClient, service_client
from tests.signers import Signers, as_user

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
STEP = (("document_type", "customer"), ("step", "sales_manager"))


def scrape(client: ServiceClient) -> Samples:
    client.app.catch_up_projections()
    response = client.http.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


@pytest.fixture
def customers(store_settings: KernelSettings) -> Iterator[ServiceClient]:
    with service_client(CUSTOMERS, store_settings) as client:
        Signers(store_settings.keys_path).put_policies_in_force(client.app)
        yield client


@pytest.fixture
def orders(store_settings: KernelSettings) -> Iterator[ServiceClient]:
    with service_client(ORDERS, store_settings) as client:
        Signers(store_settings.keys_path).put_policies_in_force(client.app)
        yield client


def test_xc_01_approvals_waiting_and_the_oldest_request_by_document_type(
    customers: ServiceClient,
) -> None:
    waiting = (
        "countersign_approvals_waiting",
        (("document_type", "customer"), ("overdue", "false"), ("step", "finance")),
    )
    oldest_name = "countersign_approvals_oldest_requested_timestamp_seconds"
    oldest = (oldest_name, (("document_type", "customer"),))
    assert waiting not in scrape(customers)

    before = datetime.now(UTC).timestamp()
    for name in ("ACME Valves", "Bolt Works"):
        customer = customers.ok("POST", "/customers", "salesperson", {"legal_name": name})
        body = {"credit_limit": "5000"}
        customers.ok("POST", f"/customers/{customer['customer_id']}/submit", "salesperson", body)
    found = scrape(customers)

    assert found[waiting] == 2
    assert before - 1 <= found[oldest] <= datetime.now(UTC).timestamp()


def test_xc_02_signatures_requested_and_not_captured_by_document_type(
    orders: ServiceClient,
) -> None:
    name = "countersign_signatures_requested_not_captured"
    open_links = (name, (("document_type", "order"),))
    order_id = shipped_order(orders)
    assert open_links not in scrape(orders)

    link = issue_link(orders, order_id)
    assert scrape(orders)[open_links] == 1

    assert answer(orders, link).status_code == 200
    assert open_links not in scrape(orders)


def test_xc_01_approval_lead_time_per_step_counts_each_decision_and_its_wait(
    customers: ServiceClient, store_settings: KernelSettings, moved_clock: list[datetime]
) -> None:
    decided = ("countersign_approval_steps_decided_total", STEP)
    waited = ("countersign_approval_step_waiting_seconds_total", STEP)
    signers = Signers(store_settings.keys_path)
    assert decided not in scrape(customers)
    for name, hours in (("ACME Valves", 2), ("Bolt Works", 5)):
        customer = customers.ok("POST", "/customers", "salesperson", {"legal_name": name})
        customer_id = UUID(customer["customer_id"])
        body = {"credit_limit": "0"}  # cash only: the sales manager's step alone
        customers.ok("POST", f"/customers/{customer_id}/submit", "salesperson", body)
        moved_clock[0] += timedelta(hours=hours)
        document = customers.app.repository.get(customer_id)
        step = document.approval.steps[0].step.name
        fields = document.decision_to_sign("grant", step, "sales-manager").fields()
        decision = Decision(
            "grant", step, document.version_hash, signers.sign("sales-manager", fields)
        )
        customers.app.decide(as_user("sales-manager", "sales_manager"), customer_id, decision)

    found = scrape(customers)
    assert found[decided] == 2
    assert found[waited] == (2 + 5) * 3600
