"""XC-03 in orders: a verbal, phone or fax instruction is only a trigger; the order binds, and
goes on to its goods request, only through the sales manager's written (signed) confirmation of
OR-14, at the aggregate and through the API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from orders.domain.order import UNCONTRACTED_ORDER, Order, OrderStatus, UncontractedChannel
from runtime.unit_of_work import CommandContext, acting
from tests.orders.order_flow import OrderFlow
from tests.orders.test_order_rules import LINE, approval, approved_customer, refusal, submit
from tests.orders.test_sales_order_api import refused
from tests.service_client import ServiceClient


@pytest.fixture
def in_context() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


@pytest.mark.parametrize("channel", list(UncontractedChannel))
def test_xc_03_an_instruction_binds_only_once_confirmed_in_writing(
    in_context: None, channel: UncontractedChannel
) -> None:
    order = Order.place(
        approved_customer(), (LINE,), "salesperson", uncontracted=(channel, "told us so")
    )
    assert order.status is OrderStatus.AWAITING_CONFIRMATION
    with refusal("OR-14"):
        submit(order)
    order.on_approved(approval(UNCONTRACTED_ORDER, order))
    submit(order)
    assert order.status is OrderStatus.PENDING_APPROVAL


def test_xc_03_refused_an_order_on_nothing_in_writing(in_context: None) -> None:
    with refusal("OR-14"):
        Order.place(approved_customer(), (LINE,), "salesperson")


def test_xc_03_a_verbal_order_waits_for_the_sales_managers_signed_confirmation(
    client: ServiceClient, flow: OrderFlow
) -> None:
    told = {"channel": "verbal", "reason": "the buyer asked at the fair; contract to follow"}
    order_id = flow.place(flow.customer(), uncontracted=told)["order_id"]
    refused(client, f"/orders/{order_id}/submit", "salesperson", "OR-14")
    flow.decide(order_id, "sales-manager")
    approval_view = client.ok("GET", f"/orders/{order_id}/approval", "sales-manager")
    assert approval_view["status"] == "approved"
    assert approval_view["steps"][0]["decided_by"] == "sales-manager"
    submitted = client.ok("POST", f"/orders/{order_id}/submit", "salesperson")
    assert submitted["status"] == "pending_approval"
