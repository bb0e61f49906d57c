"""The June and December reconciliation at the statement that guards it, allowed and refused
(BI-08): issued once per customer, period and currency; confirmed only by the customer's own
signature while open; a discrepancy only where the customer's books differ; reported once there is
an outcome; the period due from the last working day of June and December."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import pytest

from billing.application.reconciliation import period_due
from billing.domain.reconciliation import Period, ReconciliationStatement, StatementStatus
from kernel.approvals.domain import Capacity
from kernel.calendar import Calendar
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting

CALENDAR = Calendar.load(Path(__file__).parents[2] / "config" / "calendar.toml")


@pytest.fixture(autouse=True)
def unit_of_work() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def statement(balance: str = "75.00") -> ReconciliationStatement:
    return ReconciliationStatement.issue(
        uuid4(), 2027, Period.H1, Decimal(balance), "CNY", "salesperson"
    )


def test_bi_08_one_statement_per_customer_period_and_currency_as_of_the_period_end() -> None:
    issued = statement()
    assert (issued.as_of, issued.status) == (date(2027, 6, 30), StatementStatus.ISSUED)
    same = ReconciliationStatement.id_for(issued.customer_id, 2027, Period.H1, "CNY")
    assert issued.id == same
    assert ReconciliationStatement.id_for(issued.customer_id, 2027, Period.H2, "CNY") != same
    assert Period.H2.last_day(2027) == date(2027, 12, 31)


def test_bi_08_statements_are_due_from_the_last_working_day_of_june_and_december() -> None:
    # 2027-06-30 is a Wednesday, 2027-12-31 a Friday; 2028-06-30 a Friday.
    assert period_due(CALENDAR, date(2027, 6, 29), 31) is None
    assert period_due(CALENDAR, date(2027, 6, 30), 31) == (2027, Period.H1)
    assert period_due(CALENDAR, date(2027, 7, 31), 31) == (2027, Period.H1)
    assert period_due(CALENDAR, date(2027, 8, 1), 31) is None  # not issued late forever
    assert period_due(CALENDAR, date(2027, 12, 31), 31) == (2027, Period.H2)
    assert period_due(CALENDAR, date(2028, 1, 15), 31) == (2027, Period.H2)
    # A period ending on a day off opens on its last working day: 2028-12-31 is a Sunday.
    assert period_due(CALENDAR, date(2028, 12, 29), 0) == (2028, Period.H2)


def test_bi_08_the_customer_confirms_by_their_own_signature_while_the_statement_is_open() -> None:
    issued = statement()
    issued.signature_allowed(Capacity.CUSTOMER)
    with pytest.raises(RuleViolation) as employee:
        issued.signature_allowed(Capacity.EMPLOYEE)
    assert employee.value.rule == "BI-08"
    issued.record_discrepancy("salesperson", ["salesperson"], Decimal("60"), None)
    with pytest.raises(RuleViolation) as closed:
        issued.signature_allowed(Capacity.CUSTOMER)
    assert closed.value.rule == "BI-08"


def test_bi_08_a_discrepancy_is_where_the_customers_books_differ() -> None:
    issued = statement()
    with pytest.raises(RuleViolation) as agrees:
        issued.record_discrepancy("salesperson", ["salesperson"], Decimal("75.00"), None)
    assert agrees.value.rule == "BI-08"
    with pytest.raises(RuleViolation) as outsider:
        issued.record_discrepancy("technician", ["technician"], Decimal("60"), None)
    assert outsider.value.rule == "BI-08"
    issued.record_discrepancy("finance", ["finance"], Decimal("60"), "payment of 15 in transit")
    assert (issued.status, issued.customer_balance) == (StatementStatus.DISCREPANCY, 60)
    found = issued.collect_events()[-1]
    assert isinstance(found, ReconciliationStatement.DiscrepancyFound)
    assert (found.explained, found.explanation) == (True, "payment of 15 in transit")
    with pytest.raises(RuleViolation) as twice:
        issued.record_discrepancy("finance", ["finance"], Decimal("50"), None)
    assert twice.value.rule == "BI-08"


def test_bi_08_reported_once_there_is_an_outcome_and_only_once() -> None:
    issued = statement()
    with pytest.raises(RuleViolation) as early:
        issued.report("salesperson")
    assert early.value.rule == "BI-08"
    issued.record_discrepancy("salesperson", ["salesperson"], Decimal("60"), "  ")
    found = issued.collect_events()[-1]
    assert isinstance(found, ReconciliationStatement.DiscrepancyFound)
    assert (found.explained, found.explanation) == (False, None)
    issued.report("salesperson")
    assert issued.reported
    reported = issued.collect_events()[-1]
    assert isinstance(reported, ReconciliationStatement.Reported)
    assert reported.reported_to == ("sales_manager", "finance")
    with pytest.raises(RuleViolation) as twice:
        issued.report("salesperson")
    assert twice.value.rule == "BI-08"
