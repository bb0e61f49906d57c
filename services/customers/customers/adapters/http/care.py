"""HTTP commands and queries of the customer cared for: the file kept fresh (CU-20), visit plans,
visits and work logs (CU-18), care plans and follow-ups (CU-25), the trading history (CU-26),
the log of sensitive reads (CU-21), needs and segments (CU-24)."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from contracts.values import Day, LongText, Name, ShortText, UserId
from customers.adapters.http.customers import READERS, App, Reader, SalesOrManager, file_as_shown
from customers.care_projections import (
    CARE_PLANS,
    FILE_FRESHNESS,
    SEGMENTS,
    SENSITIVE_READS,
    TRADING_ENTRIES,
    VISIT_PLANS,
    VISITS,
    CarePlanView,
    CustomerNeedsView,
    FileFreshnessView,
    SensitiveReadView,
    TradingEntryView,
    TradingHistoryView,
    VisitPlanView,
    VisitView,
)
from customers.domain.access import CONFIDENTIAL_READERS
from customers.domain.care import MAX_FOLLOW_UP_CYCLE_DAYS
from customers.domain.needs import Channel
from customers.domain.visits import MAX_PLANNED_VISITS, Period, PlannedVisit
from customers.projections import TieredCustomerFileView
from kernel.roles import SALES, Role
from runtime import clock
from runtime.auth import Principal, acting_as, requires
from runtime.transcoding import value_object
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest, View

router = APIRouter(tags=["customer care"])

CARE_TEAM = (Role.SALES_MANAGER, Role.CS_MANAGER, Role.CS_DIRECTOR, Role.SERVICE_DEPARTMENT)
"""CU-25: customers keep the care plan; the customer-service side visits (RULES §1)."""
CareTeam = Annotated[CommandContext, Depends(acting_as(*CARE_TEAM))]
CareReader = Annotated[Principal, Depends(requires(*READERS, *CARE_TEAM))]
CareTeamOrSales = Annotated[CommandContext, Depends(acting_as(*CARE_TEAM, *SALES))]
Salesperson = Annotated[CommandContext, Depends(acting_as(Role.SALESPERSON))]
SalesManager = Annotated[CommandContext, Depends(acting_as(Role.SALESPERSON, Role.SALES_MANAGER))]
"""Offered to salespeople too, so that the rule, not the route, refuses them (CU-18)."""


class RefreshFile(BaseModel):
    how_checked: LongText = Field(description="A visit, a call, the customer's papers (CU-20)")


class PlannedVisitEntry(BaseModel):
    customer_id: UUID
    on: Day
    purpose: ShortText


class PlanVisits(BaseModel):
    period: Period
    starts_on: Day = Field(description="The 1st of a month, a Monday, or the day")
    visits: list[PlannedVisitEntry] = Field(max_length=MAX_PLANNED_VISITS)


class ConfirmKeyVisits(BaseModel):
    customer_ids: list[UUID] = Field(max_length=MAX_PLANNED_VISITS)


class RecordVisit(BaseModel):
    customer_id: UUID
    visited_on: Day
    facts: LongText = Field(description="What was found at the customer, truthfully")


class WriteWorkLog(BaseModel):
    day: Day
    entry: LongText


class DrawUpCarePlan(BaseModel):
    customer_id: UUID
    follow_up_every_days: int = Field(ge=1, le=MAX_FOLLOW_UP_CYCLE_DAYS)
    measures: LongText = Field(description="How the key customer is cared for")


class RecordFollowUp(BaseModel):
    visited_on: Day
    findings: LongText
    feedback: ShortText = Field(default="", description="What the customer raised, if anything")


class PlannedVisitView(View):
    customer_id: UUID
    on: date
    purpose: str


class VisitPlanDetailView(VisitPlanView):
    visits: list[PlannedVisitView]
    key_customer_ids: list[UUID] = Field(description="Confirmed by the sales manager (CU-18)")


class WorkLogView(View):
    salesperson: UserId
    day: date
    entries: list[str]


# -- CU-20


@router.post("/customers/{customer_id}/file/refresh")
async def refresh_customer_file(
    context: SalesOrManager, customer_id: UUID, body: RefreshFile, app: App
) -> TieredCustomerFileView:
    """Confirm the file is current after checking it against the customer (CU-20)."""
    customer = await app.perform(app.refresh_customer_file, context, customer_id, body.how_checked)
    return file_as_shown(customer, context)


@router.get("/customer-files/stale")
def stale_customer_files(
    _: Reader, query: Annotated[PageRequest, Depends(FILE_FRESHNESS.query)], app: App
) -> Page[FileFreshnessView]:
    """Files neither recorded nor confirmed for over three months (CU-20)."""
    return app.stale_files(query, clock.now())


# -- CU-18


@router.post("/visit-plans", status_code=201)
async def plan_visits(context: Salesperson, body: PlanVisits, app: App) -> VisitPlanDetailView:
    """The caller's plan of customer visits for a month, a week or a day (CU-18)."""
    planned = [value_object(PlannedVisit, visit) for visit in body.visits]
    plan = await app.perform(app.plan_visits, context, body.period, body.starts_on, planned)
    return VisitPlanDetailView.model_validate(plan)


@router.post("/visit-plans/{plan_id}/key-visits")
async def confirm_key_visits(
    context: SalesManager, plan_id: UUID, body: ConfirmKeyVisits, app: App
) -> VisitPlanDetailView:
    """The sales manager confirms next week's key visits at the Saturday meeting (CU-18)."""
    plan = await app.perform(
        app.confirm_key_visits, context, plan_id, body.customer_ids, clock.now()
    )
    return VisitPlanDetailView.model_validate(plan)


@router.post("/visit-plans/{plan_id}/visits")
async def record_visit(
    context: Salesperson, plan_id: UUID, body: RecordVisit, app: App
) -> VisitPlanDetailView:
    """The facts found at a visit, on the target-customer sheet (CU-18)."""
    plan = await app.perform(
        app.record_visit,
        context,
        plan_id,
        body.customer_id,
        body.visited_on,
        body.facts,
        clock.now(),
    )
    return VisitPlanDetailView.model_validate(plan)


@router.get("/visit-plans")
def list_visit_plans(
    _: Reader, query: Annotated[PageRequest, Depends(VISIT_PLANS.query)], app: App
) -> Page[VisitPlanView]:
    """Visit plans, planned against recorded (CU-18)."""
    return app.visit_plans(query)


@router.get("/visit-plans/{plan_id}")
def get_visit_plan(_: Reader, plan_id: UUID, app: App) -> VisitPlanDetailView:
    return VisitPlanDetailView.model_validate(app.visit_plan(plan_id))


@router.get("/customer-visits")
def list_customer_visits(
    _: Reader, query: Annotated[PageRequest, Depends(VISITS.query)], app: App
) -> Page[VisitView]:
    """Recorded visits and the facts found, newest last (CU-18)."""
    return app.customer_visits(query)


@router.post("/work-logs")
async def write_work_log(context: Salesperson, body: WriteWorkLog, app: App) -> WorkLogView:
    """An entry in the caller's log of the day, written on the day (CU-18)."""
    log = await app.perform(app.write_work_log, context, body.day, body.entry, clock.now())
    return WorkLogView.model_validate(log)


@router.get("/work-logs/{salesperson}/{day}")
def get_work_log(_: Reader, salesperson: UserId, day: Day, app: App) -> WorkLogView:
    return WorkLogView.model_validate(app.work_log(salesperson, day))


# -- CU-25


@router.post("/care-plans", status_code=201)
async def draw_up_care_plan(context: CareTeam, body: DrawUpCarePlan, app: App) -> CarePlanView:
    """The care plan of a key customer: grade A or important (CU-25)."""
    plan = await app.perform(
        app.draw_up_care_plan,
        context,
        body.customer_id,
        body.follow_up_every_days,
        body.measures,
        clock.now(),
    )
    return CarePlanView.model_validate(plan)


@router.get("/care-plans/follow-ups-due")
def follow_ups_due(
    _: CareReader, query: Annotated[PageRequest, Depends(CARE_PLANS.query)], app: App
) -> Page[CarePlanView]:
    """Care plans whose next follow-up visit is due today or earlier (CU-25)."""
    return app.follow_ups_due(query, clock.now())


@router.post("/care-plans/{care_plan_id}/follow-ups")
async def record_follow_up(
    context: Annotated[CommandContext, Depends(acting_as(*CARE_TEAM, Role.SALESPERSON))],
    care_plan_id: UUID,
    body: RecordFollowUp,
    app: App,
) -> CarePlanView:
    """A follow-up visit, its findings and the customer's feedback (CU-25)."""
    plan = await app.perform(
        app.record_follow_up,
        context,
        care_plan_id,
        body.visited_on,
        body.findings,
        body.feedback,
        clock.now(),
    )
    return CarePlanView.model_validate(plan)


@router.get("/care-plans/{care_plan_id}")
def get_care_plan(_: CareReader, care_plan_id: UUID, app: App) -> CarePlanView:
    return CarePlanView.model_validate(app.care_plan(care_plan_id))


# -- CU-26


@router.get("/customers/{customer_id}/trading-history")
def trading_history(
    context: Annotated[CommandContext, Depends(acting_as(*READERS))], customer_id: UUID, app: App
) -> TradingHistoryView:
    """What orders and billing reported of the customer's trade (CU-26); the credit review's
    figures (CU-11) only to the confidential levels, each such read logged (CU-21)."""
    return app.trading_history_for(context, customer_id)


@router.get("/trading-entries")
def list_trading_entries(
    _: Reader, query: Annotated[PageRequest, Depends(TRADING_ENTRIES.query)], app: App
) -> Page[TradingEntryView]:
    """Shipments, deliveries and invoices, by customer, kind or order (CU-26)."""
    return app.read_models.page(TRADING_ENTRIES, query)


# -- CU-21


@router.get("/customer-files/sensitive-reads")
def sensitive_reads(
    _: Annotated[Principal, Depends(requires(*CONFIDENTIAL_READERS))],
    query: Annotated[PageRequest, Depends(SENSITIVE_READS.query)],
    app: App,
) -> Page[SensitiveReadView]:
    """Who read which customer's sensitive fields, and when (CU-21)."""
    return app.sensitive_reads(query)


# -- CU-24


class AnalyseNeeds(BaseModel):
    channel: Channel
    needs: LongText
    changes: ShortText = Field(
        default="", description="How the needs moved since the last analysis; required then"
    )
    segment: Name
    service_focus: LongText


@router.post("/customers/{customer_id}/needs")
async def analyse_needs(
    context: CareTeamOrSales, customer_id: UUID, body: AnalyseNeeds, app: App
) -> CustomerNeedsView:
    """The customer's needs analysed into a segment and a service focus (CU-24)."""
    record = await app.perform(
        app.analyse_needs,
        context,
        customer_id,
        body.channel,
        body.needs,
        body.changes,
        body.segment,
        body.service_focus,
    )
    return CustomerNeedsView.model_validate(record)


@router.get("/customer-segments")
def customer_segments(
    _: CareReader, query: Annotated[PageRequest, Depends(SEGMENTS.query)], app: App
) -> Page[CustomerNeedsView]:
    """Customers by segment and service focus; filter by segment (CU-24)."""
    return app.segmented(query)
