"""The sales order's rules, with their refusal paths, at the aggregate that guards them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from kernel.approvals.domain import ApprovalState
from kernel.signing.domain import CustomerAnswer, SealedAnswer
from orders.domain.known_customer import KnownCustomer
from orders.domain.order import (
    GOODS_REQUEST,
    OVER_CREDIT_SALE,
    UNCONTRACTED_ORDER,
    DeliveryTerms,
    Order,
    OrderLine,
    OrderStatus,
    ShipmentDelay,
    UncontractedChannel,
)
from runtime import clock
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting
from tests.signers import DRAWN, on_paper

LINE = OrderLine("P-1", "pump", 2, Decimal("10.50"), ("SN-1", "SN-2"))
TERMS = DeliveryTerms(date(2099, 12, 31), "Pudong warehouse 3, Shanghai", 30)


@pytest.fixture(autouse=True)
def command_context() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def approved_customer() -> KnownCustomer:
    customer = KnownCustomer.learn(uuid4(), "ACME")
    customer.approve(Decimal(1000), "CNY")
    return customer


def approval(kind: str, order: Order) -> ApprovalState:
    """The kernel's approval of ``kind``, granted to its last step (what ``on_approved`` gets)."""
    return ApprovalState(uuid4(), kind, order.version_hash, 1, "salesperson", [])


def submit(order: Order) -> None:
    """OR-30: a draft's key contents confirmed with the customer, then submitted (OR-17)."""
    if order.status is OrderStatus.DRAFT and order.unconfirmed:
        order.confirm_contents(TERMS, "salesperson")
    order.submit("salesperson")


def credit_checked(order: Order) -> None:
    """OR-17: submitted and approved by the branch and sales managers; billing is asked."""
    submit(order)
    order.on_approved(approval(GOODS_REQUEST, order))


def to_the_warehouse(order: Order, customer: KnownCustomer | None = None) -> None:
    """Approved, reserved by billing, and its outbound order issued (OR-17, OR-18, OR-19)."""
    credit_checked(order)
    order.credit_reserved(Decimal(1000), Decimal(0), False)
    order.issue_outbound(customer, uuid4(), None, "sales-clerk", clock.now())


def test_cu02_no_order_for_unknown_or_unapproved_customer() -> None:
    with pytest.raises(RuleViolation) as unknown:
        Order.place(None, (LINE,), "salesperson", uuid4())
    assert unknown.value.rule == "CU-02"
    with pytest.raises(RuleViolation) as unapproved:
        Order.place(KnownCustomer.learn(uuid4(), "New Co"), (LINE,), "salesperson")
    assert unapproved.value.rule == "CU-02"
    order = Order.place(approved_customer(), (LINE,), "salesperson", uuid4())
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
    order = Order.place(approved_customer(), (LINE,), "salesperson", uuid4())
    with pytest.raises(RuleViolation) as early:
        customer_signs(order)
    assert early.value.rule == "OR-22"
    to_the_warehouse(order)
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


def test_bi_09_row_7_the_order_is_invoiced_then_paid_and_only_then_the_sale_is_complete() -> None:
    order = Order.place(approved_customer(), (LINE,), "salesperson", uuid4())
    invoice_id = uuid4()
    to_the_warehouse(order)
    order.ship("warehouse")
    # Refused as nothing happens: billing's invoice cycle follows the customer's confirmation.
    order.paid_in_full(invoice_id)
    assert order.status is OrderStatus.SHIPPED
    customer_signs(order)
    order.invoice_signed_for(invoice_id)
    assert order.status is OrderStatus.INVOICED and order.is_open is False
    order.invoice_signed_for(invoice_id)  # heard again
    order.paid_in_full(invoice_id)
    order.paid_in_full(invoice_id)
    assert (order.status, order.invoice_id) == (OrderStatus.PAID, invoice_id)
    events = order.collect_events()
    assert [type(e) for e in events][-2:] == [Order.Invoiced, Order.Paid]
    # The goods stay with the customer: a return is still possible, a second signature is not.
    with pytest.raises(RuleViolation) as signed:
        customer_signs(order)
    assert signed.value.rule == "OR-22"


@pytest.fixture
def placed_yesterday() -> Iterator[Order]:
    """An order placed a day ago and shipped now."""
    now = clock.now()
    clock.use(lambda: now - timedelta(days=1))
    try:
        order = Order.place(approved_customer(), (LINE,), "salesperson", uuid4())
    finally:
        clock.use(lambda: datetime.now(tz=UTC))
    to_the_warehouse(order)
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
    order = Order.place(approved_customer(), (LINE,), "salesperson", uuid4())
    to_the_warehouse(order)
    order.ship("warehouse")
    sheet = order.signing_sheet()
    assert sheet.title == "Delivery confirmation"
    assert ("Customer", "ACME") in sheet.facts and ("Total", "21.00 CNY") in sheet.facts
    assert sheet.table_rows == (("P-1", "pump", "2", "10.50", "SN-1, SN-2"),)


def test_cu_22_an_open_order_follows_the_account_and_a_completed_one_keeps_its_owner() -> None:
    customer = approved_customer()
    customer.change_owner("salesperson-1")
    open_order = Order.place(customer, (LINE,), "salesperson", uuid4())
    completed = Order.place(customer, (LINE,), "salesperson", uuid4())
    to_the_warehouse(completed)
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
    assert (
        Order.place(customer, (LINE,), "salesperson", uuid4()).account_owner_id == "salesperson-2"
    )


# -- RULES §4.3: the goods request, its approval, the credit gate, the outbound order


class refusal:
    """``with refusal("OR-18"):`` the block is refused under that rule, and writes nothing."""

    def __init__(self, rule: str) -> None:
        self.rule = rule
        self._raises = pytest.raises(RuleViolation)

    def __enter__(self) -> None:
        self._raises.__enter__()

    def __exit__(self, *exc: Any) -> bool:
        handled = self._raises.__exit__(*exc)
        assert self._raises.excinfo is not None
        assert self._raises.excinfo.value.rule == self.rule, self._raises.excinfo.value
        return bool(handled)


def test_or_14_an_order_without_a_contract_waits_for_the_written_confirmation() -> None:
    customer = approved_customer()
    with refusal("OR-14"):
        Order.place(customer, (LINE,), "salesperson")
    with refusal("OR-14"):
        Order.place(customer, (LINE,), "salesperson", uncontracted=(UncontractedChannel.PHONE, " "))
    phoned = (UncontractedChannel.PHONE, "the customer ordered by phone; contract to follow")
    order = Order.place(customer, (LINE,), "salesperson", uncontracted=phoned)
    assert (order.status, order.uncontracted) == (OrderStatus.AWAITING_CONFIRMATION, True)
    with refusal("OR-14"):
        submit(order)
    order.on_approved(approval(UNCONTRACTED_ORDER, order))
    assert order.status is OrderStatus.DRAFT and order.confirmed_at is not None
    submit(order)
    assert order.status is OrderStatus.PENDING_APPROVAL


def test_or_16_or_17_a_goods_request_from_the_contract_is_approved_then_credit_checked() -> None:
    contract_id = uuid4()
    order = Order.place(approved_customer(), (LINE,), "salesperson", contract_id)
    assert (order.status, order.contract_id) == (OrderStatus.DRAFT, contract_id)
    assert order.interested_parties() == {"salesperson"}  # XC-05: never its own approver
    submit(order)
    with refusal("OR-17"):
        submit(order)
    order.on_approved(approval(GOODS_REQUEST, order))
    assert order.status is OrderStatus.CREDIT_CHECK
    [asked] = [e for e in order.collect_events() if isinstance(e, Order.CreditCheckRequested)]
    assert (asked.amount, asked.over_credit_approved) == (Decimal("21.00"), False)


def test_or_17_a_rejected_goods_request_is_cancelled() -> None:
    order = Order.place(approved_customer(), (LINE,), "salesperson", uuid4())
    submit(order)
    order.on_rejected(approval(GOODS_REQUEST, order), "not against the contract")
    assert order.status is OrderStatus.CANCELLED
    with refusal("OR-17"):
        order.check_cancellable("again")


def test_or_18_within_the_limit_the_order_is_ready_to_issue() -> None:
    order = Order.place(approved_customer(), (LINE,), "salesperson", uuid4())
    with refusal("OR-19"):
        order.issue_outbound(None, uuid4(), None, "sales-clerk", clock.now())
    credit_checked(order)
    with refusal("OR-19"):
        order.issue_outbound(None, uuid4(), None, "sales-clerk", clock.now())
    order.credit_reserved(Decimal(1000), Decimal(100), False)
    assert (order.status, order.exposure) == (OrderStatus.READY_TO_ISSUE, Decimal(100))


def test_or_18_over_the_limit_the_over_credit_sale_is_approved_then_reserved() -> None:
    order = Order.place(approved_customer(), (LINE,), "salesperson", uuid4())
    credit_checked(order)
    with refusal("OR-18"):
        order.request_over_credit_sale("needed", "salesperson")
    order.credit_declined(Decimal(1000), Decimal(990), "over_limit")
    assert order.status is OrderStatus.AWAITING_OVER_CREDIT_APPROVAL
    with refusal("OR-18"):
        order.request_over_credit_sale(" ", "salesperson")
    assert order.request_over_credit_sale("year-end order", "salesperson") == Decimal("11.00")
    order.on_rejected(approval(OVER_CREDIT_SALE, order), "no")
    assert order.status is OrderStatus.AWAITING_OVER_CREDIT_APPROVAL
    order.request_over_credit_sale("year-end order, with a payment promised", "salesperson")
    order.on_approved(approval(OVER_CREDIT_SALE, order))
    assert (order.status, order.over_credit_approved) == (OrderStatus.CREDIT_CHECK, True)
    order.credit_reserved(Decimal(1000), Decimal(990), True)
    assert order.status is OrderStatus.READY_TO_ISSUE


def test_or_18_on_credit_hold_the_order_is_blocked_without_override_until_released() -> None:
    customer = approved_customer()
    order = Order.place(customer, (LINE,), "salesperson", uuid4())
    credit_checked(order)
    order.credit_declined(Decimal(1000), Decimal(0), "credit_hold")
    assert order.status is OrderStatus.BLOCKED
    with refusal("OR-18"):
        order.request_over_credit_sale("urgent", "salesperson")
    # Billing answers again once the hold is lifted.
    order.credit_reserved(Decimal(1000), Decimal(0), False)
    assert order.status is OrderStatus.READY_TO_ISSUE
    # A hold placed after the reservation blocks the outbound order and the shipment.
    customer.hold_credit(True)
    with refusal("OR-18"):
        order.issue_outbound(customer, uuid4(), None, "sales-clerk", clock.now())
    customer.hold_credit(False)
    order.issue_outbound(customer, uuid4(), None, "sales-clerk", clock.now())
    customer.hold_credit(True)
    with refusal("OR-18"):
        order.ship("warehouse", customer)
    order.credit_declined(Decimal(1000), Decimal(0), "credit_hold")
    assert order.status is OrderStatus.BLOCKED


def test_or_19_or_21_the_outbound_order_is_the_approved_goods_request() -> None:
    order = Order.place(approved_customer(), (LINE,), "salesperson", uuid4())
    credit_checked(order)
    order.credit_reserved(Decimal(1000), Decimal(0), False)
    other = replace(LINE, quantity=3, serial_numbers=("SN-1", "SN-2", "SN-3"))
    with refusal("OR-21"):
        order.issue_outbound(None, uuid4(), (other,), "sales-clerk", clock.now())
    with refusal("OR-19"):
        order.ship("warehouse")
    outbound_id = uuid4()
    order.issue_outbound(None, outbound_id, (LINE,), "sales-clerk", clock.now())
    assert (order.status, order.outbound_id) == (OrderStatus.AWAITING_WAREHOUSE, outbound_id)


def test_or_20_a_late_shipment_records_why() -> None:
    order = Order.place(approved_customer(), (LINE,), "salesperson", uuid4())
    to_the_warehouse(order)
    now = clock.now()
    with refusal("OR-20"):
        order.ship("warehouse", None, now, now - timedelta(hours=1))
    order.ship("warehouse", None, now, now - timedelta(hours=1), ShipmentDelay.STOCK_SHORTAGE)
    assert (order.sla_met, order.delay_reason) == (False, ShipmentDelay.STOCK_SHORTAGE)
    in_time = Order.place(approved_customer(), (LINE,), "salesperson", uuid4())
    to_the_warehouse(in_time)
    in_time.ship("warehouse", None, now, now + timedelta(hours=8))
    assert (in_time.sla_met, in_time.delay_reason) == (True, None)


def test_or_17_cancelled_before_shipment_with_its_reason_and_never_after() -> None:
    order = Order.place(approved_customer(), (LINE,), "salesperson", uuid4())
    credit_checked(order)
    with refusal("OR-17"):
        order.check_cancellable("  ")
    order.cancel("the customer withdrew", "sales-manager", (uuid4(),))
    assert order.status is OrderStatus.CANCELLED and not order.is_open
    shipped = Order.place(approved_customer(), (LINE,), "salesperson", uuid4())
    to_the_warehouse(shipped)
    shipped.ship("warehouse")
    with refusal("OR-17"):
        shipped.check_cancellable("too late")


def test_or_17_an_approval_granted_after_the_cancellation_asks_billing_nothing() -> None:
    order = Order.place(approved_customer(), (LINE,), "salesperson", uuid4())
    submit(order)
    order.cancel("the customer withdrew", "sales-manager", (uuid4(),))
    order.collect_events()
    order.on_approved(approval(GOODS_REQUEST, order))
    assert order.collect_events() == [] and order.status is OrderStatus.CANCELLED
