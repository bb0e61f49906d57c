"""XC-08 rule violations and XC-09 rectifications, with their refusal paths, at the aggregates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from kernel.calendar import Calendar
from kernel.governance.domain import Finding, Rectification, RectificationStatus, ViolationRecord
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting

SHANGHAI = ZoneInfo("Asia/Shanghai")
CALENDAR = Calendar()
# Thursday 24 September 2026, 15:00: Friday is the Mid-Autumn Festival, then the weekend.
ORDERED_AT = datetime(2026, 9, 24, 15, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def command_context() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def record(**overrides: object) -> ViolationRecord:
    fields: dict[str, object] = {
        "rule_id": "OR-20",
        "person_id": "sales-clerk",
        "evidence_ref": "contract C-17: signed 24/09, shipped 02/10",
        "loss_amount": Decimal("350.00"),
        "currency": "CNY",
    }
    fields.update(overrides)
    return ViolationRecord.record(Finding(**fields), "sales-manager")  # type: ignore[arg-type]


def order(owner: str = "sales-clerk", ordered_by: str = "sales-manager") -> Rectification:
    return Rectification.order(
        "contracts not filed the same day", owner, ordered_by, ORDERED_AT, 3, CALENDAR
    )


def test_xc08_a_violation_is_recorded_against_a_person_with_evidence_and_loss() -> None:
    violation = record()
    finding = violation.finding
    assert (finding.rule_id, finding.person_id, finding.loss_amount) == (
        "OR-20",
        "sales-clerk",
        Decimal("350.00"),
    )
    (recorded,) = violation.collect_events()
    assert type(recorded).__name__ == "RuleViolationRecorded"
    assert isinstance(recorded, ViolationRecord.RuleViolationRecorded)
    assert recorded.recorded_by == "sales-manager"
    assert recorded.finding == finding
    assert recorded.meta["actor"] == "tester"


def test_xc08_a_violation_without_loss_is_recorded() -> None:
    assert record(loss_amount=Decimal(0)).finding.loss_amount == 0


@pytest.mark.parametrize(
    "overrides",
    [
        {"loss_amount": Decimal("-0.01")},
        {"loss_amount": Decimal("NaN")},
        {"rule_id": "late shipment"},
        {"rule_id": "or-20"},
        {"person_id": " "},
        {"evidence_ref": ""},
    ],
    ids=["negative loss", "not a number", "no rule id", "lower case", "no person", "no evidence"],
)
def test_xc08_an_incomplete_violation_is_refused(overrides: dict[str, object]) -> None:
    with pytest.raises(RuleViolation) as refused:
        record(**overrides)
    assert refused.value.rule == "XC-08"


def test_xc09_a_rectification_has_an_owner_and_a_working_day_deadline() -> None:
    rectification = order()
    assert rectification.owner == "sales-clerk"
    assert rectification.status is RectificationStatus.OPEN
    # Three working days after Thursday: Monday 28, Tuesday 29, Wednesday 30 September.
    assert rectification.due_at == datetime(2026, 9, 30, 17, 30, tzinfo=SHANGHAI)
    (ordered,) = rectification.collect_events()
    assert type(ordered).__name__ == "RectificationOrdered"
    assert isinstance(ordered, Rectification.RectificationOrdered)
    assert (ordered.finding, ordered.owner, ordered.due_at) == (
        "contracts not filed the same day",
        "sales-clerk",
        rectification.due_at,
    )


def test_xc09_nobody_orders_a_rectification_they_own() -> None:
    with pytest.raises(RuleViolation) as refused:
        order(owner="sales-manager", ordered_by="sales-manager")
    assert refused.value.rule == "XC-09"


@pytest.mark.parametrize(
    ("finding", "owner", "days"),
    [(" ", "sales-clerk", 3), ("finding", "", 3), ("finding", "sales-clerk", 0)],
    ids=["no finding", "no owner", "no deadline"],
)
def test_xc09_an_incomplete_order_is_refused(finding: str, owner: str, days: int) -> None:
    with pytest.raises(RuleViolation) as refused:
        Rectification.order(finding, owner, "sales-manager", ORDERED_AT, days, CALENDAR)
    assert refused.value.rule == "XC-09"


def test_xc09_the_owner_closes_in_time() -> None:
    rectification = order()
    at = datetime(2026, 9, 30, 17, 30, tzinfo=SHANGHAI)
    rectification.close("sales-clerk", "contracts filed; clerk briefed", at, supervising=False)
    assert rectification.status is RectificationStatus.CLOSED
    assert rectification.closed_by == "sales-clerk"
    assert rectification.overdue is False
    closed = rectification.collect_events()[-1]
    assert type(closed).__name__ == "RectificationClosed"
    assert isinstance(closed, Rectification.RectificationClosed)
    assert (closed.closed_at, closed.overdue) == (at, False)


def test_xc09_a_late_closing_is_recorded_as_overdue() -> None:
    rectification = order()
    late = datetime(2026, 10, 8, 9, tzinfo=SHANGHAI)
    rectification.close("sales-manager-2", "filed late", late, supervising=True)
    assert rectification.status is RectificationStatus.CLOSED
    assert rectification.overdue is True


def test_xc09_only_the_owner_or_a_supervisor_closes() -> None:
    rectification = order()
    with pytest.raises(RuleViolation) as refused:
        rectification.close("salesperson", "done", ORDERED_AT, supervising=False)
    assert refused.value.rule == "XC-09"
    assert refused.value.details == {"owner": "sales-clerk", "closed_by": "salesperson"}
    assert rectification.status is RectificationStatus.OPEN


def test_xc09_closing_twice_is_refused() -> None:
    rectification = order()
    rectification.close("sales-clerk", "done", ORDERED_AT, supervising=False)
    with pytest.raises(RuleViolation) as refused:
        rectification.close("sales-manager", "done again", ORDERED_AT, supervising=True)
    assert refused.value.rule == "XC-09"
    assert rectification.closed_by == "sales-clerk"
    assert rectification.version == 2


def test_xc09_closing_states_the_outcome() -> None:
    rectification = order()
    with pytest.raises(RuleViolation) as refused:
        rectification.close("sales-clerk", "  ", ORDERED_AT, supervising=False)
    assert refused.value.rule == "XC-09"
