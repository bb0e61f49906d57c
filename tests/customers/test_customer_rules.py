"""Each rule the skeleton enforces, with its refusal path, at the aggregate that guards it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from chassis.approvals.matrix import ApprovalRule, AuthorityMatrix
from chassis.domain import CommandContext, RuleViolation, acting

from customers.domain.customer import APPROVAL_KIND, Customer, CustomerStatus
from orders.domain.known_customer import KnownCustomer
from orders.domain.order import Order, OrderLine, OrderStatus
from service_desk.domain.voucher import warranty_end

LINE = OrderLine("P-1", "pump", 2, Decimal("10.50"), ("SN-1", "SN-2"))


@pytest.fixture(autouse=True)
def command_context() -> object:
    with acting(CommandContext(actor="tester")):
        yield


def approved_customer() -> KnownCustomer:
    customer = KnownCustomer(uuid4(), "ACME")
    customer.approve(Decimal(1000), "CNY")
    return customer


def customer_approval() -> ApprovalRule:
    return AuthorityMatrix.load().rule(APPROVAL_KIND)


def submitted(limit: str = "500") -> Customer:
    customer = Customer("ACME", owner_id="owner", registered_by="registrar")
    customer.submit_for_approval(Decimal(limit), "CNY", "registrar")
    customer.request_approval(
        uuid4(), customer_approval(), 1, "registrar", Decimal(limit), customer.approval_conditions()
    )
    return customer


def test_cu02_customer_is_opened_once_the_chain_has_approved() -> None:
    customer = submitted("500")
    assert customer.status is CustomerStatus.PENDING_APPROVAL
    customer.grant("sales_manager", "m1", frozenset({"sales_manager"}), customer.version_hash, "s")
    assert customer.status is CustomerStatus.PENDING_APPROVAL  # CU-02: finance when credit
    customer.grant("finance", "f1", frozenset({"finance"}), customer.version_hash, "s")
    assert customer.status is CustomerStatus.ACTIVE
    assert customer.credit_limit == Decimal(500)
    with pytest.raises(RuleViolation) as again:
        customer.submit_for_approval(Decimal(900), "CNY", "registrar")
    assert again.value.rule == "CU-02"


def test_cu02_cash_only_customer_needs_no_finance_step() -> None:
    customer = submitted("0")
    customer.grant("sales_manager", "m1", frozenset({"sales_manager"}), customer.version_hash, "s")
    assert customer.status is CustomerStatus.ACTIVE


@pytest.mark.parametrize("approver", ["registrar", "owner"])
def test_xc05_registrar_or_owner_cannot_approve(approver: str) -> None:
    customer = submitted()
    with pytest.raises(RuleViolation) as refused:
        customer.grant(
            "sales_manager", approver, frozenset({"sales_manager"}), customer.version_hash, "s"
        )
    assert refused.value.rule == "XC-05"
    assert customer.status is CustomerStatus.PENDING_APPROVAL


def test_cu12_credit_limit_cannot_be_negative() -> None:
    customer = Customer("ACME", owner_id="owner", registered_by="registrar")
    with pytest.raises(RuleViolation) as refused:
        customer.submit_for_approval(Decimal(-1), "CNY", "registrar")
    assert refused.value.rule == "CU-12"


def test_cu02_no_order_for_unknown_or_unapproved_customer() -> None:
    with pytest.raises(RuleViolation) as unknown:
        Order.place(None, [LINE], "salesperson")
    assert unknown.value.rule == "CU-02"
    with pytest.raises(RuleViolation) as unapproved:
        Order.place(KnownCustomer(uuid4(), "New Co"), [LINE], "salesperson")
    assert unapproved.value.rule == "CU-02"
    order = Order.place(approved_customer(), [LINE], "salesperson")
    assert order.total == Decimal("21.00")
    assert order.currency == "CNY"


def test_or16_an_order_needs_lines() -> None:
    with pytest.raises(RuleViolation) as refused:
        Order.place(approved_customer(), [], "salesperson")
    assert refused.value.rule == "OR-16"


def test_or19_or22_ship_once_then_confirm_delivery() -> None:
    order = Order.place(approved_customer(), [LINE], "salesperson")
    with pytest.raises(RuleViolation) as early:
        order.confirm_delivery(datetime(2026, 1, 5, tzinfo=UTC))
    assert early.value.rule == "OR-22"
    order.ship("warehouse")
    with pytest.raises(RuleViolation) as twice:
        order.ship("warehouse")
    assert twice.value.rule == "OR-19"
    order.confirm_delivery(datetime(2026, 1, 5, tzinfo=UTC))
    assert order.status is OrderStatus.DELIVERED
    shipped = [e for e in order.collect_events() if isinstance(e, Order.GoodsIssued)]
    assert shipped[0].lines == [LINE]
    assert shipped[0].meta["actor"] == "tester"


@pytest.mark.parametrize(
    ("delivered", "until"),
    [(date(2026, 3, 15), date(2027, 3, 15)), (date(2024, 2, 29), date(2025, 2, 28))],
)
def test_sd02_warranty_runs_twelve_months_from_delivery(delivered: date, until: date) -> None:
    assert warranty_end(delivered) == until


def test_domain_events_need_a_command_context() -> None:
    with acting(CommandContext(actor="x")):
        customer = Customer("ACME", owner_id="o", registered_by="r")
    token_free = Customer.__new__(Customer)
    assert token_free is not None
    assert customer.collect_events()[0].meta["actor"] == "x"
