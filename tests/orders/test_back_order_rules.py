"""OR-30 at the sales order: its key contents confirmed before it is submitted, the back-order
slip for what the warehouse could not issue (RULES §4.3 "Partial"), and the customer's
acceptance of what was delivered."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar
from uuid import uuid4

import pytest

from orders.domain.order import (
    DeliveryTerms,
    IssuedQuantity,
    Order,
    OrderLine,
    OrderStatus,
)
from runtime import clock
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting
from tests.orders.test_order_rules import (
    LINE,
    TERMS,
    approved_customer,
    customer_signs,
    refusal,
    to_the_warehouse,
)

E = TypeVar("E", bound=Order.Event)
VALVE = OrderLine("V-9", "valve DN50", 5, Decimal("4.00"), ())


@pytest.fixture(autouse=True)
def command_context() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def placed(*lines: OrderLine) -> Order:
    return Order.place(approved_customer(), lines or (LINE, VALVE), "salesperson", uuid4())


def short(*issued: IssuedQuantity, expected: date | None = None) -> tuple:  # type: ignore[type-arg]
    return (issued, uuid4(), expected)


def events_of(order: Order, kind: type[E]) -> list[E]:
    """The events of ``kind`` among those ``order`` triggered since the last call."""
    return [event for event in order.collect_events() if isinstance(event, kind)]


# -- the order's key contents


def test_or_30_an_order_is_submitted_once_its_key_contents_are_confirmed() -> None:
    order = placed()
    assert order.unconfirmed == ["delivery date", "delivery place", "payment terms"]
    order.confirm_contents(TERMS, "salesperson")
    assert order.unconfirmed == []
    order.submit("salesperson")
    assert order.status is OrderStatus.PENDING_APPROVAL
    [confirmed] = events_of(order, Order.ContentsConfirmed)
    assert (confirmed.delivery_place, confirmed.payment_terms_days) == (TERMS.delivery_place, 30)


def test_or_30_stated_at_placing_the_key_contents_need_no_second_confirmation() -> None:
    order = Order.place(approved_customer(), (LINE,), "salesperson", uuid4(), terms=TERMS)
    assert order.unconfirmed == []
    order.submit("salesperson")
    assert order.status is OrderStatus.PENDING_APPROVAL
    # A correction keeps what it does not restate.
    later = Order.place(approved_customer(), (LINE,), "salesperson", uuid4(), terms=TERMS)
    later.confirm_contents(DeliveryTerms(payment_terms_days=60), "salesperson")
    assert (later.payment_terms_days, later.delivery_place) == (60, TERMS.delivery_place)


def test_or_30_submitting_an_order_with_key_contents_missing_is_refused() -> None:
    unpriced = replace(VALVE, description=" ", unit_price=Decimal(0))
    order = placed(LINE, unpriced)
    with pytest.raises(RuleViolation) as refused:
        order.submit("salesperson")
    assert refused.value.rule == "OR-30"
    assert refused.value.details["missing"] == [
        "items and specifications",
        "prices",
        "delivery date",
        "delivery place",
        "payment terms",
    ]
    assert order.status is OrderStatus.DRAFT and order.collect_events()[1:] == []


def test_or_30_a_confirmation_leaving_contents_out_is_refused() -> None:
    order = placed()
    with pytest.raises(RuleViolation) as refused:
        order.confirm_contents(DeliveryTerms(date(2099, 1, 1), ""), "salesperson")
    assert refused.value.rule == "OR-30"
    assert refused.value.details["missing"] == ["delivery place", "payment terms"]
    yesterday = clock.now().date() - timedelta(days=1)
    with refusal("OR-30"):
        order.confirm_contents(replace(TERMS, delivery_date=yesterday), "salesperson")
    order.confirm_contents(TERMS, "salesperson")
    order.submit("salesperson")
    with refusal("OR-30"):  # the approvers have it: no change under them
        order.confirm_contents(replace(TERMS, payment_terms_days=90), "salesperson")


# -- back orders


def test_or_30_a_short_shipment_creates_a_back_order_issued_later() -> None:
    order = placed()
    to_the_warehouse(order)
    slip = short(IssuedQuantity(0, 2), IssuedQuantity(1, 3), expected=date(2099, 1, 15))
    order.ship("warehouse", short=slip)
    triggered = order.collect_events()
    [first] = [e for e in triggered if isinstance(e, Order.GoodsIssued)]
    [back_order] = [e for e in triggered if isinstance(e, Order.BackOrderCreated)]
    assert first.lines == (LINE, replace(VALVE, quantity=3)) and first.back_order_id is None
    assert back_order.lines == (replace(VALVE, quantity=2),)
    assert (back_order.back_order_id, back_order.expected_date) == (slip[1], date(2099, 1, 15))
    # §4.3: the rest returns to ReadyToIssue; the customer accepts once it is all out.
    assert order.status is OrderStatus.READY_TO_ISSUE
    with refusal("OR-30"):
        customer_signs(order)
    order.issue_outbound(None, uuid4(), None, "sales-clerk", clock.now())
    [outbound] = events_of(order, Order.SalesOutboundOrderIssued)
    assert outbound.lines == (replace(VALVE, quantity=2),)
    order.ship("warehouse")
    [rest] = events_of(order, Order.GoodsIssued)
    assert (rest.lines, rest.back_order_id) == (back_order.lines, back_order.back_order_id)
    assert order.status is OrderStatus.SHIPPED and order.back_order_id is None
    customer_signs(order)
    [delivered] = events_of(order, Order.DeliveryConfirmed)
    assert sum(line.quantity for line in delivered.lines if line.product_code == "V-9") == 5


def test_or_30_serialised_units_left_are_the_ones_named() -> None:
    order = placed(LINE)
    to_the_warehouse(order)
    order.ship("warehouse", short=short(IssuedQuantity(0, 1, ("SN-2",))))
    [issued] = events_of(order, Order.GoodsIssued)
    assert issued.lines[0].serial_numbers == ("SN-2",)
    assert order.back_ordered[0].serial_numbers == ("SN-1",)


@pytest.mark.parametrize(
    "issued",
    [
        (IssuedQuantity(1, 6),),  # more than the line owes
        (IssuedQuantity(0, 0),),  # nothing at all
        (IssuedQuantity(2, 1),),  # no such line
        (IssuedQuantity(0, 1), IssuedQuantity(0, 1)),  # a line twice
        (IssuedQuantity(0, 1, ("SN-9",)),),  # a unit not on the line
    ],
)
def test_or_30_issuing_more_than_the_outbound_order_owes_is_refused(
    issued: tuple[IssuedQuantity, ...],
) -> None:
    order = placed()
    to_the_warehouse(order)
    order.collect_events()
    with refusal("OR-30"):
        order.ship("warehouse", short=short(*issued))
    assert order.status is OrderStatus.AWAITING_WAREHOUSE and order.collect_events() == []


def test_or_30_a_back_orders_outbound_order_issuing_more_than_the_rest_is_refused() -> None:
    order = placed()
    to_the_warehouse(order)
    order.ship("warehouse", short=short(IssuedQuantity(0, 2), IssuedQuantity(1, 3)))
    with refusal("OR-30"):
        order.issue_outbound(None, uuid4(), (VALVE,), "sales-clerk", clock.now())
    with refusal("OR-21"):  # less is not what the slip says either
        order.issue_outbound(None, uuid4(), (replace(VALVE, quantity=1),), "clerk", clock.now())
    order.issue_outbound(None, uuid4(), (replace(VALVE, quantity=2),), "clerk", clock.now())
    with refusal("OR-30"):
        order.ship("warehouse", short=short(IssuedQuantity(0, 3)))


def test_or_30_a_cancelled_back_order_is_not_issued() -> None:
    order = placed()
    to_the_warehouse(order)
    order.ship("warehouse", short=short(IssuedQuantity(0, 2), IssuedQuantity(1, 3)))
    with refusal("OR-30"):  # partly shipped: not cancelled as a whole
        order.check_cancellable("the customer withdrew")
    with refusal("OR-30"):
        order.cancel_back_order(" ", "sales-manager")
    order.cancel_back_order("the valves are discontinued", "sales-manager")
    assert order.status is OrderStatus.SHIPPED and order.back_order_cancelled
    with refusal("OR-30"):
        order.issue_outbound(None, uuid4(), None, "sales-clerk", clock.now())
    with refusal("OR-30"):
        order.ship("warehouse")
    with refusal("OR-30"):
        order.cancel_back_order("again", "sales-manager")
    # The customer accepts what was delivered.
    customer_signs(order)
    [delivered] = events_of(order, Order.DeliveryConfirmed)
    assert delivered.lines == (LINE, replace(VALVE, quantity=3))


def test_or_30_an_order_shipped_whole_has_no_back_order_to_cancel() -> None:
    order = placed()
    to_the_warehouse(order)
    order.ship("warehouse")
    assert events_of(order, Order.BackOrderCreated) == []
    with refusal("OR-30"):
        order.cancel_back_order("nothing owed", "sales-manager")
