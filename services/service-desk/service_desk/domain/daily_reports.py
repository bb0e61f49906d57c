"""Daily work reports (SD-23): each technician reports the hours of the day's work by service type
(服表006) to the service supervisor, who reviews it; the supervisor compiles the team's report
(服表007) from the reviewed ones; a branch's goes to the branch manager to sign before the service
department receives it. A report not made in time is flagged."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self
from uuid import NAMESPACE_OID, UUID, uuid5

from kernel.approvals.domain import Approvable, ApprovalState, Approver
from kernel.calendar import Deadline
from runtime.aggregate import Aggregate, RuleViolation

DAILY_REPORT = "daily_report"
"""The authority matrix's review of a technician's daily report by the supervisor."""
SUPERVISOR_DAILY_REPORT = "supervisor_daily_report"
"""The authority matrix's chain of the supervisor's daily report: the branch manager signs (at a
branch), the service department receives."""
BRANCH_SIGNATURE_STEP = "branch_service_manager"

DAY_HOURS = Decimal(24)


@dataclass(frozen=True)
class HoursByType:
    """SD-01, SD-23: the hours of the day's work by service type."""

    a: Decimal
    b: Decimal
    c: Decimal
    d: Decimal

    @property
    def total(self) -> Decimal:
        return self.a + self.b + self.c + self.d

    @classmethod
    def summed(cls, reports: Iterable[HoursByType]) -> HoursByType:
        listed = list(reports)
        return cls(
            sum((r.a for r in listed), Decimal(0)),
            sum((r.b for r in listed), Decimal(0)),
            sum((r.c for r in listed), Decimal(0)),
            sum((r.d for r in listed), Decimal(0)),
        )


class ReportStatus(StrEnum):
    SUBMITTED = "submitted"
    REVIEWED = "reviewed"
    """The technician's report reviewed by the supervisor."""
    SIGNED_BY_BRANCH_MANAGER = "signed_by_branch_manager"
    RECEIVED = "received"
    """The supervisor's report received by the service department."""
    RETURNED = "returned"
    """Sent back by the reviewer; a corrected report is submitted again."""


def report_id(kind: str, person: str, day: date) -> UUID:
    """One report of each kind per person and day."""
    return uuid5(NAMESPACE_OID, f"daily-report:{kind}:{person}:{day.isoformat()}")


class DailyReport(Approvable):
    """What both daily reports share: one person's day, its hours by type, the review chain."""

    def __init__(self) -> None:
        self.day: date
        self.person_id: str
        self.hours: HoursByType
        self.status = ReportStatus.SUBMITTED
        self.reviewer: str | None = None

    class Returned(Approvable.Event):
        approval_id: UUID
        reason: str

        def apply(self, report: DailyReport) -> None:
            report.status = ReportStatus.RETURNED

    class Corrected(Approvable.Event):
        """The returned report, corrected and submitted again."""

        hours: HoursByType

        def apply(self, report: DailyReport) -> None:
            report.status, report.hours = ReportStatus.SUBMITTED, self.hours

    def approval_content(self) -> Mapping[str, Any]:
        return {
            "day": self.day.isoformat(),
            "person_id": self.person_id,
            "hours": [str(self.hours.a), str(self.hours.b), str(self.hours.c), str(self.hours.d)],
        }

    def interested_parties(self) -> set[str]:
        """XC-05: nobody reviews their own report."""
        return {self.person_id}

    def on_rejected(self, approval: ApprovalState, reason: str) -> None:
        self.trigger_event(self.Returned, approval_id=approval.approval_id, reason=reason)


class TechnicianDailyReport(DailyReport):
    """服表006: one technician's day."""

    document_type = "technician_daily_report"

    def __init__(self) -> None:
        super().__init__()

    class Submitted(Approvable.Created):
        """``TechnicianDailyReportSubmitted``."""

        day: date
        person_id: str
        hours: HoursByType

    class Reviewed(Approvable.Event):
        """The supervisor reviewed and filed it."""

        approval_id: UUID
        reviewer: str

        def apply(self, report: TechnicianDailyReport) -> None:
            report.status, report.reviewer = ReportStatus.REVIEWED, self.reviewer

    @classmethod
    def submit(cls, day: date, technician: str, hours: HoursByType, today: date) -> Self:
        _check_day(day, today)
        _valid_hours(hours)
        return cls._create(
            cls.Submitted,
            id=report_id("technician", technician, day),
            day=day,
            person_id=technician,
            hours=hours,
        )

    def correct(self, hours: HoursByType) -> None:
        """SD-23: a report the supervisor sent back is corrected, then reviewed again."""
        if self.status is not ReportStatus.RETURNED:
            raise RuleViolation(
                "SD-23", "only a report sent back is corrected", status=self.status.value
            )
        _valid_hours(hours)
        self.trigger_event(self.Corrected, hours=hours)

    def on_approved(self, approval: ApprovalState) -> None:
        reviewer = approval.steps[-1].decided_by
        assert reviewer is not None
        self.trigger_event(self.Reviewed, approval_id=approval.approval_id, reviewer=reviewer)


class SupervisorDailyReport(DailyReport):
    """服表007: the supervisor's team day."""

    document_type = "supervisor_daily_report"

    def __init__(self) -> None:
        super().__init__()
        self.branch: str | None
        self.technician_reports: tuple[UUID, ...]
        self.branch_manager: str | None = None

    class Submitted(Approvable.Created):
        """``SupervisorDailyReportSubmitted``: compiled from the technicians' reviewed reports."""

        day: date
        person_id: str
        hours: HoursByType
        branch: str | None
        technician_reports: tuple[UUID, ...]

    class SignedByBranchManager(Approvable.Event):
        """``SupervisorDailyReportSignedByBranchManager``."""

        approval_id: UUID
        branch_manager: str
        hours: HoursByType

        def apply(self, report: SupervisorDailyReport) -> None:
            report.status = ReportStatus.SIGNED_BY_BRANCH_MANAGER
            report.branch_manager = self.branch_manager

    class Received(Approvable.Event):
        """The service department received it."""

        approval_id: UUID
        reviewer: str

        def apply(self, report: SupervisorDailyReport) -> None:
            report.status, report.reviewer = ReportStatus.RECEIVED, self.reviewer

    @classmethod
    def compile(
        cls,
        day: date,
        supervisor: str,
        branch: str | None,
        technician_reports: Iterable[TechnicianDailyReport],
        today: date,
    ) -> Self:
        """SD-23: from the technicians' reports of that day the supervisor reviewed."""
        _check_day(day, today)
        reports = list({r.id: r for r in technician_reports}.values())
        if not reports:
            raise RuleViolation("SD-23", "the supervisor's report is compiled from the team's")
        for report in reports:
            if report.day != day or report.status is not ReportStatus.REVIEWED:
                raise RuleViolation(
                    "SD-23",
                    "the supervisor compiles the technicians' reports of the day, once reviewed",
                    report_id=str(report.id),
                )
            if report.reviewer != supervisor:
                raise RuleViolation(
                    "SD-23",
                    "the supervisor compiles the reports he reviewed",
                    report_id=str(report.id),
                )
        return cls._create(
            cls.Submitted,
            id=report_id("supervisor", supervisor, day),
            day=day,
            person_id=supervisor,
            hours=HoursByType.summed(r.hours for r in reports),
            branch=branch,
            technician_reports=tuple(sorted(r.id for r in reports)),
        )

    def approval_conditions(self) -> tuple[str, ...]:
        """SD-23: a branch's report is signed by the branch manager first."""
        return ("branch",) if self.branch is not None else ()

    def grant(
        self, step: str, approver: Approver, comment: str = "", next_due: Deadline | None = None
    ) -> None:
        super().grant(step, approver, comment, next_due)
        if step == BRANCH_SIGNATURE_STEP:
            approval = self.approval
            assert approval is not None
            self.trigger_event(
                self.SignedByBranchManager,
                approval_id=approval.approval_id,
                branch_manager=approver.user_id,
                hours=self.hours,
            )

    def on_approved(self, approval: ApprovalState) -> None:
        reviewer = approval.steps[-1].decided_by
        assert reviewer is not None
        self.trigger_event(self.Received, approval_id=approval.approval_id, reviewer=reviewer)


def _check_day(day: date, today: date) -> None:
    # SD-23: a day's report is made for a day that has come.
    if day > today:
        raise RuleViolation("SD-23", "a daily report is made for a day that has come")


def _valid_hours(hours: HoursByType) -> None:
    values = (hours.a, hours.b, hours.c, hours.d)
    if any(not value.is_finite() or value < 0 for value in values) or hours.total > DAY_HOURS:
        raise RuleViolation(
            "SD-23", "the hours by type are not negative and fit in the day", total=str(hours.total)
        )
    if hours.total == 0:
        raise RuleViolation("SD-23", "a daily report states the hours worked")


class MissingDailyReport(Aggregate):
    """SD-23: a daily report not made by its due time, flagged once."""

    def __init__(self) -> None:
        self.day: date
        self.person_id: str
        self.kind: str
        self.due_at: datetime

    class Flagged(Aggregate.Created):
        day: date
        person_id: str
        kind: str
        """technician or supervisor"""
        due_at: datetime

    @classmethod
    def flag(cls, kind: str, person: str, day: date, due: Deadline) -> Self:
        return cls._create(
            cls.Flagged,
            id=report_id(f"missing-{kind}", person, day),
            day=day,
            person_id=person,
            kind=kind,
            due_at=due.at,
        )
