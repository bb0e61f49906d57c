"""HTTP commands and lists of the complaint (RULES §4.10). The routing decision of a classified
complaint (the service department; leadership for a major one) goes through the approval
routes (``/complaints/{id}/approvals``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from contracts.values import Code, Day, Instant, LongText, Name, ShortText, UserId
from kernel.approvals.http import document_routes
from kernel.roles import Role
from runtime.auth import Principal, acting_as, requires
from runtime.http import application_of
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest, View, identity
from service_desk.adapters.http.vouchers import READERS
from service_desk.application import ServiceDeskApplication
from service_desk.complaint_projections import COMPLAINTS, ComplaintRow
from service_desk.domain.complaint import (
    ComplaintChannel,
    ComplaintStatus,
    NoticeMethod,
    Satisfaction,
    Severity,
    Subject,
)

router = APIRouter(tags=["complaints"])
approvals = document_routes("/complaints", "complaints")
"""SD-32, C1: the service department takes a classified complaint on; leadership a major one."""

App = Annotated[ServiceDeskApplication, Depends(application_of(ServiceDeskApplication))]
CUSTOMER_SERVICE = (Role.SERVICE_DEPARTMENT, Role.CS_MANAGER, Role.SERVICE_CLERK)
"""SD-34: the customer-service department receives, investigates and follows up complaints."""
CustomerService = Annotated[CommandContext, Depends(acting_as(*CUSTOMER_SERVICE))]
Visitor = Annotated[
    CommandContext,
    Depends(acting_as(Role.SERVICE_SUPERVISOR, Role.BUSINESS_SUPERVISOR)),
]
"""SD-33, C2: the supervisor whose side the complaint is on."""
Reader = Annotated[
    Principal,
    Depends(
        requires(
            *READERS,
            Role.CS_MANAGER,
            Role.BUSINESS_SUPERVISOR,
            Role.LEADERSHIP_GM,
            Role.LEADERSHIP_DGM,
        )
    ),
]


class ComplaintView(View):
    complaint_id: UUID = identity("complaint_id")
    customer_id: UUID
    channel: ComplaintChannel
    subject: Subject
    description: str
    received_at: datetime
    received_by: str
    visitor_role: str
    status: ComplaintStatus
    reply_due_at: datetime | None
    solution_due_at: datetime | None
    follow_up_due_at: datetime | None
    valid: bool | None
    findings: str
    responsible_dept: str | None
    severity: Severity | None
    solution: str
    visited_by: str | None
    follow_ups: list[Satisfaction]
    follow_ups_due: int
    reopened: int
    closed_at: datetime | None
    version: int


class CauseCountView(View):
    cause: str
    count: int


class ComplaintAnalysisView(View):
    analysis_id: UUID = identity("analysis_id")
    month: date
    counts_by_cause: list[CauseCountView]
    corrective_actions: list[str]
    published_by: str


class PublishAnalysis(BaseModel):
    month: Day = Field(description="Any day of the month analysed")
    corrective_actions: list[LongText] = Field(default=[], max_length=100)


class ReceiveComplaint(BaseModel):
    customer_id: UUID
    channel: ComplaintChannel
    subject: Subject = Field(description="C2: a sales complaint is visited by the sales side")
    description: LongText
    received_at: Instant | None = Field(
        default=None, description="When the complaint came in; now by default"
    )


class Investigation(BaseModel):
    valid: bool = Field(description="SD-35: whether the complaint is founded")
    findings: LongText
    investigation_form_ref: Code = Field(description="The complaint investigation form")
    responsible_dept: Name | None = Field(default=None, description="SD-35: when valid")
    notice_method: NoticeMethod = Field(
        default=NoticeMethod.LETTER, description="How the findings of an invalid one go back"
    )


class Classification(BaseModel):
    severity: Severity
    critical: bool = Field(
        default=False, description="C1: safety, legal, A-grade key account: the GM decides too"
    )


class Assignment(BaseModel):
    dept: Name
    transfer_form_ref: Code = Field(description="SD-36: the complaint transfer form")


class Solution(BaseModel):
    solution: LongText


class Opinion(BaseModel):
    accepted: bool
    opinion_form_ref: Code = Field(description="SD-37: the customer opinion form")
    opinion: ShortText = ""


class Visit(BaseModel):
    visitor_id: UserId | None = Field(
        default=None, description="SD-33: the staff the supervisor sent; the supervisor if none"
    )
    notes: LongText


class FollowUp(BaseModel):
    satisfaction: Satisfaction
    notes: ShortText = ""


class Closure(BaseModel):
    notice_method: NoticeMethod = Field(description="SD-32: by letter for a major complaint")


@router.post("/complaints", status_code=201)
async def receive_complaint(
    context: CustomerService, body: ReceiveComplaint, app: App
) -> ComplaintView:
    """SD-34: record the complaint and promise the reply."""
    complaint = await app.perform(
        app.receive_complaint,
        context,
        body.customer_id,
        body.channel,
        body.subject,
        body.description,
        body.received_at,
    )
    return ComplaintView.model_validate(complaint)


@router.post("/complaints/{complaint_id}/investigation")
async def investigate_complaint(
    context: CustomerService, complaint_id: UUID, body: Investigation, app: App
) -> ComplaintView:
    """SD-35: valid: the responsible department; not valid: the findings to the customer."""
    complaint = await app.perform(
        app.investigate_complaint,
        context,
        complaint_id,
        body.valid,
        body.findings,
        body.investigation_form_ref,
        body.responsible_dept,
        body.notice_method,
    )
    return ComplaintView.model_validate(complaint)


@router.post("/complaints/{complaint_id}/classification")
async def classify_complaint(
    context: CustomerService, complaint_id: UUID, body: Classification, app: App
) -> ComplaintView:
    """SD-32, C1: major or general; the routing goes to the matrix's chain."""
    complaint = await app.perform(
        app.classify_complaint, context, complaint_id, body.severity, body.critical
    )
    return ComplaintView.model_validate(complaint)


@router.post("/complaints/{complaint_id}/assignment")
async def assign_complaint(
    context: CustomerService, complaint_id: UUID, body: Assignment, app: App
) -> ComplaintView:
    """SD-36: the transfer form to the responsible department; its solution is due."""
    complaint = await app.perform(
        app.assign_complaint, context, complaint_id, body.dept, body.transfer_form_ref
    )
    return ComplaintView.model_validate(complaint)


@router.post("/complaints/{complaint_id}/solution")
async def propose_solution(
    context: CustomerService, complaint_id: UUID, body: Solution, app: App
) -> ComplaintView:
    """SD-36: the department's answer and solution, to discuss with the customer."""
    complaint = await app.perform(app.propose_solution, context, complaint_id, body.solution)
    return ComplaintView.model_validate(complaint)


@router.post("/complaints/{complaint_id}/customer-opinion")
async def record_customer_opinion(
    context: CustomerService, complaint_id: UUID, body: Opinion, app: App
) -> ComplaintView:
    """SD-37: agreed, it is carried out; not agreed, back to the department."""
    complaint = await app.perform(
        app.record_customer_opinion,
        context,
        complaint_id,
        body.accepted,
        body.opinion_form_ref,
        body.opinion,
    )
    return ComplaintView.model_validate(complaint)


@router.post("/complaints/{complaint_id}/implementation")
async def implement_solution(
    context: CustomerService, complaint_id: UUID, app: App
) -> ComplaintView:
    """SD-37, SD-38: the agreed solution carried out; the first follow-up is due."""
    complaint = await app.perform(app.implement_solution, context, complaint_id)
    return ComplaintView.model_validate(complaint)


@router.post("/complaints/{complaint_id}/visit")
async def record_visit(
    context: Visitor, complaint_id: UUID, body: Visit, app: App
) -> ComplaintView:
    """SD-33, C2: the customer visited by the supervisor, or the staff they sent."""
    complaint = await app.perform(
        app.record_complaint_visit, context, complaint_id, body.visitor_id, body.notes
    )
    return ComplaintView.model_validate(complaint)


@router.post("/complaints/{complaint_id}/follow-ups")
async def follow_up_complaint(
    context: CustomerService, complaint_id: UUID, body: FollowUp, app: App
) -> ComplaintView:
    """SD-38, SD-39: the follow-up's satisfaction survey; not satisfied reopens it."""
    complaint = await app.perform(
        app.follow_up_complaint, context, complaint_id, body.satisfaction, body.notes
    )
    return ComplaintView.model_validate(complaint)


@router.post("/complaints/{complaint_id}/closure")
async def close_complaint(
    context: CustomerService, complaint_id: UUID, body: Closure, app: App
) -> ComplaintView:
    """SD-39, SD-32: closed on satisfaction, the customer told the outcome."""
    complaint = await app.perform(app.close_complaint, context, complaint_id, body.notice_method)
    return ComplaintView.model_validate(complaint)


@router.post("/complaint-analyses", status_code=201)
async def publish_complaint_analysis(
    context: CustomerService, body: PublishAnalysis, app: App
) -> ComplaintAnalysisView:
    """SD-40: the monthly analysis of the closed complaints, with the corrective actions."""
    analysis = await app.perform(
        app.publish_complaint_analysis, context, body.month, tuple(body.corrective_actions)
    )
    return ComplaintAnalysisView.model_validate(analysis)


@router.get("/complaint-analyses/{month}")
def get_complaint_analysis(_: Reader, month: Day, app: App) -> ComplaintAnalysisView:
    return ComplaintAnalysisView.model_validate(app.complaint_analysis(month))


@router.get("/complaints")
def list_complaints(
    _: Reader, query: Annotated[PageRequest, Depends(COMPLAINTS.query)], app: App
) -> Page[ComplaintRow]:
    """The complaint register, in the order received."""
    return app.read_models.page(COMPLAINTS, query)


@router.get("/complaints/open")
def open_complaints(
    _: Reader, query: Annotated[PageRequest, Depends(COMPLAINTS.query)], app: App
) -> Page[ComplaintRow]:
    """Complaints not closed yet, the oldest first (SD-41)."""
    not_closed = COMPLAINTS.table.c.status != ComplaintStatus.CLOSED.value
    return app.read_models.page(COMPLAINTS, query, not_closed)


@router.get("/complaints/{complaint_id}")
def get_complaint(_: Reader, complaint_id: UUID, app: App) -> ComplaintView:
    return ComplaintView.model_validate(app.complaint(complaint_id))
