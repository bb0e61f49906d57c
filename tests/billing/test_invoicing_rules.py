"""The invoicing rules at the aggregates that guard them, allowed and refused: the request raised
by the order's salesperson (BI-01) for exactly what was delivered (BI-03), the invoice registered
when sent (BI-02), the due date from the payment terms (BI-19), payments recorded by finance only
(BI-05) and never beyond what is owed (BI-09), an overdue receivable reported once (BI-11), a
credit note issued once approved, never beyond the original invoice (BI-18)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from billing.domain.credit_note import CreditNote
from billing.domain.invoice import Invoice
from billing.domain.invoice_request import InvoiceLine, InvoiceRequest, RequestSource
from billing.domain.payment import Payment
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting

DELIVERED = (InvoiceLine("P-1", 2, Decimal("30")), InvoiceLine("P-2", 1, Decimal("40")))
ISSUED_ON = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def unit_of_work() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def request() -> InvoiceRequest:
    return InvoiceRequest.open(
        RequestSource.DELIVERY,
        uuid4(),
        uuid4(),
        "CNY",
        "salesperson",
        DELIVERED,
        datetime(2026, 3, 1, tzinfo=UTC),
    )


def invoice(terms: int = 30) -> Invoice:
    return Invoice.issue_requested(
        uuid4(),
        uuid4(),
        uuid4(),
        Decimal(100),
        "CNY",
        "salesperson",
        "INV-1",
        "finance",
        ISSUED_ON,
        terms,
    )


def test_bi_01_the_orders_salesperson_submits_and_only_a_reviewed_request_is_invoiced() -> None:
    draft = request()
    with pytest.raises(RuleViolation) as other:
        draft.submit("salesperson-2", DELIVERED)
    assert other.value.rule == "BI-01"
    with pytest.raises(RuleViolation) as unreviewed:
        draft.mark_invoiced(uuid4(), "finance", ["finance"])
    assert unreviewed.value.rule == "BI-01"
    draft.submit("salesperson", DELIVERED)
    assert draft.amount == Decimal(100)


def test_bi_03_the_lines_must_be_the_confirmed_delivery() -> None:
    draft = request()
    for lines in (
        DELIVERED[:1],
        (InvoiceLine("P-1", 3, Decimal("30")), DELIVERED[1]),
        (DELIVERED[0], InvoiceLine("P-2", 1, Decimal("39.99"))),
    ):
        with pytest.raises(RuleViolation) as wrong:
            draft.submit("salesperson", lines)
        assert wrong.value.rule == "BI-03"
    draft.submit("salesperson", tuple(reversed(DELIVERED)))


def test_bi_19_the_receivable_falls_due_by_the_payment_terms() -> None:
    assert invoice(60).due_on == ISSUED_ON + timedelta(days=60)
    assert invoice(0).due_on == ISSUED_ON


def test_bi_02_an_invoice_is_registered_once_when_sent() -> None:
    sent = invoice()
    sent.dispatch("R-1", "sales-clerk")
    assert sent.register_number == "R-1"
    with pytest.raises(RuleViolation) as again:
        sent.dispatch("R-2", "sales-clerk")
    assert again.value.rule == "BI-02"


def test_bi_05_finance_records_payments_never_a_salesperson() -> None:
    def record(*roles: str) -> Payment:
        return Payment.record(
            uuid4(),
            "someone",
            roles,
            uuid4(),
            "CNY",
            "cash",
            "",
            datetime(2026, 3, 3, tzinfo=UTC),
            {uuid4(): Decimal(10)},
            (),
        )

    for roles in (("salesperson",), ("sales_clerk",), ("sales_manager",)):
        with pytest.raises(RuleViolation) as collected:
            record(*roles)
        assert collected.value.rule == "BI-05"
    assert record("accountant").amount == Decimal(10)


def test_bi_09_paid_in_parts_settled_only_in_full_never_beyond() -> None:
    owed = invoice()
    owed.apply_payment(uuid4(), Decimal(40), ISSUED_ON)
    assert (owed.outstanding, owed.settled) == (Decimal(60), False)
    for too_much in (Decimal("60.01"), Decimal(0)):
        with pytest.raises(RuleViolation) as beyond:
            owed.apply_payment(uuid4(), too_much, ISSUED_ON)
        assert beyond.value.rule == "BI-09"
    owed.apply_payment(uuid4(), Decimal(60), ISSUED_ON)
    assert owed.settled


def test_bi_09_paid_in_full_once_net_of_credit_notes_never_when_written_off() -> None:
    parts = invoice()
    parts.apply_payment(uuid4(), Decimal(40), ISSUED_ON)
    assert not [e for e in parts.collect_events() if isinstance(e, Invoice.PaidInFull)]
    parts.credit(uuid4(), Decimal(10))
    parts.apply_payment(uuid4(), Decimal(50), ISSUED_ON)
    [complete] = [e for e in parts.collect_events() if isinstance(e, Invoice.PaidInFull)]
    assert (complete.order_id, complete.paid) == (parts.order_id, Decimal(90))
    bad = invoice()
    bad.apply_payment(uuid4(), Decimal(30), ISSUED_ON)
    bad.write_off(uuid4(), Decimal(70))
    assert not [e for e in bad.collect_events() if isinstance(e, Invoice.PaidInFull)]


def test_bi_11_an_overdue_receivable_is_reported_once_beyond_the_threshold() -> None:
    late = invoice(30)
    due = ISSUED_ON + timedelta(days=30)
    assert not late.report_overdue(due + timedelta(days=30), threshold=30)
    assert late.report_overdue(due + timedelta(days=31), threshold=30)
    assert not late.report_overdue(due + timedelta(days=60), threshold=30)
    paid = invoice(30)
    paid.apply_payment(uuid4(), Decimal(100), ISSUED_ON)
    assert not paid.report_overdue(due + timedelta(days=90), threshold=30)


def test_bi_18_a_credit_note_is_issued_once_approved_and_within_the_invoice() -> None:
    original = invoice()
    note = CreditNote.request(
        uuid4(), original.order_id, original.customer_id, original.id, "CNY", DELIVERED[1:]
    )
    with pytest.raises(RuleViolation) as unapproved:
        note.issue("RED-1", "finance", ["finance"], datetime.now(UTC))
    assert unapproved.value.rule == "BI-18"
    original.credit(note.id, Decimal(40))
    assert (original.outstanding, original.settled) == (Decimal(60), False)
    with pytest.raises(RuleViolation) as beyond:
        original.credit(uuid4(), Decimal("60.01"))
    assert beyond.value.rule == "BI-18"
    original.credit(uuid4(), Decimal(60))
    assert original.settled
