"""RULES §4.3 through the orders API on a real store: the goods request approved, the credit
gate answered by billing's events, the over-credit approval chain, the outbound order, the
shipment and the cancellation that releases billing's reservation (OR-14, OR-17…OR-21)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from contracts.orders import OrderCancelled
from kernel.settings import KernelSettings
from orders.adapters.outbound import OUTBOUND
from orders.bootstrap import SPEC
from orders.domain.order import Order
from tests.orders.order_flow import OrderFlow, scrape
from tests.service_client import ServiceClient, service_client
from tests.signers import Signers


@pytest.fixture
def client(store_settings: KernelSettings) -> Iterator[ServiceClient]:
    with service_client(SPEC, store_settings) as client:
        Signers(store_settings.keys_path).put_policies_in_force(client.app)
        yield client


@pytest.fixture
def flow(client: ServiceClient, store_settings: KernelSettings) -> OrderFlow:
    return OrderFlow(client, Signers(store_settings.keys_path))


def refused(client: ServiceClient, path: str, user: str, rule: str, body: Any = None) -> None:
    before = client.app.recorder.max_notification_id()
    response = client.call("POST", path, user, body)
    assert response.status_code == 422, response.text
    assert response.json()["rule"] == rule, response.text
    assert client.app.recorder.max_notification_id() == before


def test_or_14_or_17_an_uncontracted_order_is_confirmed_then_approved_in_order(
    client: ServiceClient, flow: OrderFlow
) -> None:
    customer_id = flow.customer()
    refused(
        client,
        "/orders",
        "salesperson",
        "OR-14",
        {
            "customer_id": str(customer_id),
            "lines": [{"product_code": "P-1", "quantity": 1, "unit_price": "5"}],
        },
    )
    phoned = {"channel": "phone", "reason": "ordered by phone, contract to follow"}
    order = flow.place(customer_id, uncontracted=phoned)
    order_id = order["order_id"]
    assert (order["status"], order["uncontracted"]) == ("awaiting_confirmation", True)
    refused(client, f"/orders/{order_id}/submit", "salesperson", "OR-14")
    flow.decide(order_id, "sales-manager")
    assert flow.order(order_id)["status"] == "draft"
    submitted = client.ok("POST", f"/orders/{order_id}/submit", "salesperson")
    assert submitted["status"] == "pending_approval"
    approval = client.ok("GET", f"/orders/{order_id}/approval", "branch-manager")
    assert [s["name"] for s in approval["steps"]] == ["branch_manager", "sales_manager"]
    flow.decide(order_id, "branch-manager", "sales-manager")
    assert flow.order(order_id)["status"] == "credit_check"
    # RULES §8: the uncontracted orders and their share of the orders placed.
    flow.place(customer_id)
    figures = scrape(client)
    for uncontracted in ("yes", "no"):
        assert figures[("countersign_orders_placed_total", (("uncontracted", uncontracted),))] == 1


def test_or_18_or_19_within_the_limit_the_clerk_issues_and_the_warehouse_ships(
    client: ServiceClient, flow: OrderFlow
) -> None:
    customer_id = flow.customer()
    order_id = flow.place(customer_id)["order_id"]
    refused(client, f"/orders/{order_id}/outbound", "sales-clerk", "OR-19")
    flow.approved(order_id)
    flow.billing_reserves(order_id, limit="900", exposure="100")
    ready = flow.order(order_id)
    assert (ready["status"], ready["credit_limit"], ready["exposure"]) == (
        "ready_to_issue",
        "900.00",
        "100.00",
    )
    wrong = [{"product_code": "P-1", "quantity": 3, "unit_price": "10.50"}]
    refused(client, f"/orders/{order_id}/outbound", "sales-clerk", "OR-21", {"lines": wrong})
    issued = client.ok("POST", f"/orders/{order_id}/outbound", "sales-clerk")
    assert issued["status"] == "awaiting_warehouse" and issued["outbound_id"]
    shipped = client.ok("POST", f"/orders/{order_id}/ship", "warehouse")
    assert (shipped["status"], shipped["sla_met"]) == ("shipped", True)
    assert client.page("/orders?status=shipped", "finance")["total"] == 1


def test_or_20_shipments_in_time_and_late_with_their_reason_are_counted(
    client: ServiceClient, flow: OrderFlow, moved_clock: list[datetime]
) -> None:
    customer_id = flow.customer(limit="5000")
    in_time = flow.shipped(customer_id)
    late = flow.ready(customer_id)
    client.ok("POST", f"/orders/{late}/outbound", "sales-clerk")
    moved_clock[0] += timedelta(days=7)
    refused(client, f"/orders/{late}/ship", "warehouse", "OR-20")
    client.ok("POST", f"/orders/{late}/ship", "warehouse", {"delay_reason": "stock_shortage"})

    listed = {o["order_id"]: o for o in client.page("/orders?status=shipped", "finance")["items"]}
    assert (listed[in_time]["sla_met"], listed[in_time]["delay_reason"]) == (True, None)
    assert (listed[late]["sla_met"], listed[late]["delay_reason"]) == (
        False,
        "stock_shortage",
    )
    figures = scrape(client)
    shipments = "countersign_orders_shipments"
    assert figures[(shipments, (("delay_reason", ""), ("in_time", "yes")))] == 1
    assert figures[(shipments, (("delay_reason", "stock_shortage"), ("in_time", "no")))] == 1
    assert figures[(shipments, (("delay_reason", "transport"), ("in_time", "no")))] == 0
    assert figures[("countersign_orders", (("status", "shipped"),))] == 2
    assert figures[("countersign_orders", (("status", "blocked"),))] == 0


def test_or_18_over_the_limit_sales_manager_finance_approve_and_billing_is_asked_again(
    client: ServiceClient, flow: OrderFlow
) -> None:
    customer_id = flow.customer()
    order_id = flow.place(customer_id)["order_id"]
    flow.approved(order_id)
    flow.billing_declines(order_id, "over_limit", limit="900", exposure="890")
    declined = flow.order(order_id)
    assert (declined["status"], declined["declined_reason"]) == (
        "awaiting_over_credit_approval",
        "over_limit",
    )
    assert client.page("/orders?status=awaiting_over_credit_approval", "finance")["total"] == 1
    refused(client, f"/orders/{order_id}/outbound", "sales-clerk", "OR-19")
    body = {"reason": "year-end order; payment promised by the 20th"}
    client.ok("POST", f"/orders/{order_id}/over-credit-request", "salesperson", body)
    approval = client.ok("GET", f"/orders/{order_id}/approval", "finance")
    assert [s["name"] for s in approval["steps"]] == ["sales_manager", "finance"]
    flow.decide(order_id, "sales-manager", "finance")
    asked = flow.order(order_id)
    assert (asked["status"], asked["over_credit_approved"]) == ("credit_check", True)
    flow.billing_reserves(order_id, limit="900", exposure="890")
    assert flow.order(order_id)["status"] == "ready_to_issue"


def test_or_18_a_credit_hold_blocks_with_no_override(
    client: ServiceClient, flow: OrderFlow
) -> None:
    order_id = flow.place(flow.customer())["order_id"]
    flow.approved(order_id)
    flow.billing_declines(order_id, "credit_hold")
    assert flow.order(order_id)["status"] == "blocked"
    body = {"reason": "urgent"}
    refused(client, f"/orders/{order_id}/over-credit-request", "salesperson", "OR-18", body)
    flow.billing_reserves(order_id)  # billing answers again once the hold is released
    assert flow.order(order_id)["status"] == "ready_to_issue"


def test_or_17_the_sales_manager_approves_a_cancellation_before_shipment_and_billing_is_told(
    client: ServiceClient, flow: OrderFlow
) -> None:
    order_id = flow.ready(flow.customer())
    response = client.call("POST", f"/orders/{order_id}/cancel", "warehouse", {"reason": "x"})
    assert response.status_code == 403
    asked = client.ok(
        "POST", f"/orders/{order_id}/cancel", "salesperson", {"reason": "customer withdrew"}
    )
    assert (asked["status"], asked["requested_by"]) == ("pending_approval", "salesperson")
    # OR-17: until the sales manager approved it, the order stands and its reservation holds.
    assert flow.order(order_id)["status"] == "ready_to_issue"
    body = {"reason": "again"}
    refused(client, f"/orders/{order_id}/cancel", "salesperson", "OR-17", body)
    path = f"/order-cancellations/{asked['cancellation_id']}"
    approval = client.ok("GET", f"{path}/approval", "sales-manager")
    assert (approval["kind"], approval["next_step"]) == ("order_cancellation", "sales_manager")
    flow.decide_over_http(path, "sales-manager")
    assert flow.order(order_id)["status"] == "cancelled"
    decided = client.ok("GET", f"/orders/{order_id}/cancellation", "sales-manager")
    assert (decided["status"], decided["decided_by"]) == ("approved", "sales-manager")
    refused(client, f"/orders/{order_id}/cancel", "salesperson", "OR-17", body)
    # What billing hears: the cancellation, as the public OrderCancelled.
    events = flow.app.repository.event_store.get(UUID(order_id))
    [cancelled] = [e for e in events if isinstance(e, Order.Cancelled)]
    assert list(cancelled.approval_ids) == [UUID(approval["approval_id"])]
    public = OUTBOUND(cancelled)
    assert isinstance(public, OrderCancelled)
    assert (public.reason, public.cancelled_by) == ("customer withdrew", "sales-manager")


def test_or_17_a_rejected_cancellation_leaves_the_order_and_may_be_asked_again(
    client: ServiceClient, flow: OrderFlow
) -> None:
    order_id = flow.ready(flow.customer())
    asked = client.ok("POST", f"/orders/{order_id}/cancel", "salesperson", {"reason": "maybe"})
    path = f"/order-cancellations/{asked['cancellation_id']}"
    flow.decide_over_http(path, "sales-manager", "reject", "the goods are on their way")
    assert flow.order(order_id)["status"] == "ready_to_issue"
    again = client.ok("POST", f"/orders/{order_id}/cancel", "sales-clerk", {"reason": "sure"})
    assert (again["status"], again["reason"]) == ("pending_approval", "sure")


def test_or_17_refused_the_approval_of_a_cancellation_once_the_order_shipped(
    client: ServiceClient, flow: OrderFlow
) -> None:
    order_id = flow.ready(flow.customer())
    asked = client.ok("POST", f"/orders/{order_id}/cancel", "salesperson", {"reason": "late"})
    client.ok("POST", f"/orders/{order_id}/outbound", "sales-clerk")
    client.ok("POST", f"/orders/{order_id}/ship", "warehouse")
    path = f"/order-cancellations/{asked['cancellation_id']}"
    body = flow.decision(path, "sales-manager")
    refused(client, f"{path}/approval/grant", "sales-manager", "OR-17", body)
    assert flow.order(order_id)["status"] == "shipped"
    refused(client, f"/orders/{order_id}/cancel", "salesperson", "OR-17", {"reason": "x"})
