"""Bad debt at the file and the receivable that guard it, allowed and refused (BI-10, BI-12, BI-15):
only an escalated open receivable is proposed doubtful, by the salesperson or the finance handler;
its write-off is requested only once classified, and written off by finance only after the review
approved it, never beyond what is still owed; recoveries recorded by finance against it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from billing.domain.bad_debt import CLASSIFICATION_KIND, WRITE_OFF_KIND, BadDebt, BadDebtStatus
from billing.domain.invoice import Invoice
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting
from tests.billing.test_expense_rules import decide, request


@pytest.fixture(autouse=True)
def unit_of_work() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def proposed(outstanding: str = "100", overdue_reported: bool = True) -> BadDebt:
    return BadDebt.propose(
        uuid4(),
        uuid4(),
        Decimal(outstanding),
        "CNY",
        overdue_reported,
        "customer insolvent",
        "salesperson",
        ["salesperson"],
    )


def classified() -> BadDebt:
    """Through the matrix's classification chain: the sales manager, then finance."""
    debt = proposed()
    request(debt, CLASSIFICATION_KIND)
    decide(debt, "sales-manager", "sales_manager")
    decide(debt, "finance", "finance")
    assert debt.status is BadDebtStatus.DOUBTFUL
    return debt


def write_off_approved() -> BadDebt:
    """Through the write-off chain: the sales manager, the finance manager, leadership."""
    debt = classified()
    debt.request_write_off("accountant", ["accountant"], "chased monthly since March")
    request(debt, WRITE_OFF_KIND)
    decide(debt, "sales-manager", "sales_manager")
    decide(debt, "finance", "finance")
    decide(debt, "gm", "leadership_gm")
    assert (debt.status, debt.approvers) == (
        BadDebtStatus.WRITE_OFF_APPROVED,
        ("sales-manager", "finance", "gm"),
    )
    return debt


def test_bi_12_only_an_escalated_open_receivable_is_proposed_doubtful() -> None:
    for outstanding, reported in (("100", False), ("0", True)):
        with pytest.raises(RuleViolation) as refused:
            proposed(outstanding, reported)
        assert refused.value.rule == "BI-12"
    with pytest.raises(RuleViolation) as outsider:
        BadDebt.propose(
            uuid4(), uuid4(), Decimal(1), "CNY", True, "x", "technician", ["technician"]
        )
    assert outsider.value.rule == "BI-12"
    debt = proposed()
    assert (debt.status, debt.amount) == (BadDebtStatus.PROPOSED, 100)


def test_bi_12_the_write_off_is_requested_once_classified_with_the_collection_history() -> None:
    debt = proposed()
    with pytest.raises(RuleViolation) as early:
        debt.request_write_off("accountant", ["accountant"], "chased monthly")
    assert early.value.rule == "BI-12"
    debt = classified()
    with pytest.raises(RuleViolation) as no_history:
        debt.request_write_off("accountant", ["accountant"], " ")
    assert no_history.value.rule == "BI-12"
    debt.request_write_off("accountant", ["accountant"], "chased monthly since March")
    assert debt.status is BadDebtStatus.WRITE_OFF_REQUESTED
    request(debt, WRITE_OFF_KIND)
    decide(debt, "sales-manager", "sales_manager", reject="keep chasing")
    assert debt.status is BadDebtStatus.DOUBTFUL


def test_bi_10_never_written_off_without_the_review_and_bi_15_only_by_finance() -> None:
    for unreviewed_debt in (proposed(), classified()):
        with pytest.raises(RuleViolation) as unreviewed:
            unreviewed_debt.write_off("finance", ["finance"], Decimal(100))
        assert unreviewed.value.rule == "BI-10"
    debt = write_off_approved()
    with pytest.raises(RuleViolation) as salesperson:
        debt.write_off("salesperson", ["salesperson"], Decimal(100))
    assert salesperson.value.rule == "BI-15"
    with pytest.raises(RuleViolation) as paid_since:
        debt.write_off("finance", ["finance"], Decimal(0))
    assert paid_since.value.rule == "BI-12"
    assert debt.write_off("finance", ["finance"], Decimal(60)) == 60  # 40 was paid since
    assert (debt.status, debt.written_off) == (BadDebtStatus.WRITTEN_OFF, 60)


def test_bi_12_recoveries_recorded_by_finance_against_the_written_off_debt() -> None:
    debt = write_off_approved()
    with pytest.raises(RuleViolation) as not_written_off:
        debt.recover("finance", ["finance"], Decimal(10), "BANK-1")
    assert not_written_off.value.rule == "BI-12"
    debt.write_off("finance", ["finance"], Decimal(100))
    with pytest.raises(RuleViolation) as salesperson:
        debt.recover("salesperson", ["salesperson"], Decimal(10), "BANK-1")
    assert salesperson.value.rule == "BI-15"
    debt.recover("finance", ["finance"], Decimal(70), "BANK-1")
    with pytest.raises(RuleViolation) as beyond:
        debt.recover("finance", ["finance"], Decimal(31), "BANK-2")
    assert beyond.value.rule == "BI-12"
    debt.recover("accountant", ["accountant"], Decimal(30), "BANK-2")
    assert debt.recovered == 100


def test_bi_12_a_write_off_closes_the_receivable_never_beyond_what_is_owed() -> None:
    invoice = Invoice.issue_requested(
        uuid4(),
        uuid4(),
        uuid4(),
        Decimal(100),
        "CNY",
        "s",
        "INV-1",
        "finance",
        date(2026, 1, 5),
        30,
    )
    invoice.apply_payment(uuid4(), Decimal(40), date(2026, 2, 1))
    with pytest.raises(RuleViolation) as beyond:
        invoice.write_off(uuid4(), Decimal(61))
    assert beyond.value.rule == "BI-12"
    invoice.write_off(uuid4(), Decimal(60))
    assert (invoice.outstanding, invoice.settled) == (0, True)
    assert not invoice.report_overdue(date(2027, 1, 1), 30)
