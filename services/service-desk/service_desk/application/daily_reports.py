"""Commands of the daily work reports (SD-23): the technician's report reviewed by the supervisor,
the supervisor's compiled from them, signed by the branch manager at a branch and received by the
service department; a timer flags the reports not made by their due time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Select, func, literal, literal_column, select, union_all

from kernel.application import PolicyNotInForce
from kernel.calendar import Deadline
from kernel.settings import KernelSettings
from kernel.signing import CustomerSigning
from runtime import clock
from runtime.aggregate import RuleViolation
from runtime.application import Feature, Timer, command
from runtime.figures import Figure
from runtime.unit_of_work import CommandContext
from service_desk.domain.daily_reports import (
    DAILY_REPORT,
    SUPERVISOR_DAILY_REPORT,
    DailyReport,
    HoursByType,
    MissingDailyReport,
    ReportStatus,
    SupervisorDailyReport,
    TechnicianDailyReport,
    report_id,
)
from service_desk.report_projections import (
    DAILY_REPORTS,
    MISSING_REPORTS,
    daily_reports,
    dispatched_between,
    dispatches,
    missing_reports,
    reporters,
    reviewers,
)

LOOK_BACK_DAYS = 14
"""How far back the timer looks for days whose reports fell due: far more than its ticks apart,
so a restart misses none."""


def _flag_missing_reports(app: DailyReportCommands) -> None:
    """SD-23: whoever was sent out on a day owes that day's report, and the supervisor who
    reviewed the team's owes his; one not made by its due time is flagged, once."""
    try:
        calendar = app.calendar
        within = app.rule_parameters().daily_reports.report_within_working_days
    except PolicyNotInForce:
        return  # XC-07: no due time is known before the GM signed the calendar and parameters
    now = clock.now()
    today = now.astimezone(calendar.zone).date()
    timer = CommandContext(actor=f"{app.service_name}:timer")
    for back in range(1, LOOK_BACK_DAYS + 1):
        day = today - timedelta(days=back)
        start = datetime.combine(day, time(), calendar.zone)
        due = Deadline(calendar.add_working_days(start, within), calendar.version)
        if now <= due.at:
            continue
        with app.read_models.read() as db:
            owing = {
                "technician": dispatched_between(db, start, start + timedelta(days=1))
                - reporters(db, "technician", day),
                "supervisor": reviewers(db, day) - reporters(db, "supervisor", day),
            }
        for kind, people in owing.items():
            for person in sorted(people):
                app.flag_missing_report(timer, kind, person, day, due)


MISSING = Timer(
    "daily-reports-missing",
    lambda settings: KernelSettings.of(settings).timer_seconds,
    _flag_missing_reports,
)


def _missing(app: Any, now: datetime) -> Select[Any]:
    kind = MISSING_REPORTS.table.c.kind
    return select(kind, func.count()).group_by(kind)


def _awaiting_signature(app: Any, now: datetime) -> Select[Any]:
    columns = DAILY_REPORTS.table.c
    unsigned = (
        (columns.kind == "supervisor")
        & columns.branch.is_not(None)
        & (columns.status == ReportStatus.SUBMITTED.value)
    )
    return select(func.count()).select_from(DAILY_REPORTS.table).where(unsigned)


def _hours(app: Any, now: datetime) -> Select[Any]:
    columns = DAILY_REPORTS.table.c
    reviewed = (columns.kind == "technician") & (columns.status == ReportStatus.REVIEWED.value)
    by_type = union_all(
        *(
            select(literal(service_type).label("service_type"), column.label("hours")).where(
                reviewed
            )
            for service_type, column in (
                ("A", columns.hours_a),
                ("B", columns.hours_b),
                ("C", columns.hours_c),
                ("D", columns.hours_d),
            )
        )
    ).subquery()
    # Prometheus counts time in seconds; the factor is SQL text, not a bound amount of money.
    seconds = func.sum(by_type.c.hours) * literal_column("3600")
    return select(by_type.c.service_type, seconds).group_by(by_type.c.service_type)


FIGURES = (
    Figure(
        "countersign_service_desk_daily_reports_missing",
        "Daily reports flagged as not made by their due time, technicians' and supervisors' "
        "(SD-23).",
        _missing,
        labels=("kind",),
        counter=True,
        known=(("technician",), ("supervisor",)),
        rule="SD-23",
    ),
    Figure(
        "countersign_service_desk_reported_work_seconds",
        "Working time by service type in the technicians' daily reports the supervisor "
        "reviewed (SD-23, SD-01).",
        _hours,
        labels=("service_type",),
        counter=True,
        known=(("A",), ("B",), ("C",), ("D",)),
        rule="SD-23",
    ),
    Figure(
        "countersign_service_desk_daily_reports_unsigned",
        "Branch supervisors' daily reports waiting for the branch manager's signature (SD-23).",
        _awaiting_signature,
        rule="SD-23",
    ),
)


class DailyReportCommands(CustomerSigning):
    feature = Feature(
        "daily-reports",
        projections=(daily_reports, dispatches, missing_reports),
        timers=(MISSING,),
        value_objects=(HoursByType,),
        figures=FIGURES,
    )

    def daily_report(self, report_id: UUID) -> DailyReport:
        return self.get(DailyReport, report_id, "daily report")

    def _today(self) -> date:
        return clock.now().astimezone(self.calendar.zone).date()

    @command
    def submit_technician_report(
        self, context: CommandContext, day: date, hours: HoursByType
    ) -> TechnicianDailyReport:
        """SD-23: the technician's day, to the supervisor for review."""
        if self.find(DailyReport, report_id("technician", context.actor, day)) is not None:
            raise RuleViolation("SD-23", "the day's report is made once", day=day.isoformat())
        report = TechnicianDailyReport.submit(day, context.actor, hours, self._today())
        self.request_approval(report, DAILY_REPORT, context.actor)
        return report

    @command
    def correct_technician_report(
        self, context: CommandContext, technician_report_id: UUID, hours: HoursByType
    ) -> TechnicianDailyReport:
        report = self.get(TechnicianDailyReport, technician_report_id, "technician daily report")
        if report.person_id != context.actor:
            raise RuleViolation("SD-23", "a technician corrects his own report")
        report.correct(hours)
        self.request_approval(report, DAILY_REPORT, context.actor)
        return report

    @command
    def submit_supervisor_report(
        self,
        context: CommandContext,
        day: date,
        branch: str | None,
        technician_report_ids: tuple[UUID, ...],
    ) -> SupervisorDailyReport:
        """SD-23: compiled from the technicians' reports the supervisor reviewed; a branch's is
        signed by the branch manager before the service department receives it."""
        if self.find(DailyReport, report_id("supervisor", context.actor, day)) is not None:
            raise RuleViolation("SD-23", "the day's report is made once", day=day.isoformat())
        reports = [
            self.get(TechnicianDailyReport, found, "technician daily report")
            for found in technician_report_ids
        ]
        report = SupervisorDailyReport.compile(day, context.actor, branch, reports, self._today())
        self.request_approval(
            report, SUPERVISOR_DAILY_REPORT, context.actor, conditions=report.approval_conditions()
        )
        return report

    @command
    def flag_missing_report(
        self, context: CommandContext, kind: str, person: str, day: date, due: Deadline
    ) -> bool:
        if self.find(MissingDailyReport, report_id(f"missing-{kind}", person, day)) is not None:
            return False
        MissingDailyReport.flag(kind, person, day, due)
        return True
