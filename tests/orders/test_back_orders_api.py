"""OR-30 through the orders API on a real store, SQLite and PostgreSQL: the key contents
confirmed before the goods request is submitted, the back order for what the warehouse could not
issue and its second ``GoodsIssued``, the customer's acceptance of what was delivered (through
their own signing link, OR-22), and the monthly delivery tracking sheet with its figures."""

from __future__ import annotations

from typing import Any

from contracts.orders import BackOrderCreated, GoodsIssued
from tests.orders.order_flow import TERMS, OrderFlow
from tests.orders.test_delivery_signing import answer, issue_link
from tests.orders.test_sales_order_api import refused
from tests.orders.test_special_requests_api import published, scrape
from tests.service_client import ServiceClient

PUMP = {"product_code": "P-1", "description": "pump", "quantity": 2, "unit_price": "10.50"}
VALVE = {"product_code": "V-9", "description": "valve DN50", "quantity": 5, "unit_price": "4"}
SHORT = {"issued": [{"line": 0, "quantity": 2}, {"line": 1, "quantity": 3}]}


def short_shipped(flow: OrderFlow) -> str:
    """Approved, reserved, its outbound order issued, and 3 of the 5 valves shipped."""
    order_id = flow.ready(flow.customer(), PUMP, VALVE)
    flow.client.ok("POST", f"/orders/{order_id}/outbound", "sales-clerk")
    body = SHORT | {"expected_date": "2099-01-15"}
    shipped: dict[str, Any] = flow.client.ok("POST", f"/orders/{order_id}/ship", "warehouse", body)
    assert shipped["status"] == "ready_to_issue"
    return order_id


def test_or_30_the_key_contents_are_confirmed_before_the_order_is_submitted(
    client: ServiceClient, flow: OrderFlow
) -> None:
    placed = flow.place(flow.customer(), PUMP, delivery_date=None, payment_terms_days=None)
    order_id = placed["order_id"]
    assert placed["unconfirmed"] == ["delivery date", "payment terms"]
    response = client.call("POST", f"/orders/{order_id}/submit", "salesperson")
    assert response.status_code == 422, response.text
    assert response.json()["details"]["missing"] == ["delivery date", "payment terms"]
    refused(client, f"/orders/{order_id}/submit", "salesperson", "OR-30")
    refused(client, f"/orders/{order_id}/confirm", "salesperson", "OR-30", {"delivery_date": None})
    confirmed = client.ok("POST", f"/orders/{order_id}/confirm", "salesperson", TERMS)
    assert (confirmed["unconfirmed"], confirmed["delivery_date"]) == ([], "2099-12-31")
    submitted = client.ok("POST", f"/orders/{order_id}/submit", "salesperson")
    assert submitted["status"] == "pending_approval"
    # The approvers have it: the contents are not changed under them.
    refused(client, f"/orders/{order_id}/confirm", "salesperson", "OR-30", TERMS)


def test_or_30_a_back_order_returns_to_ready_to_issue_and_ships_the_rest(
    client: ServiceClient, flow: OrderFlow
) -> None:
    order_id = short_shipped(flow)
    order = flow.order(order_id)
    assert [line["quantity"] for line in order["shipped_lines"]] == [2, 3]
    assert [line["quantity"] for line in order["back_ordered"]] == [2]
    assert order["back_order_expected_date"] == "2099-01-15"
    # Billing and the rest hear the partial shipment, then the slip.
    first, slip = [
        e for e in published(client, order_id) if type(e) in (GoodsIssued, BackOrderCreated)
    ]
    assert isinstance(first, GoodsIssued) and first.total == 33 and first.back_order_id is None
    assert isinstance(slip, BackOrderCreated) and slip.total == 8
    # The customer accepts once the rest went out.
    refused(client, f"/orders/{order_id}/signing-requests", "sales-clerk", "OR-30", issue_body())

    too_many = {"lines": [VALVE]}
    refused(client, f"/orders/{order_id}/outbound", "sales-clerk", "OR-30", too_many)
    client.ok("POST", f"/orders/{order_id}/outbound", "sales-clerk")
    over = {"issued": [{"line": 0, "quantity": 3}]}
    refused(client, f"/orders/{order_id}/ship", "warehouse", "OR-30", over)
    rest = client.ok("POST", f"/orders/{order_id}/ship", "warehouse")
    assert (rest["status"], rest["back_order_id"]) == ("shipped", None)
    second = [e for e in published(client, order_id) if isinstance(e, GoodsIssued)][-1]
    assert second.back_order_id == slip.back_order_id and second.total == 8

    link = issue_link(client, order_id)
    assert answer(client, link).status_code == 200
    delivered = flow.order(order_id)
    assert delivered["status"] == "delivered"


def test_or_30_a_cancelled_back_order_is_not_issued(client: ServiceClient, flow: OrderFlow) -> None:
    order_id = short_shipped(flow)
    refused(client, f"/orders/{order_id}/cancel", "salesperson", "OR-30", {"reason": "no"})
    reason = {"reason": "the valves are discontinued"}
    path = f"/orders/{order_id}/back-order/cancel"
    assert client.call("POST", path, "salesperson", reason).status_code == 403
    cancelled = client.ok("POST", f"/orders/{order_id}/back-order/cancel", "sales-manager", reason)
    assert (cancelled["status"], cancelled["back_order_cancelled"]) == ("shipped", True)
    refused(client, f"/orders/{order_id}/outbound", "sales-clerk", "OR-30")
    refused(client, f"/orders/{order_id}/ship", "warehouse", "OR-30")
    refused(client, f"/orders/{order_id}/back-order/cancel", "sales-manager", "OR-30", reason)
    assert scrape(client)[("countersign_orders_back_orders_open", ())] == 0


def test_or_30_deliveries_are_tracked_against_the_promised_date_each_month(
    client: ServiceClient, flow: OrderFlow
) -> None:
    delivered_id = flow.shipped(flow.customer())
    back_ordered_id = short_shipped(flow)
    assert answer(client, issue_link(client, delivered_id)).status_code == 200
    client.app.catch_up_projections()
    month = client.ok("GET", "/delivery-tracking?month=2099-12", "sales-manager")
    assert (month["met"], month["missed"], month["pending"]) == (1, 0, 1)
    rows = {row["order_id"]: row for row in month["orders"]["items"]}
    assert rows[delivered_id]["on_time"] is True and rows[delivered_id]["delivered_at"]
    assert rows[back_ordered_id]["back_order_open"] and rows[back_ordered_id]["on_time"] is None
    assert (
        client.ok("GET", "/delivery-tracking?month=2099-11", "sales-manager")["orders"]["total"]
        == 0
    )
    bad = client.call("GET", "/delivery-tracking?month=2099-13", "sales-manager")
    assert bad.status_code == 422
    figures = scrape(client)
    assert figures[("countersign_orders_delivery_promises", (("outcome", "met"),))] == 1
    assert figures[("countersign_orders_delivery_promises", (("outcome", "pending"),))] == 1
    assert figures[("countersign_orders_delivery_promises", (("outcome", "missed"),))] == 0
    assert figures[("countersign_orders_back_orders_open", ())] == 1


def issue_body() -> dict[str, Any]:
    return {"contact_name": "Zhao Lan", "contact": "+86 139 0000 0000", "open_hours": 72}
