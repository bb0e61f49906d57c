"""Sales claims through the orders API on a real store (OR-31): the standard procedure under the
sales manager, each step refused with its rule id and nothing written, and service-desk's
classified sales complaints brought to the sales manager as claims (RULES §7 row 17)."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from contracts.service_desk import ComplaintClassified
from tests.orders.order_flow import OrderFlow, scrape
from tests.orders.test_sales_order_api import refused
from tests.service_client import ServiceClient


def registered(client: ServiceClient, flow: OrderFlow) -> str:
    body = {
        "customer_id": str(flow.customer()),
        "claim_type": "quantity",
        "description": "two pumps short",
        "amount_claimed": "210.00",
    }
    made: dict[str, Any] = client.ok("POST", "/claims", "salesperson", body)
    assert made["status"] == "registered"
    return str(made["claim_id"])


def test_or_31_a_claim_is_investigated_proposed_and_resolved_by_the_sales_managers_review(
    client: ServiceClient, flow: OrderFlow
) -> None:
    claim_id = registered(client, flow)
    facts = {"claim_type": "quantity", "findings": "the delivery note shows 8 of 10"}
    client.ok("POST", f"/claims/{claim_id}/investigation", "salesperson", facts)
    measure = {"countermeasure": "ship the two missing pumps", "settlement": "0"}
    proposed = client.ok("POST", f"/claims/{claim_id}/countermeasure", "salesperson", measure)
    assert proposed["status"] == "pending_review"
    assert scrape(client)[("countersign_orders_claims_open", (("status", "pending_review"),))] == 1
    flow.decide(claim_id, "sales-manager")
    assert client.ok("GET", f"/claims/{claim_id}", "sales-manager")["status"] == "resolved"
    assert scrape(client)[("countersign_orders_claims_open", (("status", "pending_review"),))] == 0


def test_or_31_refused_countermeasure_before_the_facts(
    client: ServiceClient, flow: OrderFlow
) -> None:
    claim_id = registered(client, flow)
    measure = {"countermeasure": "refund", "settlement": "210"}
    refused(client, f"/claims/{claim_id}/countermeasure", "salesperson", "OR-31", measure)


def test_or_31_a_sales_complaint_classified_by_service_desk_opens_one_claim(
    client: ServiceClient, flow: OrderFlow
) -> None:
    customer_id, complaint_id = flow.customer(), uuid4()
    classified = ComplaintClassified(
        complaint_id=complaint_id,
        customer_id=customer_id,
        subject="sales",
        severity="major",
        critical=False,
        escalated_to=["leadership_dgm"],
        reported_to=["leadership_gm", "cs_manager"],
        visitor_role="business_supervisor",
    )
    flow.publish("service-desk.events", classified)
    flow.publish("service-desk.events", classified.model_copy(update={"event_id": uuid4()}))
    service = classified.model_copy(
        update={"event_id": uuid4(), "complaint_id": uuid4(), "subject": "service"}
    )
    flow.publish("service-desk.events", service)
    listed = client.page(f"/claims?customer_id={customer_id}", "sales-manager")
    (claim,) = listed["items"]
    assert claim["complaint_id"] == str(complaint_id) and claim["status"] == "registered"
    assert claim["claim_type"] is None
