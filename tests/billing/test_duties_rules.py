"""Segregation of duties (BI-15, resolution C9) at every document where money or receipts are
recorded, allowed and refused: finance issues invoices and red-letter invoices, records payments,
pays reimbursements, writes off and records recoveries; a salesperson never does (not even one
who also holds a finance role), nor anyone who requested or chased what they would record."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from billing.domain.bad_debt import CLASSIFICATION_KIND, WRITE_OFF_KIND, BadDebt
from billing.domain.credit_note import CreditNote
from billing.domain.duties import handles_money
from billing.domain.invoice_request import InvoiceRequest, RequestSource
from billing.domain.payment import Payment
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting
from tests.billing.test_expense_rules import approved, claim, decide, request
from tests.billing.test_invoicing_rules import DELIVERED

DUAL = ("salesperson", "finance")


@pytest.fixture(autouse=True)
def unit_of_work() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def refused_bi_15(action: Callable[[], object]) -> None:
    with pytest.raises(RuleViolation) as refused:
        action()
    assert refused.value.rule == "BI-15"


def test_bi_15_inside_finance_staff_handle_money_never_outside_sales() -> None:
    for roles in (("salesperson",), ("sales_clerk",), DUAL):
        refused_bi_15(lambda held=roles: handles_money("someone", held, "a payment"))
    refused_bi_15(lambda: handles_money("finance", ("finance",), "a payment", {"finance"}))
    handles_money("finance", ("finance",), "a payment", {"salesperson"})
    handles_money("accountant", ("accountant",), "a payment")


def test_bi_15_finance_issues_the_invoice_never_who_submitted_the_request() -> None:
    submitted = InvoiceRequest.open(
        RequestSource.DELIVERY, uuid4(), uuid4(), "CNY", None, DELIVERED, datetime.now(tz=UTC)
    )
    submitted.submit("accountant", DELIVERED)
    refused_bi_15(lambda: submitted.mark_invoiced(uuid4(), "salesperson", ["salesperson"]))
    refused_bi_15(lambda: submitted.mark_invoiced(uuid4(), "dual", DUAL))
    refused_bi_15(lambda: submitted.mark_invoiced(uuid4(), "accountant", ["accountant"]))
    with pytest.raises(RuleViolation) as unreviewed:  # finance passes BI-15, then BI-01 applies
        submitted.mark_invoiced(uuid4(), "finance", ["finance"])
    assert unreviewed.value.rule == "BI-01"


def test_bi_15_finance_issues_the_red_letter_invoice() -> None:
    note = CreditNote.request(uuid4(), uuid4(), uuid4(), uuid4(), "CNY", DELIVERED[1:])
    refused_bi_15(lambda: note.issue("RED-1", "salesperson", ["salesperson"], datetime.now(UTC)))
    refused_bi_15(lambda: note.issue("RED-1", "dual", DUAL, datetime.now(UTC)))
    with pytest.raises(RuleViolation) as unapproved:
        note.issue("RED-1", "finance", ["finance"], datetime.now(UTC))
    assert unapproved.value.rule == "BI-18"


def test_bi_15_nobody_records_a_payment_they_chased() -> None:
    def record(user: str, roles: tuple[str, ...], collectors: set[str]) -> Payment:
        return Payment.record(
            uuid4(),
            user,
            roles,
            uuid4(),
            "CNY",
            "bank_transfer",
            "ICBC 1",
            datetime(2026, 3, 3, tzinfo=UTC),
            {uuid4(): Decimal(10)},
            collectors,
        )

    refused_bi_15(lambda: record("dual", DUAL, {"salesperson"}))
    refused_bi_15(lambda: record("finance", ("finance",), {"finance"}))
    assert record("finance", ("finance",), {"salesperson"}).recorded_by == "finance"


def test_bi_15_finance_pays_out_the_reimbursement() -> None:
    claimed = approved(claim())
    refused_bi_15(lambda: claimed.reimburse("dual", DUAL, None))
    claimed.reimburse("accountant", ["accountant"], None)


def test_bi_15_finance_books_the_write_off_never_who_requested_it() -> None:
    debt = BadDebt.propose(
        uuid4(), uuid4(), Decimal(100), "CNY", True, "insolvent", "salesperson", ["salesperson"]
    )
    request(debt, CLASSIFICATION_KIND)
    decide(debt, "sales-manager", "sales_manager")
    decide(debt, "finance", "finance")
    debt.request_write_off("accountant", ["accountant"], "chased monthly")
    request(debt, WRITE_OFF_KIND)
    for user, role in (
        ("sales-manager", "sales_manager"),
        ("finance", "finance"),
        ("gm", "leadership_gm"),
    ):
        decide(debt, user, role)
    refused_bi_15(lambda: debt.write_off("accountant", ["accountant"], Decimal(100)))
    refused_bi_15(lambda: debt.write_off("salesperson", ["salesperson"], Decimal(100)))
    debt.write_off("finance", ["finance"], Decimal(100))
    refused_bi_15(lambda: debt.recover("dual", DUAL, Decimal(10), "B-1"))
    debt.recover("accountant", ["accountant"], Decimal(10), "B-1")
    assert debt.recovered == 10
