"""HTTP commands and lists of the daily work reports (SD-23). The supervisor reviews a
technician's report, the branch manager signs and the service department receives a supervisor's
through the approval routes (``/daily-reports/{id}/approval``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from contracts.values import Code, Day
from kernel.approvals.http import document_routes
from kernel.roles import Role
from runtime.auth import Principal, acting_as, requires
from runtime.http import application_of
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest, View, identity
from service_desk.adapters.http.vouchers import READERS
from service_desk.application import ServiceDeskApplication
from service_desk.domain.daily_reports import HoursByType, ReportStatus
from service_desk.report_projections import (
    DAILY_REPORTS,
    MISSING_REPORTS,
    DailyReportRow,
    MissingReportRow,
)

router = APIRouter(tags=["daily reports"])
approvals = document_routes("/daily-reports", "daily reports")
"""SD-23: the supervisor reviews, the branch manager signs, the service department receives."""

App = Annotated[ServiceDeskApplication, Depends(application_of(ServiceDeskApplication))]
Technician = Annotated[CommandContext, Depends(acting_as(Role.TECHNICIAN))]
Supervisor = Annotated[CommandContext, Depends(acting_as(Role.SERVICE_SUPERVISOR))]
Reader = Annotated[
    Principal, Depends(requires(*READERS, Role.BRANCH_SERVICE_MANAGER, Role.UNIT_LEADER))
]
Hour = Annotated[Decimal, Field(ge=0, le=24, max_digits=4, decimal_places=2)]


class Hours(BaseModel):
    """SD-01, SD-23: hours of the day's work by service type."""

    A: Hour = Decimal(0)
    B: Hour = Decimal(0)
    C: Hour = Decimal(0)
    D: Hour = Decimal(0)

    def by_type(self) -> HoursByType:
        return HoursByType(self.A, self.B, self.C, self.D)


class HoursView(View):
    a: Decimal
    b: Decimal
    c: Decimal
    d: Decimal


class DailyReportView(View):
    report_id: UUID = identity("report_id")
    document_type: str
    day: date
    person_id: str
    hours: HoursView
    status: ReportStatus
    reviewer: str | None
    version: int


class TechnicianReport(BaseModel):
    day: Day
    hours: Hours


class SupervisorReport(BaseModel):
    day: Day
    branch: Code | None = Field(
        default=None, description="The branch (分公司): its manager signs first"
    )
    technician_report_ids: list[UUID] = Field(min_length=1, max_length=200)


@router.post("/daily-reports/technician", status_code=201)
async def submit_technician_report(
    context: Technician, body: TechnicianReport, app: App
) -> DailyReportView:
    """SD-23: the technician's day (服表006), to the supervisor."""
    report = await app.perform(
        app.submit_technician_report, context, body.day, body.hours.by_type()
    )
    return DailyReportView.model_validate(report)


@router.post("/daily-reports/technician/{report_id}/correction")
async def correct_technician_report(
    context: Technician, report_id: UUID, body: Hours, app: App
) -> DailyReportView:
    """SD-23: a report the supervisor sent back, corrected."""
    report = await app.perform(app.correct_technician_report, context, report_id, body.by_type())
    return DailyReportView.model_validate(report)


@router.post("/daily-reports/supervisor", status_code=201)
async def submit_supervisor_report(
    context: Supervisor, body: SupervisorReport, app: App
) -> DailyReportView:
    """SD-23: the team's day (服表007), compiled from the reviewed technicians' reports."""
    report = await app.perform(
        app.submit_supervisor_report,
        context,
        body.day,
        body.branch,
        tuple(body.technician_report_ids),
    )
    return DailyReportView.model_validate(report)


@router.get("/daily-reports")
def list_daily_reports(
    _: Reader, query: Annotated[PageRequest, Depends(DAILY_REPORTS.query)], app: App
) -> Page[DailyReportRow]:
    return app.read_models.page(DAILY_REPORTS, query)


@router.get("/daily-reports/missing")
def missing_daily_reports(
    _: Reader, query: Annotated[PageRequest, Depends(MISSING_REPORTS.query)], app: App
) -> Page[MissingReportRow]:
    """SD-23: the reports flagged as not made by their due time."""
    return app.read_models.page(MISSING_REPORTS, query)


@router.get("/daily-reports/{report_id}")
def get_daily_report(_: Reader, report_id: UUID, app: App) -> DailyReportView:
    return DailyReportView.model_validate(app.daily_report(report_id))
