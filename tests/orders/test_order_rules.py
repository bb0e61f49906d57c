"""The sales order's rules, with their refusal paths, at the aggregate that guards them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from kernel.signing.domain import CustomerAnswer, SealedAnswer
from orders.domain.known_customer import KnownCustomer
from orders.domain.order import Order, OrderLine, OrderStatus
from runtime import clock
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting
from tests.signers import DRAWN, on_paper

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


def customer_signs(order: Order, now: datetime | None = None) -> None:
    """The customer's contact signs the delivery confirmation through their link."""
    now = now or clock.now()
    token_hash = hashlib.sha256(b"secret").hexdigest()
    order.request_customer_signature(
        uuid4(), token_hash, "Zhao Lan", "", "sales-clerk", now + timedelta(hours=1), now
    )
    request = order.signing_request(token_hash)
    assert request is not None
    answer = CustomerAnswer(True, "Zhao Lan", "", "ab" * 32, "10.0.0.1", "Phone", now)
    sealed = SealedAnswer(answer, "service:orders", "seal")
    order.customer_signs(uuid4(), request, sealed, DRAWN, now)


def test_or19_or22_ship_once_then_the_customer_signs_the_delivery() -> None:
    order = Order.place(approved_customer(), (LINE,), "salesperson")
    with pytest.raises(RuleViolation) as early:
        customer_signs(order)
    assert early.value.rule == "OR-22"
    order.ship("warehouse")
    with pytest.raises(RuleViolation) as twice:
        order.ship("warehouse")
    assert twice.value.rule == "OR-19"
    customer_signs(order)
    assert order.status is OrderStatus.DELIVERED
    with pytest.raises(RuleViolation) as again:
        customer_signs(order)
    assert again.value.rule == "OR-22"
    events = order.collect_events()
    shipped = [e for e in events if isinstance(e, Order.GoodsIssued)]
    assert shipped[0].lines == (LINE,)
    assert shipped[0].meta["actor"] == "tester"
    [delivered] = [e for e in events if isinstance(e, Order.DeliveryConfirmed)]
    assert delivered.received_at == order.received_at


@pytest.fixture
def placed_yesterday() -> Iterator[Order]:
    """An order placed a day ago and shipped now."""
    now = clock.now()
    clock.use(lambda: now - timedelta(days=1))
    try:
        order = Order.place(approved_customer(), (LINE,), "salesperson")
    finally:
        clock.use(lambda: datetime.now(tz=UTC))
    order.ship("warehouse")
    yield order


def test_or22_a_paper_confirmation_signed_before_the_shipment_is_refused(
    placed_yesterday: Order,
) -> None:
    order = placed_yesterday
    assert order.shipped_at is not None
    before = replace(on_paper(), signed_at=order.shipped_at - timedelta(hours=12))
    with pytest.raises(RuleViolation) as refused:
        order.capture_signature(uuid4(), before, "sales-clerk", "seal", clock.now())
    assert refused.value.rule == "OR-22"
    assert order.status is OrderStatus.SHIPPED
    order.capture_signature(uuid4(), on_paper(), "sales-clerk", "seal", clock.now())
    assert order.status is OrderStatus.DELIVERED


def test_or22_the_delivery_confirmation_shows_the_order_as_shipped() -> None:
    order = Order.place(approved_customer(), (LINE,), "salesperson")
    order.ship("warehouse")
    sheet = order.signing_sheet()
    assert sheet.title == "Delivery confirmation"
    assert ("Customer", "ACME") in sheet.facts and ("Total", "21.00 CNY") in sheet.facts
    assert sheet.table_rows == (("P-1", "pump", "2", "10.50", "SN-1, SN-2"),)


def test_cu_22_an_open_order_follows_the_account_and_a_completed_one_keeps_its_owner() -> None:
    customer = approved_customer()
    customer.change_owner("salesperson-1")
    open_order = Order.place(customer, (LINE,), "salesperson")
    completed = Order.place(customer, (LINE,), "salesperson")
    completed.ship("warehouse")
    customer_signs(completed)
    handover_id = uuid4()
    for order in (open_order, completed):
        order.reassign("salesperson-2", handover_id)
    assert (open_order.account_owner_id, completed.account_owner_id) == (
        "salesperson-2",
        "salesperson-1",
    )
    [moved] = [e for e in open_order.collect_events() if isinstance(e, Order.Reassigned)]
    assert moved.handover_id == handover_id
    customer.change_owner("salesperson-2")
    assert Order.place(customer, (LINE,), "salesperson").account_owner_id == "salesperson-2"
