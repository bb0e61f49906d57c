"""The return's rules at the aggregate that guards them (RULES §4.4): the request and the branch
manager's confirmation (OR-24), the salesperson's check (OR-25), authentication (OR-26), the sales
manager's approval of the return detail (OR-27) -- the decisions as the steps of the authority
matrix's ``return`` chain --, the red outbound order and warehouse receipt (OR-28) and the return
policy (OR-29), allowed and refused."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from kernel.approvals.domain import ApprovalStatus
from kernel.roles import Role
from orders.domain.order import OrderLine, OrderStatus
from orders.domain.product_return import (
    AUTHENTICATION_STEP,
    CONFIRMATION_STEP,
    DETAIL_STEP,
    RETURN,
    ProductReturn,
    ReturnStatus,
)
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting
from tests.orders.test_quote_rules import MATRIX, grant, refused, reject

NOW = datetime(2026, 6, 1, 9, tzinfo=UTC)
SALESPERSON = frozenset({Role.SALESPERSON})
CLERK = frozenset({Role.SALES_CLERK})
KEEPER = frozenset({Role.WAREHOUSE_KEEPER})
PUMP = ("P-1", "Pump 2kW")


@pytest.fixture(autouse=True)
def command_context() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


@dataclass
class Delivered:
    status: OrderStatus = OrderStatus.DELIVERED
    received_at: datetime | None = NOW - timedelta(days=3)
    id: UUID = field(default_factory=uuid4)
    customer_id: UUID = field(default_factory=uuid4)
    currency: str = "CNY"
    lines: tuple[OrderLine, ...] = (OrderLine(*PUMP, 5, Decimal("100"), ()),)


REASONS = ("defective", "wrong_goods")
"""OR-29: the reasons the rule parameters in force list (the tests' own)."""
WINDOW = timedelta(days=30)


def in_chain(ret: ProductReturn) -> ProductReturn:
    """Sent to the authority matrix's ``return`` chain, as the application does."""
    ret.request_approval(uuid4(), MATRIX.rule(RETURN), 1, ret.requested_by)
    return ret


def requested(order: Delivered | None = None, reason: str = "defective") -> ProductReturn:
    order = order or Delivered()
    return in_chain(ProductReturn.request(order, reason, "sp", SALESPERSON, NOW, REASONS, WINDOW))


def confirmed() -> ProductReturn:
    ret = requested()
    grant(ret, CONFIRMATION_STEP, "bm", Role.BRANCH_MANAGER)
    return ret


def verified(quantity: int = 2) -> ProductReturn:
    ret = confirmed()
    ret.verify(((*PUMP, quantity),), "sp2", SALESPERSON)
    return ret


def authenticated() -> ProductReturn:
    ret = verified()
    grant(ret, AUTHENTICATION_STEP, "tech", Role.TECHNICAL_DEPARTMENT)
    return ret


def pending() -> ProductReturn:
    ret = authenticated()
    ret.submit_detail("sp2", SALESPERSON)
    return ret


def approved() -> ProductReturn:
    ret = pending()
    grant(ret, DETAIL_STEP, "sm", Role.SALES_MANAGER)
    return ret


def issued() -> ProductReturn:
    ret = approved()
    ret.issue_red_outbound(uuid4(), "clerk", CLERK)
    return ret


def test_or_24_a_delivered_orders_return_is_requested_and_confirmed_by_the_branch() -> None:
    ret = requested()
    assert ret.status is ReturnStatus.REQUESTED
    approval = ret.approval
    assert approval is not None and approval.policy_version == 1
    assert [s.step.name for s in approval.steps] == [
        CONFIRMATION_STEP,
        AUTHENTICATION_STEP,
        DETAIL_STEP,
    ]
    grant(ret, CONFIRMATION_STEP, "bm", Role.BRANCH_MANAGER)
    assert ret.status is ReturnStatus.VERIFYING
    assert approval.steps[0].decided_by == "bm"


def test_or_24_the_branch_manager_rejecting_the_request_ends_it() -> None:
    ret = requested()
    reject(ret, CONFIRMATION_STEP, "bm", Role.BRANCH_MANAGER, "no delivery on record")
    assert ret.status is ReturnStatus.REJECTED


def test_or_24_refused_for_an_order_not_delivered() -> None:
    with pytest.raises(RuleViolation) as excinfo:
        requested(Delivered(status=OrderStatus.SHIPPED))
    refused("OR-24", excinfo)


def test_or_24_refused_unless_reported_by_a_salesperson() -> None:
    with pytest.raises(RuleViolation) as excinfo:
        ProductReturn.request(Delivered(), "defective", "x", CLERK, NOW, REASONS, WINDOW)
    refused("OR-24", excinfo)


def test_or_24_xc_07_refused_confirmation_by_anyone_but_the_branch_manager() -> None:
    ret = requested()
    with pytest.raises(RuleViolation) as excinfo:
        grant(ret, CONFIRMATION_STEP, "sm", Role.SALES_MANAGER)
    refused("XC-07", excinfo)
    assert ret.status is ReturnStatus.REQUESTED


def test_or_24_xc_05_refused_confirmation_by_the_salesperson_who_reported_it() -> None:
    ret = requested()
    with pytest.raises(RuleViolation) as excinfo:
        grant(ret, CONFIRMATION_STEP, "sp", Role.BRANCH_MANAGER)
    refused("XC-05", excinfo)
    assert ret.status is ReturnStatus.REQUESTED


def test_or_25_refused_before_the_branch_confirmed() -> None:
    ret = requested()
    with pytest.raises(RuleViolation) as excinfo:
        ret.verify(((*PUMP, 1),), "sp", SALESPERSON)
    refused("OR-25", excinfo)


def test_or_25_goods_checked_against_the_original_lines() -> None:
    ret = verified(5)
    assert ret.status is ReturnStatus.AUTHENTICATING
    assert ret.lines[0].quantity == 5
    assert ret.lines[0].unit_price == Decimal("100")


@pytest.mark.parametrize(
    ("line", "already"),
    [
        (("P-1", "Pump 2kW", 6), 0),
        (("P-1", "Pump 2kW", 3), 3),
        (("P-1", "Pump 3kW", 1), 0),
        (("P-9", "Pump 2kW", 1), 0),
        (("P-1", "Pump 2kW", 0), 0),
    ],
)
def test_or_25_refused_goods_not_matching_or_more_than_delivered(
    line: tuple[str, str, int], already: int
) -> None:
    ret = confirmed()
    with pytest.raises(RuleViolation) as excinfo:
        ret.verify((line,), "sp", SALESPERSON, {"P-1": already})
    refused("OR-25", excinfo)
    assert ret.status is ReturnStatus.VERIFYING


def test_or_25_refused_authentication_before_the_salespersons_check() -> None:
    ret = confirmed()
    with pytest.raises(RuleViolation) as excinfo:
        grant(ret, AUTHENTICATION_STEP, "tech", Role.TECHNICAL_DEPARTMENT)
    refused("OR-25", excinfo)
    with pytest.raises(RuleViolation) as excinfo:
        reject(ret, AUTHENTICATION_STEP, "tech", Role.TECHNICAL_DEPARTMENT, "fake")
    refused("OR-25", excinfo)
    assert ret.status is ReturnStatus.VERIFYING


def test_or_26_genuine_goods_go_on_to_the_return_detail() -> None:
    ret = authenticated()
    assert ret.status is ReturnStatus.DETAIL_PENDING


def test_or_26_goods_not_genuine_end_in_rejected() -> None:
    ret = verified()
    reject(ret, AUTHENTICATION_STEP, "tech", Role.TECHNICAL_DEPARTMENT, "counterfeit label")
    assert ret.status is ReturnStatus.REJECTED
    approval = ret.approval
    assert approval is not None and approval.status is ApprovalStatus.REJECTED
    with pytest.raises(RuleViolation) as excinfo:
        ret.submit_detail("sp", SALESPERSON)
    refused("OR-27", excinfo)


def test_or_26_xc_07_refused_unless_the_technical_department_authenticates() -> None:
    ret = verified()
    with pytest.raises(RuleViolation) as excinfo:
        grant(ret, AUTHENTICATION_STEP, "sm", Role.SALES_MANAGER)
    refused("XC-07", excinfo)


def test_or_26_xc_05_the_branch_manager_who_confirmed_does_not_authenticate() -> None:
    ret = verified()
    with pytest.raises(RuleViolation) as excinfo:
        grant(ret, AUTHENTICATION_STEP, "bm", Role.TECHNICAL_DEPARTMENT)
    refused("XC-05", excinfo)


def test_or_27_the_sales_manager_approves_the_return_detail() -> None:
    ret = approved()
    assert ret.status is ReturnStatus.APPROVED
    approval = ret.approval
    assert approval is not None and approval.status is ApprovalStatus.APPROVED


def test_or_27_refused_the_sales_managers_step_before_the_detail() -> None:
    ret = authenticated()
    with pytest.raises(RuleViolation) as excinfo:
        grant(ret, DETAIL_STEP, "sm", Role.SALES_MANAGER)
    refused("OR-27", excinfo)
    assert ret.status is ReturnStatus.DETAIL_PENDING


def test_or_27_xc_07_refused_approval_by_the_branch_manager() -> None:
    ret = pending()
    with pytest.raises(RuleViolation) as excinfo:
        grant(ret, DETAIL_STEP, "bm2", Role.BRANCH_MANAGER)
    refused("XC-07", excinfo)


def test_or_27_refused_detail_before_authentication() -> None:
    ret = verified()
    with pytest.raises(RuleViolation) as excinfo:
        ret.submit_detail("sp", SALESPERSON)
    refused("OR-27", excinfo)


def test_or_27_a_rejected_detail_ends_the_return() -> None:
    ret = pending()
    reject(ret, DETAIL_STEP, "sm", Role.SALES_MANAGER, "outside policy")
    assert ret.status is ReturnStatus.REJECTED


def test_or_28_the_clerk_issues_the_red_outbound_and_the_warehouse_receives() -> None:
    ret = issued()
    assert ret.status is ReturnStatus.AWAITING_WAREHOUSE
    assert ret.receive({"P-1": 2}, "wk", KEEPER, NOW) == ""
    assert ret.status is ReturnStatus.RECEIVED


def test_or_28_refused_red_outbound_before_approval_or_by_a_salesperson() -> None:
    ret = pending()
    with pytest.raises(RuleViolation) as excinfo:
        ret.issue_red_outbound(uuid4(), "clerk", CLERK)
    refused("OR-28", excinfo)
    grant(ret, DETAIL_STEP, "sm", Role.SALES_MANAGER)
    with pytest.raises(RuleViolation) as excinfo:
        ret.issue_red_outbound(uuid4(), "sp", SALESPERSON)
    refused("OR-28", excinfo)


def test_or_28_refused_receipt_by_anyone_but_the_warehouse_keeper() -> None:
    ret = issued()
    with pytest.raises(RuleViolation) as excinfo:
        ret.receive({"P-1": 2}, "clerk", CLERK, NOW)
    refused("OR-28", excinfo)


def test_or_29_the_count_records_any_discrepancy() -> None:
    ret = issued()
    assert ret.receive({"P-1": 1}, "wk", KEEPER, NOW) == "P-1: expected 2, counted 1"


def test_or_29_refused_a_count_of_goods_not_returned() -> None:
    ret = issued()
    with pytest.raises(RuleViolation) as excinfo:
        ret.receive({"P-9": 1}, "wk", KEEPER, NOW)
    refused("OR-29", excinfo)


def test_or_29_refused_a_reason_not_configured() -> None:
    with pytest.raises(RuleViolation) as excinfo:
        requested(reason="changed my mind")
    refused("OR-29", excinfo)


def test_or_29_refused_after_the_return_window() -> None:
    with pytest.raises(RuleViolation) as excinfo:
        requested(Delivered(received_at=NOW - timedelta(days=31)))
    refused("OR-29", excinfo)


def test_c10_row_16_service_desk_originates_an_exchange_the_branch_manager_confirms() -> None:
    call_id = uuid4()
    # Long after OR-29's window: a defect found in service is not a customer's return.
    order = Delivered(received_at=NOW - timedelta(days=300))
    exchange = ProductReturn.exchange_for(order, call_id, "technician")
    assert exchange is not None
    assert (exchange.id, exchange.exchange, exchange.service_call_id) == (
        ProductReturn.id_for_call(call_id),
        True,
        call_id,
    )
    assert (exchange.reason_code, exchange.requested_by) == ("defective", "technician")
    grant(in_chain(exchange), CONFIRMATION_STEP, "bm", Role.BRANCH_MANAGER)
    assert exchange.status is ReturnStatus.VERIFYING


def test_c10_row_16_no_exchange_of_goods_never_delivered_refused() -> None:
    shipped = Delivered(status=OrderStatus.SHIPPED, received_at=None)
    assert ProductReturn.exchange_for(shipped, uuid4(), "technician") is None
    assert requested().exchange is False and requested().service_call_id is None
