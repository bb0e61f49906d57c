"""The return of goods through the orders API on a real store (RULES §4.4): from the customer's
application to the counted warehouse receipt, its published events, and each step refused with
its rule id and nothing written (OR-24 … OR-29)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest

from contracts.orders import RedOutboundOrderIssued, ReturnReceivedIntoWarehouse
from kernel.settings import KernelSettings
from orders.adapters.outbound import OUTBOUND
from orders.bootstrap import SPEC
from tests.orders.test_delivery_signing import answer, issue_link, shipped_order
from tests.orders.test_sales_order_api import refused
from tests.service_client import ServiceClient, service_client
from tests.signers import Signers

GOODS = {"product_code": "P-1", "description": "pump", "quantity": 2}


@pytest.fixture
def client(store_settings: KernelSettings) -> Iterator[ServiceClient]:
    with service_client(SPEC, store_settings) as client:
        Signers(store_settings.keys_path).put_policies_in_force(client.app)
        yield client


def delivered(client: ServiceClient) -> str:
    order_id = shipped_order(client)
    assert answer(client, issue_link(client, order_id)).status_code == 200
    return order_id


def requested(client: ServiceClient, order_id: str | None = None) -> str:
    body = {"order_id": order_id or delivered(client), "reason_code": "defective"}
    made: dict[str, Any] = client.ok("POST", "/returns", "salesperson", body)
    assert made["status"] == "requested"
    return str(made["return_id"])


def verified(client: ServiceClient, quantity: int = 2, order_id: str | None = None) -> str:
    return_id = requested(client, order_id)
    client.ok("POST", f"/returns/{return_id}/confirmation", "branch-manager")
    lines = {"lines": [GOODS | {"quantity": quantity}]}
    client.ok("POST", f"/returns/{return_id}/verification", "salesperson", lines)
    return return_id


def approved(client: ServiceClient) -> str:
    return_id = verified(client)
    client.ok("POST", f"/returns/{return_id}/authentication", "technical", {"genuine": True})
    client.ok("POST", f"/returns/{return_id}/detail", "salesperson")
    client.ok("POST", f"/returns/{return_id}/decision", "sales-manager", {"approve": True})
    return return_id


def published(client: ServiceClient, return_id: str) -> list[Any]:
    return [OUTBOUND(event) for event in client.app.events.get(UUID(return_id))]


def test_or_24_to_or_29_a_return_from_request_to_warehouse_receipt(client: ServiceClient) -> None:
    return_id = approved(client)
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


def test_or_24_refused_for_an_order_not_delivered(client: ServiceClient) -> None:
    order_id = shipped_order(client)
    body = {"order_id": order_id, "reason_code": "defective"}
    refused(client, "/returns", "salesperson", "OR-24", body)


def test_or_24_refused_confirmation_by_the_salesperson(client: ServiceClient) -> None:
    return_id = requested(client)
    refused(client, f"/returns/{return_id}/confirmation", "salesperson", "OR-24")


def test_or_25_refused_more_than_delivered_net_of_earlier_returns(client: ServiceClient) -> None:
    order_id = delivered(client)
    verified(client, 1, order_id)
    return_id = requested(client, order_id)
    client.ok("POST", f"/returns/{return_id}/confirmation", "branch-manager")
    body = {"lines": [GOODS]}
    refused(client, f"/returns/{return_id}/verification", "salesperson", "OR-25", body)
    client.ok(
        "POST",
        f"/returns/{return_id}/verification",
        "salesperson",
        {"lines": [GOODS | {"quantity": 1}]},
    )


def test_or_25_goods_of_a_return_rejected_count_as_not_returned(client: ServiceClient) -> None:
    order_id = delivered(client)
    first = verified(client, 2, order_id)
    client.ok("POST", f"/returns/{first}/authentication", "technical", {"genuine": False})
    assert verified(client, 2, order_id)


def test_or_26_refused_authentication_by_the_salesperson(client: ServiceClient) -> None:
    return_id = verified(client)
    body = {"genuine": True}
    refused(client, f"/returns/{return_id}/authentication", "salesperson", "OR-26", body)


def test_or_26_goods_not_genuine_are_rejected(client: ServiceClient) -> None:
    return_id = verified(client)
    body = {"genuine": False, "note": "counterfeit"}
    done = client.ok("POST", f"/returns/{return_id}/authentication", "technical", body)
    assert done["status"] == "rejected"
    refused(client, f"/returns/{return_id}/detail", "salesperson", "OR-27")


def test_or_27_refused_approval_by_the_branch_manager(client: ServiceClient) -> None:
    return_id = verified(client)
    client.ok("POST", f"/returns/{return_id}/authentication", "technical", {"genuine": True})
    client.ok("POST", f"/returns/{return_id}/detail", "salesperson")
    body = {"approve": True}
    refused(client, f"/returns/{return_id}/decision", "branch-manager", "OR-27", body)


def test_or_28_refused_red_outbound_by_a_salesperson(client: ServiceClient) -> None:
    return_id = approved(client)
    refused(client, f"/returns/{return_id}/red-outbound", "salesperson", "OR-28")


def test_or_28_refused_receipt_before_the_red_outbound(client: ServiceClient) -> None:
    return_id = approved(client)
    body = {"counted": {"P-1": 2}}
    refused(client, f"/returns/{return_id}/receipt", "warehouse", "OR-28", body)


def test_or_29_refused_a_reason_not_configured(client: ServiceClient) -> None:
    body = {"order_id": delivered(client), "reason_code": "changed-mind"}
    refused(client, "/returns", "salesperson", "OR-29", body)
