"""The daily work reports' rules at the aggregates (SD-23): hours by type that fit the day, one
report per person and day, the supervisor's compiled only from the reports he reviewed, and a
branch's signed by the branch manager before the service department receives it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from kernel.approvals.domain import Approvable, Approver
from kernel.approvals.matrix import AuthorityMatrix
from kernel.settings import KernelSettings
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting
from service_desk.domain.daily_reports import (
    DAILY_REPORT,
    SUPERVISOR_DAILY_REPORT,
    HoursByType,
    ReportStatus,
    SupervisorDailyReport,
    TechnicianDailyReport,
)

MATRIX = AuthorityMatrix.load(KernelSettings().authority_matrix_file)
DAY = date(2026, 12, 1)
HOURS = HoursByType(Decimal(3), Decimal(0), Decimal("4.5"), Decimal(0))


@pytest.fixture(autouse=True)
def _acting() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def grant(document: Approvable, user: str, role: str) -> None:
    approval = document.approval
    assert approval is not None
    step = approval.next_step()
    assert step is not None
    document.grant(step.step.name, Approver(user, frozenset({role}), document.version_hash, "s"))


def reviewed(technician: str = "technician") -> TechnicianDailyReport:
    report = TechnicianDailyReport.submit(DAY, technician, HOURS, DAY)
    report.request_approval(uuid4(), MATRIX.rule(DAILY_REPORT), MATRIX.version, technician)
    grant(report, "supervisor", "service_supervisor")
    return report


@pytest.mark.parametrize(
    "hours",
    [
        HoursByType(Decimal(0), Decimal(0), Decimal(0), Decimal(0)),
        HoursByType(Decimal(20), Decimal(5), Decimal(0), Decimal(0)),
        HoursByType(Decimal(-1), Decimal(5), Decimal(0), Decimal(0)),
    ],
)
def test_sd_23_hours_are_stated_and_fit_in_the_day(hours: HoursByType) -> None:
    with pytest.raises(RuleViolation) as refused:
        TechnicianDailyReport.submit(DAY, "technician", hours, DAY)
    assert refused.value.rule == "SD-23"


def test_sd_23_a_report_is_for_a_day_that_has_come() -> None:
    with pytest.raises(RuleViolation) as refused:
        TechnicianDailyReport.submit(date(2026, 12, 2), "technician", HOURS, DAY)
    assert refused.value.rule == "SD-23"
    assert TechnicianDailyReport.submit(DAY, "technician", HOURS, DAY).hours.total == Decimal("7.5")


def test_sd_23_the_supervisor_compiles_only_the_reports_he_reviewed() -> None:
    pending = TechnicianDailyReport.submit(DAY, "technician-3", HOURS, DAY)
    with pytest.raises(RuleViolation) as unreviewed:
        SupervisorDailyReport.compile(DAY, "supervisor", None, [pending], DAY)
    assert unreviewed.value.rule == "SD-23"
    with pytest.raises(RuleViolation) as someone_elses:
        SupervisorDailyReport.compile(DAY, "supervisor-2", None, [reviewed("technician-4")], DAY)
    assert someone_elses.value.rule == "SD-23"
    team = SupervisorDailyReport.compile(
        DAY, "supervisor", None, [reviewed(), reviewed("technician-2")], DAY
    )
    assert team.hours == HoursByType(Decimal(6), Decimal(0), Decimal(9), Decimal(0))


def test_sd_23_a_branch_report_is_signed_by_the_branch_manager_then_received() -> None:
    report = SupervisorDailyReport.compile(DAY, "supervisor", "NINGBO", [reviewed()], DAY)
    rule = MATRIX.rule(SUPERVISOR_DAILY_REPORT)
    report.request_approval(
        uuid4(), rule, MATRIX.version, "supervisor", conditions=report.approval_conditions()
    )
    with pytest.raises(RuleViolation) as early:
        grant(report, "department", "service_department")
    assert early.value.rule == "XC-07"
    grant(report, "branch-manager", "branch_service_manager")
    assert report.status is ReportStatus.SIGNED_BY_BRANCH_MANAGER
    grant(report, "department", "service_department")
    assert report.status is ReportStatus.RECEIVED
