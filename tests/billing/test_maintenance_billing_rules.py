"""A maintenance contract's type-B billing schedule at its aggregate (SD-01, BI-16; RULES §7
row 14): the price split over the term's periods from the payment terms, refused without a price
or a term."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from billing.domain.maintenance_billing import Instalment, MaintenanceBilling, instalments
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting

STARTS, ENDS = date(2026, 11, 2), date(2027, 1, 29)


@pytest.fixture(autouse=True)
def unit_of_work() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def test_bi_16_row_14_monthly_in_advance_is_billed_at_each_month_start() -> None:
    assert instalments(Decimal("3600.00"), "Monthly in advance", STARTS, ENDS) == (
        Instalment(1, date(2026, 11, 2), Decimal("1200.00")),
        Instalment(2, date(2026, 12, 2), Decimal("1200.00")),
        Instalment(3, date(2027, 1, 2), Decimal("1200.00")),
    )


def test_bi_16_row_14_arrears_split_leaves_the_odd_cents_on_the_last_instalment() -> None:
    assert instalments(Decimal("100.00"), "monthly in arrears", STARTS, ENDS) == (
        Instalment(1, date(2026, 12, 2), Decimal("33.33")),
        Instalment(2, date(2027, 1, 2), Decimal("33.33")),
        Instalment(3, ENDS, Decimal("33.34")),
    )


def test_bi_16_row_14_terms_without_a_period_bill_the_whole_price_at_the_start() -> None:
    schedule = MaintenanceBilling.draw(
        uuid4(), uuid4(), Decimal("900"), "CNY", "On signature", STARTS, ENDS, None
    )
    assert schedule.instalments == (Instalment(1, STARTS, Decimal("900")),)
    yearly = instalments(Decimal("900"), "Quarterly", STARTS, date(2027, 11, 1))
    assert [i.due_on.month for i in yearly] == [11, 2, 5, 8]


def test_bi_16_row_14_a_schedule_needs_a_price_and_a_term_refused() -> None:
    with pytest.raises(RuleViolation) as free:
        instalments(Decimal(0), "Monthly", STARTS, ENDS)
    with pytest.raises(RuleViolation) as backwards:
        instalments(Decimal(10), "Monthly", ENDS, STARTS)
    assert free.value.rule == backwards.value.rule == "BI-16"
