"""The daily work reports as read tables (SD-23): the reports by day and person, who was sent out
on which day (from the dispatches), and the reports flagged as missing."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from pydantic import Field
from sqlalchemy import Connection, select

from runtime.projections import Projection
from runtime.views import ReadTable, View, identity
from service_desk.domain.daily_reports import (
    DailyReport,
    HoursByType,
    MissingDailyReport,
    ReportStatus,
    SupervisorDailyReport,
    TechnicianDailyReport,
)
from service_desk.domain.service_call import ServiceCall

HOURS = Field(max_digits=5, decimal_places=2)


class DailyReportRow(View):
    report_id: UUID = identity("report_id")
    kind: str = Field(max_length=16, description="technician (服表006) or supervisor (服表007)")
    day: date
    person_id: str = Field(max_length=64)
    branch: str | None = Field(max_length=64, description="The branch of a supervisor's report")
    status: str = Field(max_length=32)
    hours_a: Decimal = HOURS
    hours_b: Decimal = HOURS
    hours_c: Decimal = HOURS
    hours_d: Decimal = HOURS
    reviewer: str | None = Field(max_length=64)
    version: int


DAILY_REPORTS = ReadTable(
    DailyReportRow,
    "daily_reports",
    sortable=("day", "person_id"),
    filters=("kind", "day", "person_id", "status"),
)
daily_reports = Projection("daily_reports", DAILY_REPORTS.table)
_reports = DAILY_REPORTS.table.c


def _hours(hours: HoursByType) -> dict[str, Decimal]:
    return {"hours_a": hours.a, "hours_b": hours.b, "hours_c": hours.c, "hours_d": hours.d}


@daily_reports.on(TechnicianDailyReport.Submitted)
def _technician_submitted(event: TechnicianDailyReport.Submitted, db: Connection) -> None:
    DAILY_REPORTS.insert(
        db,
        event,
        kind="technician",
        branch=None,
        status=ReportStatus.SUBMITTED.value,
        reviewer=None,
        **_hours(event.hours),
    )


@daily_reports.on(SupervisorDailyReport.Submitted)
def _supervisor_submitted(event: SupervisorDailyReport.Submitted, db: Connection) -> None:
    DAILY_REPORTS.insert(
        db,
        event,
        kind="supervisor",
        status=ReportStatus.SUBMITTED.value,
        reviewer=None,
        **_hours(event.hours),
    )


@daily_reports.on(DailyReport.Corrected)
def _corrected(event: DailyReport.Corrected, db: Connection) -> None:
    DAILY_REPORTS.update(db, event, status=ReportStatus.SUBMITTED.value, **_hours(event.hours))


@daily_reports.on(DailyReport.Returned)
def _returned(event: DailyReport.Returned, db: Connection) -> None:
    DAILY_REPORTS.update(db, event, status=ReportStatus.RETURNED.value)


@daily_reports.on(TechnicianDailyReport.Reviewed)
def _reviewed(event: TechnicianDailyReport.Reviewed, db: Connection) -> None:
    DAILY_REPORTS.update(db, event, status=ReportStatus.REVIEWED.value, reviewer=event.reviewer)


@daily_reports.on(SupervisorDailyReport.SignedByBranchManager)
def _signed(event: SupervisorDailyReport.SignedByBranchManager, db: Connection) -> None:
    DAILY_REPORTS.update(db, event, status=ReportStatus.SIGNED_BY_BRANCH_MANAGER.value)


@daily_reports.on(SupervisorDailyReport.Received)
def _received(event: SupervisorDailyReport.Received, db: Connection) -> None:
    DAILY_REPORTS.update(db, event, status=ReportStatus.RECEIVED.value, reviewer=event.reviewer)


def reporters(db: Connection, kind: str, day: date) -> set[str]:
    """Who made a report of ``kind`` for ``day``."""
    query = select(_reports.person_id).where((_reports.kind == kind) & (_reports.day == day))
    return set(db.execute(query).scalars())


def reviewers(db: Connection, day: date) -> set[str]:
    """The supervisors who reviewed technicians' reports of ``day``: each owes his own."""
    reviewed = (
        (_reports.kind == "technician") & (_reports.day == day) & _reports.reviewer.is_not(None)
    )
    return {r for r in db.execute(select(_reports.reviewer).where(reviewed)).scalars() if r}


class DispatchRow(View):
    """SD-23: who was sent out when; each owes the day's report."""

    call_id: UUID = identity("call_id")
    technician_ids: list[str]
    dispatched_at: datetime


DISPATCHES = ReadTable(DispatchRow, "technician_dispatches", sortable=("dispatched_at",))
dispatches = Projection("technician_dispatches", DISPATCHES.table)


@dispatches.on(ServiceCall.TechnicianDispatched)
def _dispatched(event: ServiceCall.TechnicianDispatched, db: Connection) -> None:
    DISPATCHES.insert(
        db, event, technician_ids=list(event.technician_ids), dispatched_at=event.timestamp
    )


def dispatched_between(db: Connection, start: datetime, end: datetime) -> set[str]:
    """The technicians sent out on a call from ``start`` until ``end``."""
    columns = DISPATCHES.table.c
    within = (columns.dispatched_at >= start) & (columns.dispatched_at < end)
    rows = db.execute(select(columns.technician_ids).where(within)).scalars()
    return {technician for team in rows for technician in team}


class MissingReportRow(View):
    flag_id: UUID = identity("flag_id")
    kind: str = Field(max_length=16, description="technician or supervisor")
    day: date
    person_id: str = Field(max_length=64)
    due_at: datetime


MISSING_REPORTS = ReadTable(
    MissingReportRow,
    "daily_reports_missing",
    sortable=("day", "person_id"),
    filters=("kind", "day", "person_id"),
)
missing_reports = Projection("daily_reports_missing", MISSING_REPORTS.table)


@missing_reports.on(MissingDailyReport.Flagged)
def _flagged(event: MissingDailyReport.Flagged, db: Connection) -> None:
    MISSING_REPORTS.insert(db, event)
