"""What the sales department asks the managers to approve on a customer's behalf, through the
orders API on a real store: special fees (OR-15), stock held for a customer (OR-33) and service
proposals (OR-34) through the authority matrix's chain, the event
billing pays a special fee on, and each step refused with its rule id and nothing written."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from contracts.orders import SpecialFeePaymentFormApproved
from orders.adapters.outbound import OUTBOUND
from tests.orders.order_flow import OrderFlow, scrape
from tests.orders.test_sales_order_api import refused
from tests.service_client import ServiceClient


def published(client: ServiceClient, document_id: str) -> list[Any]:
    return [OUTBOUND(event) for event in client.app.events.get(UUID(document_id))]


# -- OR-15: special fees


def fee_requested(client: ServiceClient, flow: OrderFlow) -> str:
    body = {
        "customer_id": str(flow.customer()),
        "fee_type": "market_promotion",
        "amount": "1200.00",
        "payment_form": "discount",
        "purpose": "shelf promotion in May",
    }
    made: dict[str, Any] = client.ok("POST", "/special-fees", "salesperson", body)
    assert made["status"] == "pending_approval"
    return str(made["fee_id"])


def test_or_15_a_special_fee_approved_in_the_chain_is_promised_and_published(
    client: ServiceClient, flow: OrderFlow
) -> None:
    fee_id = fee_requested(client, flow)
    approval = client.ok("GET", f"/special-fees/{fee_id}/approval", "sales-manager")
    assert [s["name"] for s in approval["steps"]] == ["sales_manager", "leadership_payment_form"]
    flow.decide(fee_id, "sales-manager", "gm")
    assert client.ok("GET", f"/special-fees/{fee_id}", "finance")["status"] == "approved"
    promised = client.ok("POST", f"/special-fees/{fee_id}/promise", "salesperson")
    assert promised["status"] == "promised" and promised["promised_by"] == "salesperson"
    (event,) = [
        e for e in published(client, fee_id) if isinstance(e, SpecialFeePaymentFormApproved)
    ]
    assert str(event.fee_id) == fee_id and event.payment_form == "discount"
    assert str(event.amount) == "1200.00"
    listed = client.page("/special-fees?status=promised", "sales-manager")
    assert [f["fee_id"] for f in listed["items"]] == [fee_id]
    figures = scrape(client)
    assert figures[("countersign_orders_special_fees", (("status", "promised"),))] == 1
    assert figures[("countersign_orders_special_fees", (("status", "rejected"),))] == 0
    amount = (
        "countersign_orders_special_fees_amount",
        (("currency", "CNY"), ("status", "promised")),
    )
    assert figures[amount] == 1200


def test_or_15_refused_promise_before_leadership_approved_the_form_of_payment(
    client: ServiceClient, flow: OrderFlow
) -> None:
    fee_id = fee_requested(client, flow)
    refused(client, f"/special-fees/{fee_id}/promise", "salesperson", "OR-15")
    flow.decide(fee_id, "sales-manager")
    refused(client, f"/special-fees/{fee_id}/promise", "salesperson", "OR-15")
    assert not [
        e for e in published(client, fee_id) if isinstance(e, SpecialFeePaymentFormApproved)
    ]


def test_or_15_refused_without_a_positive_amount(client: ServiceClient, flow: OrderFlow) -> None:
    body = {
        "customer_id": str(flow.customer()),
        "fee_type": "temporary_staff",
        "amount": "0",
        "payment_form": "cash",
        "purpose": "promoters",
    }
    refused(client, "/special-fees", "salesperson", "OR-15", body)


# -- OR-33: stock held for a customer's regular products


def reservation_requested(client: ServiceClient, flow: OrderFlow) -> str:
    body = {
        "customer_id": str(flow.customer()),
        "products": [{"product_code": "P-1", "description": "Pump 2kW", "quantity": 20}],
        "reason": "the customer orders 20 pumps every month",
    }
    made: dict[str, Any] = client.ok("POST", "/stock-reservations", "salesperson", body)
    assert made["status"] == "pending_approval" and made["products"][0]["quantity"] == 20
    return str(made["reservation_id"])


def test_or_33_stock_approved_by_the_sales_manager_is_held(
    client: ServiceClient, flow: OrderFlow
) -> None:
    reservation_id = reservation_requested(client, flow)
    flow.decide(reservation_id, "sales-manager")
    held = client.ok("POST", f"/stock-reservations/{reservation_id}/hold", "warehouse")
    assert held["status"] == "held" and held["held_by"] == "warehouse"
    listed = client.page("/stock-reservations?status=held", "sales-manager")
    assert [r["reservation_id"] for r in listed["items"]] == [reservation_id]


def test_or_33_refused_hold_before_the_sales_managers_approval(
    client: ServiceClient, flow: OrderFlow
) -> None:
    reservation_id = reservation_requested(client, flow)
    refused(client, f"/stock-reservations/{reservation_id}/hold", "warehouse", "OR-33")


# -- OR-34: service proposals


def proposal_submitted(client: ServiceClient, flow: OrderFlow) -> str:
    body = {
        "customer_id": str(flow.customer()),
        "content": "maintenance of 20 pumps",
        "standards": "on site within 24 h",
        "process": "quarterly visits, report signed by the customer",
        "price": "36000.00",
        "value_added": "free yearly inspection",
    }
    made: dict[str, Any] = client.ok("POST", "/service-proposals", "salesperson", body)
    proposal_id = str(made["proposal_id"])
    path = f"/service-proposals/{proposal_id}"
    refused(client, f"{path}/submission", "salesperson", "OR-34")
    part = {"department": "technical", "contribution": "visit checklist"}
    client.ok("POST", f"{path}/contributions", "technical", part)
    part = {"department": "customer_service", "contribution": "hotline and survey"}
    client.ok("POST", f"{path}/contributions", "service-department", part)
    submitted = client.ok("POST", f"{path}/submission", "salesperson")
    assert submitted["status"] == "pending_approval"
    return proposal_id


def test_or_34_a_proposal_reviewed_by_the_sales_manager_and_finance_is_offered(
    client: ServiceClient, flow: OrderFlow
) -> None:
    proposal_id = proposal_submitted(client, flow)
    flow.decide(proposal_id, "sales-manager", "finance")
    offered = client.ok("POST", f"/service-proposals/{proposal_id}/offer", "salesperson")
    assert offered["status"] == "offered"
    assert offered["contributions"]["technical"] == "visit checklist"
    listed = client.page("/service-proposals?status=offered", "finance")
    assert [p["proposal_id"] for p in listed["items"]] == [proposal_id]


def test_or_34_refused_offer_before_the_review(client: ServiceClient, flow: OrderFlow) -> None:
    proposal_id = proposal_submitted(client, flow)
    flow.decide(proposal_id, "sales-manager")
    refused(client, f"/service-proposals/{proposal_id}/offer", "salesperson", "OR-34")


def test_or_34_refused_a_part_from_the_wrong_department(
    client: ServiceClient, flow: OrderFlow
) -> None:
    body = {
        "customer_id": str(flow.customer()),
        "content": "maintenance",
        "standards": "24 h",
        "process": "quarterly",
        "price": "100.00",
        "value_added": "none",
    }
    made = client.ok("POST", "/service-proposals", "salesperson", body)
    part = {"department": "technical", "contribution": "checklist"}
    path = f"/service-proposals/{made['proposal_id']}/contributions"
    refused(client, path, "service-department", "OR-34", part)
