"""The return of goods through the orders API on a real store (RULES §4.4): from the customer's
application to the counted warehouse receipt, the decisions as the steps of the authority
matrix's ``return`` chain on the kernel's approval routes, its published events, and each step
refused with its rule id and nothing written (OR-24 … OR-29, XC-05, XC-07)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from contracts.orders import RedOutboundOrderIssued, ReturnReceivedIntoWarehouse
from kernel.approvals.domain import Approvable
from orders.adapters.outbound import OUTBOUND
from orders.domain.product_return import ProductReturn
from tests.orders.order_flow import OrderFlow, scrape
from tests.orders.test_delivery_signing import answer, issue_link, shipped_order
from tests.orders.test_sales_order_api import refused
from tests.service_client import ServiceClient

GOODS = {"product_code": "P-1", "description": "pump", "quantity": 2}


def delivered(client: ServiceClient) -> str:
    order_id = shipped_order(client)
    assert answer(client, issue_link(client, order_id)).status_code == 200
    return order_id


def requested(client: ServiceClient, order_id: str | None = None) -> str:
    body = {"order_id": order_id or delivered(client), "reason_code": "defective"}
    made: dict[str, Any] = client.ok("POST", "/returns", "salesperson", body)
    assert made["status"] == "requested"
    return str(made["return_id"])


def confirmed(flow: OrderFlow, order_id: str | None = None) -> str:
    return_id = requested(flow.client, order_id)
    flow.decide_over_http(f"/returns/{return_id}", "branch-manager")
    return return_id


def verified(flow: OrderFlow, quantity: int = 2, order_id: str | None = None) -> str:
    return_id = confirmed(flow, order_id)
    lines = {"lines": [GOODS | {"quantity": quantity}]}
    flow.client.ok("POST", f"/returns/{return_id}/verification", "salesperson", lines)
    return return_id


def detailed(flow: OrderFlow) -> str:
    return_id = verified(flow)
    flow.decide_over_http(f"/returns/{return_id}", "technical", note="serials match")
    flow.client.ok("POST", f"/returns/{return_id}/detail", "salesperson")
    return return_id


def approved(flow: OrderFlow) -> str:
    return_id = detailed(flow)
    decided = flow.decide_over_http(f"/returns/{return_id}", "sales-manager")
    assert decided["status"] == "approved"
    return return_id


def refused_decision(
    flow: OrderFlow, return_id: str, user: str, rule: str, action: str = "grant"
) -> None:
    path = f"/returns/{return_id}"
    body = flow.decision(path, user, action, "not so")
    refused(flow.client, f"{path}/approval/{action}", user, rule, body)


def published(client: ServiceClient, return_id: str) -> list[Any]:
    return [OUTBOUND(event) for event in client.app.events.get(UUID(return_id))]


def test_or_24_to_or_29_a_return_from_request_to_warehouse_receipt(
    client: ServiceClient, flow: OrderFlow
) -> None:
    return_id = approved(flow)
    # The decisions are the return chain's steps, in the return's own stream, each signed by
    # its approver over the version they saw, under the authority matrix in force.
    events = list(client.app.events.get(UUID(return_id)))
    (asked,) = [e for e in events if isinstance(e, Approvable.ApprovalRequested)]
    assert (asked.kind, asked.policy_version, asked.requested_by) == ("return", 1, "salesperson")
    granted = [e for e in events if isinstance(e, Approvable.ApprovalGranted)]
    assert [(e.step, e.approver_id) for e in granted] == [
        ("branch_manager", "branch-manager"),
        ("technical_authentication", "technical"),
        ("sales_manager", "sales-manager"),
    ]
    assert all(e.signature and e.policy_version == 1 for e in granted)
    authenticated = [e for e in events if isinstance(e, ProductReturn.GoodsAuthenticated)]
    assert [(e.genuine, e.note, e.authenticated_by) for e in authenticated] == [
        (True, "serials match", "technical")
    ]
    issued = client.ok("POST", f"/returns/{return_id}/red-outbound", "sales-clerk")
    assert issued["status"] == "awaiting_warehouse"
    received = client.ok(
        "POST", f"/returns/{return_id}/receipt", "warehouse", {"counted": {"P-1": 1}}
    )
    assert received["status"] == "received"
    assert received["discrepancy"] == "P-1: expected 2, counted 1"
    red = [e for e in published(client, return_id) if isinstance(e, RedOutboundOrderIssued)]
    (event,) = red
    assert str(event.return_id) == return_id and event.lines[0].quantity == 2
    assert str(event.red_outbound_id) == issued["red_outbound_id"]
    (receipt,) = [
        e for e in published(client, return_id) if isinstance(e, ReturnReceivedIntoWarehouse)
    ]
    assert receipt.discrepancy == "P-1: expected 2, counted 1"
    client.app.catch_up_projections()
    listed = client.ok("GET", "/returns?status=received", "sales-manager")
    assert [r["return_id"] for r in listed["items"]] == [return_id]
    # RULES §8: returns by reason, what they are worth against what was delivered.
    figures = scrape(client)
    received = (("reason", "defective"), ("status", "received"))
    assert figures[("countersign_orders_returns", received)] == 1
    value = (("currency", "CNY"), ("reason", "defective"))
    assert figures[("countersign_orders_returns_value", value)] == 21
    assert figures[("countersign_orders_delivered_value", (("currency", "CNY"),))] == 21
    assert figures[("countersign_orders_return_authenticity_failures_total", ())] == 0


def test_or_24_refused_for_an_order_not_delivered(client: ServiceClient) -> None:
    order_id = shipped_order(client)
    body = {"order_id": order_id, "reason_code": "defective"}
    refused(client, "/returns", "salesperson", "OR-24", body)


def test_or_24_xc_07_refused_confirmation_by_anyone_but_the_branch_manager(
    flow: OrderFlow,
) -> None:
    return_id = requested(flow.client)
    refused_decision(flow, return_id, "sales-manager", "XC-07")
    refused_decision(flow, return_id, "technical", "XC-07")


def test_or_24_the_branch_manager_rejects_a_request(client: ServiceClient, flow: OrderFlow) -> None:
    return_id = requested(client)
    done = flow.decide_over_http(f"/returns/{return_id}", "branch-manager", "reject", "no")
    assert done["status"] == "rejected"
    assert client.ok("GET", f"/returns/{return_id}", "salesperson")["status"] == "rejected"


def test_or_25_refused_more_than_delivered_net_of_earlier_returns(
    client: ServiceClient, flow: OrderFlow
) -> None:
    order_id = delivered(client)
    verified(flow, 1, order_id)
    return_id = confirmed(flow, order_id)
    body = {"lines": [GOODS]}
    refused(client, f"/returns/{return_id}/verification", "salesperson", "OR-25", body)
    client.ok(
        "POST",
        f"/returns/{return_id}/verification",
        "salesperson",
        {"lines": [GOODS | {"quantity": 1}]},
    )


def test_or_25_goods_of_a_return_rejected_count_as_not_returned(
    client: ServiceClient, flow: OrderFlow
) -> None:
    order_id = delivered(client)
    first = verified(flow, 2, order_id)
    flow.decide_over_http(f"/returns/{first}", "technical", "reject", "counterfeit")
    assert verified(flow, 2, order_id)


def test_or_25_refused_authentication_before_the_salespersons_check(flow: OrderFlow) -> None:
    return_id = confirmed(flow)
    refused_decision(flow, return_id, "technical", "OR-25")


def test_or_26_xc_07_refused_authentication_by_anyone_but_the_technical_department(
    flow: OrderFlow,
) -> None:
    return_id = verified(flow)
    refused_decision(flow, return_id, "sales-manager", "XC-07")


def test_or_26_goods_not_genuine_are_rejected(client: ServiceClient, flow: OrderFlow) -> None:
    return_id = verified(flow)
    done = flow.decide_over_http(f"/returns/{return_id}", "technical", "reject", "counterfeit")
    assert done["status"] == "rejected"
    assert client.ok("GET", f"/returns/{return_id}", "salesperson")["status"] == "rejected"
    refused(client, f"/returns/{return_id}/detail", "salesperson", "OR-27")
    # RULES §8: an authenticity failure, and a rejected return is worth nothing returned.
    figures = scrape(client)
    assert figures[("countersign_orders_return_authenticity_failures_total", ())] == 1
    assert (
        "countersign_orders_returns_value",
        (("currency", "CNY"), ("reason", "defective")),
    ) not in figures


def test_or_27_refused_the_sales_managers_step_before_the_detail(flow: OrderFlow) -> None:
    return_id = verified(flow)
    flow.decide_over_http(f"/returns/{return_id}", "technical")
    refused_decision(flow, return_id, "sales-manager", "OR-27")


def test_or_27_xc_07_refused_approval_by_the_branch_manager(flow: OrderFlow) -> None:
    return_id = detailed(flow)
    refused_decision(flow, return_id, "branch-manager", "XC-05")  # confirmed it already
    refused_decision(flow, return_id, "gm", "XC-07")


def test_or_27_the_sales_manager_rejects_the_detail(client: ServiceClient, flow: OrderFlow) -> None:
    return_id = detailed(flow)
    flow.decide_over_http(f"/returns/{return_id}", "sales-manager", "reject", "outside policy")
    assert client.ok("GET", f"/returns/{return_id}", "salesperson")["status"] == "rejected"
    refused(client, f"/returns/{return_id}/red-outbound", "sales-clerk", "OR-28")


def test_or_28_refused_red_outbound_before_the_sales_managers_step(flow: OrderFlow) -> None:
    return_id = detailed(flow)
    refused(flow.client, f"/returns/{return_id}/red-outbound", "sales-clerk", "OR-28")


def test_or_28_refused_red_outbound_by_a_salesperson(flow: OrderFlow) -> None:
    return_id = approved(flow)
    refused(flow.client, f"/returns/{return_id}/red-outbound", "salesperson", "OR-28")


def test_or_28_refused_receipt_before_the_red_outbound(
    client: ServiceClient, flow: OrderFlow
) -> None:
    return_id = approved(flow)
    body = {"counted": {"P-1": 2}}
    refused(client, f"/returns/{return_id}/receipt", "warehouse", "OR-28", body)


def test_or_29_refused_a_reason_not_configured(client: ServiceClient) -> None:
    body = {"order_id": delivered(client), "reason_code": "changed-mind"}
    refused(client, "/returns", "salesperson", "OR-29", body)
