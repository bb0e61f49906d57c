"""HTTP commands and queries of the sales claims (OR-31): registered, their facts gathered, a
countermeasure proposed; the sales manager's review is the kernel's approval routes on each
claim. And of the contract breaches and disputes (OR-32): reported to leadership, the sales
manager's countermeasure, leadership's outcome. And of the commitments made to customers
(OR-36)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from contracts.values import Amount, Instant, LongText
from kernel.approvals.http import document_routes
from kernel.roles import SALES, Role
from orders.application import OrdersApplication
from orders.claim_projections import (
    CLAIMS,
    COMMITMENTS,
    DISPUTES,
    ClaimSummary,
    CommitmentView,
    DisputeView,
)
from orders.domain.commitment import KEEPERS, CommitmentKind
from orders.domain.dispute import Outcome
from orders.domain.sales_claim import HANDLERS, ClaimType
from runtime.auth import Principal, acting_as, requires
from runtime.http import application_of
from runtime.unit_of_work import CommandContext
from runtime.views import Money, Page, PageRequest

router = APIRouter(tags=["sales-claims"])
claim_approvals = document_routes("/claims", "sales-claims")
"""OR-31: the sales manager reviews every claim's resolution."""

App = Annotated[OrdersApplication, Depends(application_of(OrdersApplication))]
Sales = Annotated[CommandContext, Depends(acting_as(*SALES))]
Handler = Annotated[CommandContext, Depends(acting_as(*HANDLERS))]
LEADERS = (Role.LEADERSHIP_GM, Role.LEADERSHIP_DGM)
Reader = Annotated[Principal, Depends(requires(*HANDLERS, *LEADERS))]
Involved = Annotated[CommandContext, Depends(acting_as(*HANDLERS, *LEADERS))]
"""OR-32: the dispute's own rule says which of them takes which step."""


class RegisterClaim(BaseModel):
    customer_id: UUID
    claim_type: ClaimType | None = Field(default=None, description="Quality, quantity, delivery")
    description: LongText
    amount_claimed: Amount = Field(ge=0)


class Investigation(BaseModel):
    claim_type: ClaimType
    findings: LongText


class Countermeasure(BaseModel):
    countermeasure: LongText
    settlement: Amount = Field(ge=0, description="What the company pays or credits, if anything")


class ClaimView(ClaimSummary):
    description: str
    severity: str | None
    findings: str | None
    countermeasure: str | None
    settlement: Money | None


@router.post("/claims", status_code=201)
async def register_claim(context: Sales, body: RegisterClaim, app: App) -> ClaimView:
    """Register a customer's claim, whatever its size (OR-31)."""
    claim = await app.perform(
        app.register_claim,
        context,
        body.customer_id,
        body.claim_type,
        body.description,
        body.amount_claimed,
    )
    return ClaimView.model_validate(claim)


@router.post("/claims/{claim_id}/investigation")
async def investigate_claim(
    context: Handler, claim_id: UUID, body: Investigation, app: App
) -> ClaimView:
    """The facts gathered and the claim's type settled (OR-31)."""
    claim = await app.perform(
        app.investigate_claim, context, claim_id, body.claim_type, body.findings
    )
    return ClaimView.model_validate(claim)


@router.post("/claims/{claim_id}/countermeasure")
async def propose_claim_countermeasure(
    context: Handler, claim_id: UUID, body: Countermeasure, app: App
) -> ClaimView:
    """The countermeasure, to the sales manager's review (OR-31)."""
    claim = await app.perform(
        app.propose_claim_countermeasure, context, claim_id, body.countermeasure, body.settlement
    )
    return ClaimView.model_validate(claim)


@router.get("/claims")
def list_claims(
    _: Reader, query: Annotated[PageRequest, Depends(CLAIMS.query)], app: App
) -> Page[ClaimSummary]:
    """Claims; ``status=...``, ``claim_type=...``, ``customer_id=...``."""
    return app.read_models.page(CLAIMS, query)


@router.get("/claims/{claim_id}")
def get_claim(_: Reader, claim_id: UUID, app: App) -> ClaimView:
    return ClaimView.model_validate(app.sales_claim(claim_id))


# -- OR-32: contract breaches and disputes


class ReportDispute(BaseModel):
    contract_id: UUID
    description: LongText


class DisputeCountermeasure(BaseModel):
    countermeasure: LongText


class DisputeOutcome(BaseModel):
    outcome: Outcome
    reason: LongText


@router.post("/disputes", status_code=201)
async def report_dispute(context: Involved, body: ReportDispute, app: App) -> DisputeView:
    """Report a breach or dispute over a signed contract; it goes to leadership (OR-32)."""
    dispute = await app.perform(app.report_dispute, context, body.contract_id, body.description)
    return DisputeView.model_validate(dispute)


@router.post("/disputes/{dispute_id}/countermeasure")
async def draft_dispute_countermeasure(
    context: Involved, dispute_id: UUID, body: DisputeCountermeasure, app: App
) -> DisputeView:
    """The sales manager's own countermeasure, never a subordinate's (OR-32)."""
    dispute = await app.perform(
        app.draft_dispute_countermeasure, context, dispute_id, body.countermeasure
    )
    return DisputeView.model_validate(dispute)


@router.post("/disputes/{dispute_id}/outcome")
async def resolve_dispute(
    context: Involved, dispute_id: UUID, body: DisputeOutcome, app: App
) -> DisputeView:
    """Leadership settles, waives or ends it, with the reason; never casually (OR-32)."""
    dispute = await app.perform(app.resolve_dispute, context, dispute_id, body.outcome, body.reason)
    return DisputeView.model_validate(dispute)


@router.get("/disputes")
def list_disputes(
    _: Reader, query: Annotated[PageRequest, Depends(DISPUTES.query)], app: App
) -> Page[DisputeView]:
    """Disputes; ``status=...``, ``contract_id=...``, ``customer_id=...``."""
    return app.read_models.page(DISPUTES, query)


@router.get("/disputes/{dispute_id}")
def get_dispute(_: Reader, dispute_id: UUID, app: App) -> DisputeView:
    return DisputeView.model_validate(app.dispute(dispute_id))


# -- OR-36: commitments to customers

Keeper = Annotated[CommandContext, Depends(acting_as(*KEEPERS))]


class RecordCommitment(BaseModel):
    customer_id: UUID
    kind: CommitmentKind
    promise: LongText = Field(description="What was promised to the customer")
    due_at: Instant = Field(description="By when it must be met")


@router.post("/commitments", status_code=201)
async def record_commitment(context: Keeper, body: RecordCommitment, app: App) -> CommitmentView:
    """Record a commitment made to a customer, to be met first (OR-36)."""
    commitment = await app.perform(
        app.record_commitment, context, body.customer_id, body.kind, body.promise, body.due_at
    )
    return CommitmentView.model_validate(commitment)


@router.post("/commitments/{commitment_id}/met")
async def meet_commitment(context: Keeper, commitment_id: UUID, app: App) -> CommitmentView:
    commitment = await app.perform(app.meet_commitment, context, commitment_id)
    return CommitmentView.model_validate(commitment)


@router.get("/commitments")
def list_commitments(
    _: Reader, query: Annotated[PageRequest, Depends(COMMITMENTS.query)], app: App
) -> Page[CommitmentView]:
    """Commitments; ``status=missed``: their time passed unmet (OR-36)."""
    return app.read_models.page(COMMITMENTS, query)


@router.get("/commitments/{commitment_id}")
def get_commitment(_: Reader, commitment_id: UUID, app: App) -> CommitmentView:
    return CommitmentView.model_validate(app.commitment(commitment_id))
