"""HTTP commands and lists of the service call (RULES §4.9): the call-in register, dispatch, the
visit and its report. The customer signs the report through the signing channel's routes
(``/service-calls/{id}/signing-requests``), the leader approves it through the approval routes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement

from contracts.values import (
    Code,
    Day,
    Instant,
    LongText,
    Name,
    Phone,
    Price,
    Quantity,
    ShortText,
    UserId,
)
from kernel.approvals.http import document_routes
from kernel.roles import Role
from kernel.signing.http import signing_routes
from runtime import clock
from runtime.auth import Principal, acting_as, requires
from runtime.http import application_of
from runtime.unit_of_work import CommandContext
from runtime.views import Money, Page, PageRequest, View, identity
from service_desk.adapters.http.vouchers import READERS
from service_desk.application import ServiceDeskApplication
from service_desk.call_projections import SERVICE_CALLS, ServiceCallRow
from service_desk.domain.service_call import (
    Caller,
    CallStatus,
    Channel,
    ReplacedPart,
    ServiceType,
    Zone,
)

router = APIRouter(tags=["service calls"])
approvals = document_routes("/service-calls", "service calls")
"""SD-21: the leader's approval of the service report."""
signing = signing_routes("/service-calls", "service calls")
"""SD-11: the customer signs the service report through their own link."""

App = Annotated[ServiceDeskApplication, Depends(application_of(ServiceDeskApplication))]
Registrar = Annotated[CommandContext, Depends(acting_as(Role.SERVICE_CLERK, Role.SALES_CLERK))]
"""SD-03, SD-43: the service clerk, or the sales clerk for what comes through sales."""
Clerk = Annotated[CommandContext, Depends(acting_as(Role.SERVICE_CLERK))]
Supervisor = Annotated[CommandContext, Depends(acting_as(Role.SERVICE_SUPERVISOR))]
Technician = Annotated[CommandContext, Depends(acting_as(Role.TECHNICIAN))]
Service = Annotated[
    CommandContext,
    Depends(acting_as(Role.SERVICE_CLERK, Role.SERVICE_SUPERVISOR, Role.TECHNICIAN)),
]
Reader = Annotated[Principal, Depends(requires(*READERS, Role.UNIT_LEADER, Role.SALES_CLERK))]


class PartView(View):
    name: Name
    quantity: Quantity
    reason: ShortText


class CallerView(View):
    name: Name
    address: ShortText
    phone: Phone
    model: Code


class TripAdvanceView(View):
    """BI-24 (RULES §7 row 19): a cash advance billing issued for the call's trip."""

    advance_id: UUID
    employee_id: str
    amount: Money
    outstanding: Money
    settled: bool = Field(description="Netted against the reimbursement or repaid in full")


class ServiceCallView(View):
    call_id: UUID = identity("call_id")
    customer_id: UUID
    voucher_id: UUID | None
    caller: CallerView
    channel: Channel
    zone: Zone
    supplier_dependent: bool
    emergency: bool
    fault: LongText
    received_at: datetime
    registered_by: str
    sla_kind: str
    sla_due_at: datetime
    status: CallStatus
    green_channel: bool
    prioritised: bool
    awaiting_confirmation: bool
    sla_met: bool | None
    sla_breached: bool
    technician_ids: list[str]
    lead_technician_id: str | None
    arrived_at: datetime | None
    agreed_visit_date: date | None
    service_type: ServiceType | None
    contract_id: UUID | None = Field(description="SD-48: the maintenance contract of type-B work")
    in_warranty: bool | None
    tampered: bool | None
    running_hours: int | None
    mileage_km: int | None
    findings: str
    cause: str
    unit_to_be_replaced: bool
    work_done: str
    parts: list[PartView]
    guidance_given: str
    signed_at: datetime | None
    customer_comments: str | None
    fee: Money | None = Field(description="SD-13: the quoted fee of paid work")
    fee_approval_id: UUID | None
    fee_receipt_no: str | None
    invoice_requested: bool
    cash_advances: list[TripAdvanceView] = Field(
        description="BI-24: the cash advances for the call's trip, until settled"
    )
    version: int


class RegisterCall(BaseModel):
    customer_id: UUID
    caller_name: Name
    address: ShortText = Field(min_length=1)
    phone: Phone
    model: Code = Field(description="The product model (SD-03)")
    voucher_id: UUID | None = Field(default=None, description="The product's voucher (SD-02)")
    channel: Channel
    zone: Zone = Field(description="Resolution C3: urban, suburban, within or beyond 100 km")
    supplier_dependent: bool = Field(
        default=False, description="SD-06: a fault in a supplier's component"
    )
    emergency: bool = Field(default=False, description="SD-45: the emergency path")
    coverage_unclear: bool = Field(
        default=False, description="SD-43: warranty or contract coverage is unclear"
    )
    chargeable: bool = Field(default=False, description="SD-43: expected to be paid work (A)")
    fault: LongText
    received_at: Instant | None = Field(
        default=None, description="When the call or letter came in (SD-42); now by default"
    )


class Dispatch(BaseModel):
    technician_ids: list[UserId] = Field(min_length=1, max_length=20)
    lead_technician_id: UserId | None = Field(
        default=None, description="SD-08: the temporary lead, required for a team"
    )


class Reply(BaseModel):
    reply: LongText = Field(description="The written reply to the customer (SD-05, SD-06)")
    agreed_visit_date: Day


class Diagnosis(BaseModel):
    in_warranty: bool = Field(description="SD-09: three-guarantees (三包) coverage confirmed")
    tampered: bool = Field(description="SD-09: the faulty part was taken apart")
    running_hours: int | None = Field(default=None, ge=0, le=10_000_000)
    mileage_km: int | None = Field(default=None, ge=0, le=100_000_000)
    findings: LongText
    cause: LongText
    service_type: Literal["A", "B", "C", "D"]
    unit_to_be_replaced: bool = False


class Part(BaseModel):
    name: Name
    quantity: Quantity
    reason: ShortText


class Completion(BaseModel):
    work_done: LongText
    parts: list[Part] = Field(default=[], max_length=100)
    guidance_given: ShortText = Field(description="SD-10: the use and care guidance given")


@router.post("/service-calls", status_code=201)
async def register_call(context: Registrar, body: RegisterCall, app: App) -> ServiceCallView:
    """SD-03, SD-42, SD-43: enter the call in the register; its SLA clock starts now."""
    caller = Caller(body.caller_name, body.address, body.phone, body.model)
    call = await app.perform(
        app.register_call,
        context,
        body.customer_id,
        caller,
        body.voucher_id,
        body.channel,
        body.zone,
        body.supplier_dependent,
        body.emergency,
        body.fault,
        body.received_at,
        body.coverage_unclear,
        body.chargeable,
    )
    return ServiceCallView.model_validate(call)


@router.post("/service-calls/{call_id}/dispatch")
async def dispatch_call(
    context: Supervisor, call_id: UUID, body: Dispatch, app: App
) -> ServiceCallView:
    """SD-08: the supervisor sends a technician, or a team under a named lead."""
    call = await app.perform(
        app.dispatch_call, context, call_id, tuple(body.technician_ids), body.lead_technician_id
    )
    return ServiceCallView.model_validate(call)


@router.post("/service-calls/{call_id}/reply")
async def reply_to_customer(
    context: Service, call_id: UUID, body: Reply, app: App
) -> ServiceCallView:
    """SD-05, SD-06: the written reply and agreed date, beyond the radius or for a supplier."""
    call = await app.perform(
        app.reply_to_customer, context, call_id, body.reply, body.agreed_visit_date
    )
    return ServiceCallView.model_validate(call)


@router.post("/service-calls/{call_id}/arrival")
async def record_arrival(context: Technician, call_id: UUID, app: App) -> ServiceCallView:
    """SD-04, SD-05: the technician on site; the SLA is checked."""
    return ServiceCallView.model_validate(await app.perform(app.record_arrival, context, call_id))


@router.post("/service-calls/{call_id}/diagnosis")
async def record_diagnosis(
    context: Technician, call_id: UUID, body: Diagnosis, app: App
) -> ServiceCallView:
    """SD-09, SD-01: listen, look, check; the service type."""
    call = await app.perform(
        app.record_diagnosis,
        context,
        call_id,
        body.in_warranty,
        body.tampered,
        body.running_hours,
        body.mileage_km,
        body.findings,
        body.cause,
        ServiceType(body.service_type),
        body.unit_to_be_replaced,
    )
    return ServiceCallView.model_validate(call)


@router.post("/service-calls/{call_id}/completion")
async def complete_work(
    context: Technician, call_id: UUID, body: Completion, app: App
) -> ServiceCallView:
    """SD-10: the service report; the customer may sign it from now on (SD-11)."""
    parts = tuple(ReplacedPart(p.name, p.quantity, p.reason) for p in body.parts)
    call = await app.perform(
        app.complete_work, context, call_id, body.work_done, parts, body.guidance_given
    )
    return ServiceCallView.model_validate(call)


class FeeQuote(BaseModel):
    amount: Price = Field(description="SD-13: the fee of the paid (type A) job")


class FeeCollection(BaseModel):
    amount: Price
    receipt_no: Code = Field(description="SD-13, C4: the receipt issued to the customer")


@router.post("/service-calls/{call_id}/fee")
async def quote_fee(
    context: Technician, call_id: UUID, body: FeeQuote, app: App
) -> ServiceCallView:
    """SD-13, C4: the fee goes to the unit leader for approval (the approval routes)."""
    return ServiceCallView.model_validate(
        await app.perform(app.quote_fee, context, call_id, body.amount)
    )


@router.post("/service-calls/{call_id}/fee-collection")
async def collect_fee_on_site(
    context: Technician, call_id: UUID, body: FeeCollection, app: App
) -> ServiceCallView:
    """SD-13, C4: the approved small fee taken on site against a receipt; the cash goes to the
    accountant the same day (BI-17)."""
    call = await app.perform(
        app.collect_fee_on_site, context, call_id, body.amount, body.receipt_no
    )
    return ServiceCallView.model_validate(call)


class MajorIssue(BaseModel):
    proposal: LongText = Field(description="SD-20: your own proposal for solving it")
    customer_demand: LongText = Field(description="SD-20: what the customer asks for")


FieldReporter = Annotated[CommandContext, Depends(acting_as(Role.TECHNICIAN, Role.SALESPERSON))]
"""SD-20: the technician on the job, or the salesperson for a problem the field cannot solve."""


@router.post("/service-calls/{call_id}/major-issues")
async def report_major_issue(
    context: FieldReporter, call_id: UUID, body: MajorIssue, app: App
) -> ServiceCallView:
    """SD-20: reported at once to the unit leader (from a technician) or the sales manager (from
    a salesperson), who escalate to leadership through ``/service-calls/{id}/major-matters``."""
    call = await app.perform(
        app.report_major_issue, context, call_id, body.proposal, body.customer_demand
    )
    return ServiceCallView.model_validate(call)


@router.post("/service-calls/{call_id}/close")
async def close_call(context: Clerk, call_id: UUID, app: App) -> ServiceCallView:
    """SD-12, SD-21: the clerk cancels the register entry; the report goes to the leader."""
    return ServiceCallView.model_validate(await app.perform(app.close_call, context, call_id))


@router.get("/service-calls")
def list_service_calls(
    _: Reader, query: Annotated[PageRequest, Depends(SERVICE_CALLS.query)], app: App
) -> Page[ServiceCallRow]:
    """The call-in register, in time order (SD-42); by SLA deadline or dispatch order if asked."""
    return app.read_models.page(SERVICE_CALLS, query)


@router.get("/service-calls/open")
def open_service_calls(
    _: Reader, query: Annotated[PageRequest, Depends(SERVICE_CALLS.query)], app: App
) -> Page[ServiceCallRow]:
    """Calls not closed yet, the nearest SLA deadline first unless sorted otherwise."""
    sorted_query = (
        query if query.sort else PageRequest(query.limit, query.offset, "sla_due_at", query.filters)
    )
    return app.read_models.page(SERVICE_CALLS, sorted_query, _not_closed())


def _not_closed() -> ColumnElement[bool]:
    return SERVICE_CALLS.table.c.status.not_in(
        (CallStatus.CLOSED.value, CallStatus.CANCELLED.value)
    )


@router.get("/service-calls/mine")
def my_service_calls(
    principal: Reader, query: Annotated[PageRequest, Depends(SERVICE_CALLS.query)], app: App
) -> Page[ServiceCallRow]:
    """The technician's view: the open calls they lead (SD-08), the nearest SLA deadline first."""
    by_deadline = PageRequest(query.limit, query.offset, query.sort or "sla_due_at", query.filters)
    mine = SERVICE_CALLS.table.c.lead_technician_id == principal.user_id
    return app.read_models.page(SERVICE_CALLS, by_deadline, _not_closed(), mine)


@router.get("/service-calls/at-risk")
def service_calls_at_risk(
    _: Reader,
    query: Annotated[PageRequest, Depends(SERVICE_CALLS.query)],
    app: App,
    within_hours: Annotated[
        int, Query(ge=1, le=72, description="Deadlines falling within this many hours")
    ] = 2,
) -> Page[ServiceCallRow]:
    """The supervisor's view: open calls nobody has reached or answered yet whose SLA deadline
    (SD-04 … SD-06) falls within ``within_hours``, the nearest first; breached ones are on
    ``/service-calls?status=...`` and the breach figures."""
    columns = SERVICE_CALLS.table.c
    soon = clock.now() + timedelta(hours=within_hours)
    at_risk = columns.sla_met.is_(None) & ~columns.sla_breached & (columns.sla_due_at <= soon)
    by_deadline = PageRequest(query.limit, query.offset, "sla_due_at", query.filters)
    return app.read_models.page(SERVICE_CALLS, by_deadline, _not_closed(), at_risk)


@router.get("/service-calls/dispatch-list")
def dispatch_list(
    _: Reader, query: Annotated[PageRequest, Depends(SERVICE_CALLS.query)], app: App
) -> Page[ServiceCallRow]:
    """Calls waiting for dispatch: emergencies, then grade-A customers (green channel), then
    carried over from an earlier day (SD-07), each by SLA deadline. A sales-channel request
    waiting for the sales manager's confirmation is not on it yet (SD-43)."""
    ordered = PageRequest(query.limit, query.offset, "dispatch_key", query.filters)
    columns = SERVICE_CALLS.table.c
    waiting = (columns.status == CallStatus.REGISTERED.value) & ~columns.awaiting_confirmation
    return app.read_models.page(SERVICE_CALLS, ordered, waiting)


@router.get("/service-calls/{call_id}")
def get_service_call(_: Reader, call_id: UUID, app: App) -> ServiceCallView:
    return ServiceCallView.model_validate(app.service_call(call_id))
