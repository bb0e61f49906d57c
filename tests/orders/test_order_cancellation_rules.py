"""An order's cancellation at the aggregates that guard it (RULES §4.3, OR-17): asked for by the
sales department before shipment and decided in the authority matrix's ``order_cancellation``
chain by the sales manager, allowed and refused."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import pytest

from kernel.roles import Role
from orders.domain.order import Order, OrderStatus
from orders.domain.order_cancellation import (
    ORDER_CANCELLATION,
    CancellationStatus,
    OrderCancellation,
)
from runtime.unit_of_work import CommandContext, acting
from tests.orders.test_order_rules import (
    LINE,
    approved_customer,
    credit_checked,
    refusal,
    to_the_warehouse,
)
from tests.orders.test_quote_rules import MATRIX, grant, reject

SALES = frozenset({Role.SALESPERSON})


@pytest.fixture(autouse=True)
def command_context() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def order() -> Order:
    placed = Order.place(approved_customer(), (LINE,), "salesperson", uuid4())
    credit_checked(placed)
    return placed


def asked(placed: Order, reason: str = "the customer withdrew") -> OrderCancellation:
    cancellation = OrderCancellation.request(placed, reason, "salesperson", SALES)
    rule = MATRIX.rule(ORDER_CANCELLATION)
    cancellation.request_approval(uuid4(), rule, 1, "salesperson", placed.total)
    return cancellation


def test_or_17_a_cancellation_goes_to_the_sales_manager_before_the_order_is_cancelled() -> None:
    placed = order()
    cancellation = asked(placed)
    assert cancellation.id == OrderCancellation.id_for(placed.id)
    assert (cancellation.status, placed.status) == (
        CancellationStatus.PENDING_APPROVAL,
        OrderStatus.CREDIT_CHECK,
    )
    approval = cancellation.approval
    assert approval is not None
    assert [s.step.name for s in approval.steps] == ["sales_manager"]
    grant(cancellation, "sales_manager", "sm", Role.SALES_MANAGER)
    assert (cancellation.status, cancellation.decided_by) == (CancellationStatus.APPROVED, "sm")


def test_or_17_a_rejected_cancellation_is_asked_for_again_never_twice_at_once() -> None:
    placed = order()
    cancellation = asked(placed)
    with refusal("OR-17"):
        cancellation.request_again(placed, "still", "salesperson", SALES)
    reject(cancellation, "sales_manager", "sm", Role.SALES_MANAGER, "the goods are reserved")
    assert cancellation.status is CancellationStatus.REJECTED
    cancellation.request_again(placed, "the customer insists", "salesperson", SALES)
    assert (cancellation.status, cancellation.reason) == (
        CancellationStatus.PENDING_APPROVAL,
        "the customer insists",
    )


def test_or_17_refused_after_shipment_or_without_a_reason() -> None:
    shipped = Order.place(approved_customer(), (LINE,), "salesperson", uuid4())
    to_the_warehouse(shipped)
    shipped.ship("warehouse")
    with refusal("OR-17"):
        OrderCancellation.request(shipped, "too late", "salesperson", SALES)
    with refusal("OR-17"):
        OrderCancellation.request(order(), " ", "salesperson", SALES)


def test_or_17_refused_unless_the_sales_department_asks() -> None:
    with refusal("OR-17"):
        OrderCancellation.request(order(), "x", "wk", frozenset({Role.WAREHOUSE_KEEPER}))


def test_or_17_xc_05_xc_07_only_another_sales_manager_approves_it() -> None:
    cancellation = asked(order())
    with refusal("XC-07"):
        grant(cancellation, "sales_manager", "bm", Role.BRANCH_MANAGER)
    with refusal("XC-05"):
        grant(cancellation, "sales_manager", "salesperson", Role.SALES_MANAGER)
    assert cancellation.status is CancellationStatus.PENDING_APPROVAL
