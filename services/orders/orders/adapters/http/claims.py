"""HTTP commands and queries of the sales claims (OR-31): registered, their facts gathered, a
countermeasure proposed; the sales manager's review is the kernel's approval routes on each
claim."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from contracts.values import Amount, LongText
from kernel.approvals.http import document_routes
from kernel.roles import SALES, Role
from orders.application import OrdersApplication
from orders.claim_projections import CLAIMS, ClaimSummary
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
Reader = Annotated[Principal, Depends(requires(*HANDLERS, Role.LEADERSHIP_GM, Role.LEADERSHIP_DGM))]


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
