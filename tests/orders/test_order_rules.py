"""The sales order's rules, with their refusal paths, at the aggregate that guards them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from orders.domain.known_customer import KnownCustomer
from orders.domain.order import Order, OrderLine, OrderStatus
from runtime import clock
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting

LINE = OrderLine("P-1", "pump", 2, Decimal("10.50"), ("SN-1", "SN-2"))


@pytest.fixture(autouse=True)
def command_context() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def approved_customer() -> KnownCustomer:
    customer = KnownCustomer.learn(uuid4(), "ACME")
    customer.approve(Decimal(1000), "CNY")
    return customer


def test_cu02_no_order_for_unknown_or_unapproved_customer() -> None:
    with pytest.raises(RuleViolation) as unknown:
        Order.place(None, (LINE,), "salesperson")
    assert unknown.value.rule == "CU-02"
    with pytest.raises(RuleViolation) as unapproved:
        Order.place(KnownCustomer.learn(uuid4(), "New Co"), (LINE,), "salesperson")
    assert unapproved.value.rule == "CU-02"
    order = Order.place(approved_customer(), (LINE,), "salesperson")
    assert order.total == Decimal("21.00")
    assert order.currency == "CNY"


def test_or16_an_order_needs_lines() -> None:
    with pytest.raises(RuleViolation) as refused:
        Order.place(approved_customer(), (), "salesperson")
    assert refused.value.rule == "OR-16"


def test_or19_or22_ship_once_then_confirm_delivery() -> None:
    order = Order.place(approved_customer(), (LINE,), "salesperson")
    with pytest.raises(RuleViolation) as early:
        order.confirm_delivery(clock.now(), clock.now())
    assert early.value.rule == "OR-22"
    order.ship("warehouse")
    with pytest.raises(RuleViolation) as twice:
        order.ship("warehouse")
    assert twice.value.rule == "OR-19"
    order.confirm_delivery(clock.now(), clock.now())
    assert order.status is OrderStatus.DELIVERED
    shipped = [e for e in order.collect_events() if isinstance(e, Order.GoodsIssued)]
    assert shipped[0].lines == (LINE,)
    assert shipped[0].meta["actor"] == "tester"


@pytest.mark.parametrize(
    "received",
    [timedelta(days=-1), timedelta(hours=1), timedelta(days=365 * 7000)],
    ids=["before the shipment", "in the future", "year 9000"],
)
def test_or22_goods_are_received_between_their_shipment_and_now(received: timedelta) -> None:
    order = Order.place(approved_customer(), (LINE,), "salesperson")
    order.ship("warehouse")
    shipped = order.shipped_at
    assert shipped is not None
    with pytest.raises(RuleViolation) as refused:
        order.confirm_delivery(shipped + received, now=shipped + timedelta(minutes=10))
    assert refused.value.rule == "OR-22"
    assert order.status is OrderStatus.SHIPPED
    order.confirm_delivery(shipped + timedelta(minutes=9), now=shipped + timedelta(minutes=10))
    assert order.status is OrderStatus.DELIVERED
