"""HTTP commands and queries for a customer's risk: abnormalities (CU-13), dangerous-customer
reviews, their decision and the approved release of what they decided (CU-06)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from contracts.values import Amount, LongText, ShortText
from customers.adapters.http.customers import file_as_shown
from customers.application import CustomersApplication
from customers.domain.access import REVIEW_ASSESSMENT_FIELDS, review_fields_shown
from customers.domain.customer import Severity
from customers.domain.risk_review import Decision, RiskReview, Trigger
from customers.projections import (
    ABNORMALITIES,
    AbnormalityView,
    RiskReviewView,
    TieredCustomerFileView,
)
from kernel.approvals.http import document_routes
from kernel.roles import EMPLOYEES, SALES, Role
from runtime.auth import Principal, acting_as, requires
from runtime.http import application_of
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest

router = APIRouter(tags=["customers"])
approvals = document_routes("/risk-reviews", "customers")
"""The release of a review's hold or blacklisting is approved on the review (CU-06)."""

App = Annotated[CustomersApplication, Depends(application_of(CustomersApplication))]
Anyone = Annotated[CommandContext, Depends(acting_as(*EMPLOYEES))]
Involved = Annotated[
    CommandContext,
    Depends(
        acting_as(*SALES, Role.SALES_MANAGER, Role.FINANCE, Role.LEADERSHIP_GM, Role.LEADERSHIP_DGM)
    ),
]
"""Those a review involves: the rule, not the route, says which of them does what."""
Watchers = Annotated[
    Principal,
    Depends(requires(Role.SALES_MANAGER, Role.FINANCE, Role.LEADERSHIP_GM, Role.LEADERSHIP_DGM)),
]
"""CU-13: who sees the abnormalities."""
Reading = Annotated[
    CommandContext,
    Depends(
        acting_as(*SALES, Role.SALES_MANAGER, Role.FINANCE, Role.LEADERSHIP_GM, Role.LEADERSHIP_DGM)
    ),
]


def review_as_shown(review: RiskReview, context: CommandContext) -> RiskReviewView:
    """CU-21: finance's figures in the review only to the confidential levels; below them they
    read as not given."""
    hidden = set(REVIEW_ASSESSMENT_FIELDS) - set(review_fields_shown(context.roles))
    return RiskReviewView.model_validate(review).model_copy(update=dict.fromkeys(hidden))


class ReportAbnormality(BaseModel):
    source: ShortText = Field(description="Billing, sales, an outside source...")
    facts: LongText
    severity: Severity


class OpenReview(BaseModel):
    trigger: Trigger


class Reasoned(BaseModel):
    reason: LongText


class CompleteChecklist(BaseModel):
    checklist: LongText = Field(description="The problem-customer checklist, filled in")


class Assess(BaseModel):
    payment_history: LongText
    exposure: Amount = Field(description="Open receivables and unbilled orders")


class Decide(BaseModel):
    decision: Decision
    reason: LongText


@router.post("/customers/{customer_id}/abnormalities", status_code=201)
async def report_abnormality(
    context: Anyone, customer_id: UUID, body: ReportAbnormality, app: App
) -> TieredCustomerFileView:
    """Record trouble in the customer's business or payments at once (CU-13)."""
    customer = await app.perform(
        app.report_abnormality, context, customer_id, body.source, body.facts, body.severity
    )
    return file_as_shown(customer, context)


@router.post("/customers/{customer_id}/risk-reviews", status_code=201)
async def open_risk_review(
    context: Involved, customer_id: UUID, body: OpenReview, app: App
) -> RiskReviewView:
    """Open a dangerous-customer review on one of its triggers (CU-06)."""
    review = await app.perform(app.open_risk_review, context, customer_id, body.trigger)
    return review_as_shown(review, context)


@router.post("/customers/{customer_id}/provisional-hold")
async def place_provisional_hold(
    context: Involved, customer_id: UUID, body: Reasoned, app: App
) -> TieredCustomerFileView:
    """The sales manager or finance hold the customer until the review ends (CU-13)."""
    customer = await app.perform(app.place_provisional_hold, context, customer_id, body.reason)
    return file_as_shown(customer, context)


@router.get("/abnormalities")
def list_abnormalities(
    _: Watchers,
    query: Annotated[PageRequest, Depends(ABNORMALITIES.query)],
    app: App,
) -> Page[AbnormalityView]:
    """Abnormalities reported, oldest first; ``open=true``: those whose review is under way."""
    return app.read_models.page(ABNORMALITIES, query)


@router.get("/risk-reviews/{review_id}")
def get_risk_review(context: Reading, review_id: UUID, app: App) -> RiskReviewView:
    """The review as the caller's level shows it, the read logged (CU-21)."""
    return review_as_shown(app.risk_review_for(context, review_id), context)


@router.post("/risk-reviews/{review_id}/checklist")
async def complete_checklist(
    context: Involved, review_id: UUID, body: CompleteChecklist, app: App
) -> RiskReviewView:
    """The account owner completes the problem-customer checklist (CU-06)."""
    review = await app.perform(app.complete_review_checklist, context, review_id, body.checklist)
    return review_as_shown(review, context)


@router.post("/risk-reviews/{review_id}/assessment")
async def assess_review(
    context: Involved, review_id: UUID, body: Assess, app: App
) -> RiskReviewView:
    """Finance adds the payment history and the exposure (CU-06)."""
    review = await app.perform(
        app.assess_review, context, review_id, body.payment_history, body.exposure
    )
    return review_as_shown(review, context)


@router.post("/risk-reviews/{review_id}/decision")
async def decide_review(
    context: Involved, review_id: UUID, body: Decide, app: App
) -> RiskReviewView:
    """The sales manager decides; leadership for grade A or high exposure (CU-06)."""
    review = await app.perform(app.decide_review, context, review_id, body.decision, body.reason)
    return review_as_shown(review, context)


@router.post("/risk-reviews/{review_id}/release-request")
async def request_release(
    context: Involved, review_id: UUID, body: Reasoned, app: App
) -> RiskReviewView:
    """Send the release of the review's hold or blacklisting to its approval chain (CU-06)."""
    review = await app.perform(app.request_release, context, review_id, body.reason)
    return review_as_shown(review, context)


@router.post("/risk-reviews/{review_id}/release")
async def release(context: Involved, review_id: UUID, app: App) -> TieredCustomerFileView:
    """Once approved: release the hold, or remove the customer from the blacklist (CU-06)."""
    customer = await app.perform(app.release, context, review_id)
    return file_as_shown(customer, context)
