"""HTTP commands and queries for customers' credit: investigations (CU-08, CU-09, CU-10), changes
of limit (CU-12) and the reviews due (CU-11)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from contracts.values import Amount, LongText, Name, UserId
from customers.adapters.http.customers import (
    READERS,
    App,
    Reader,
    SalesOrManager,
    Tiered,
    file_as_shown,
)
from customers.domain.credit_investigation import FORM_ITEMS, InvestigationMethod
from customers.projections import (
    CREDIT_INVESTIGATIONS,
    CUSTOMERS,
    CreditInvestigationRow,
    CreditInvestigationView,
    TieredCustomerFileView,
    TieredCustomerView,
)
from runtime import clock
from runtime.auth import acting_as
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest

router = APIRouter(tags=["credit"])

Investigators = Annotated[CommandContext, Depends(acting_as(*READERS))]
"""Who may take part in an investigation: the rule, not the route, says who investigates."""


class OpenInvestigation(BaseModel):
    customer_id: UUID
    method: InvestigationMethod
    investigator_id: UserId = Field(
        description="The investigator of record: the sales manager personally for a grade-A or "
        "important customer (CU-09)"
    )
    agency: Name | None = Field(default=None, description="The external agency (CU-08)")
    agency_chosen_because: LongText | None = Field(
        default=None, description="The capability the agency was chosen for (CU-08)"
    )


class AnswerForm(BaseModel):
    answers: dict[str, LongText] = Field(
        max_length=len(FORM_ITEMS), description=f"Items of the form: {', '.join(FORM_ITEMS)}"
    )


class AgencyReport(BaseModel):
    report: LongText


class Assessment(BaseModel):
    assessment: LongText


class Doubt(BaseModel):
    question: LongText


class Resolution(BaseModel):
    resolution: LongText


class Conclusion(BaseModel):
    conclusion: LongText


class CreditLimitChange(BaseModel):
    credit_limit: Amount = Field(description="The new limit (CU-12)")
    reason: LongText


@router.post("/credit-investigations", status_code=201)
async def open_credit_investigation(
    context: SalesOrManager, body: OpenInvestigation, app: App
) -> CreditInvestigationView:
    """The sales manager opens a credit investigation and names its investigator (CU-08, CU-09)."""
    investigation = await app.perform(
        app.open_credit_investigation,
        context,
        body.customer_id,
        body.method,
        body.investigator_id,
        body.agency,
        body.agency_chosen_because,
    )
    return CreditInvestigationView.model_validate(investigation)


@router.post("/credit-investigations/{investigation_id}/form")
async def answer_investigation_form(
    context: Investigators, investigation_id: UUID, body: AnswerForm, app: App
) -> CreditInvestigationView:
    """The investigator answers items of the standardised form (CU-08)."""
    investigation = await app.perform(
        app.answer_investigation_form, context, investigation_id, body.answers
    )
    return CreditInvestigationView.model_validate(investigation)


@router.post("/credit-investigations/{investigation_id}/agency-report")
async def file_agency_report(
    context: Investigators, investigation_id: UUID, body: AgencyReport, app: App
) -> CreditInvestigationView:
    """The investigator files the external agency's report (CU-08)."""
    investigation = await app.perform(
        app.file_agency_report, context, investigation_id, body.report
    )
    return CreditInvestigationView.model_validate(investigation)


@router.post("/credit-investigations/{investigation_id}/assessment")
async def assess_agency_report(
    context: Investigators, investigation_id: UUID, body: Assessment, app: App
) -> CreditInvestigationView:
    """The investigating manager assesses the agency's report: never adopted as is (CU-08)."""
    investigation = await app.perform(
        app.assess_agency_report, context, investigation_id, body.assessment
    )
    return CreditInvestigationView.model_validate(investigation)


@router.post("/credit-investigations/{investigation_id}/doubts")
async def raise_doubt(
    context: Investigators, investigation_id: UUID, body: Doubt, app: App
) -> CreditInvestigationView:
    """Question the findings: the investigation cannot complete until it is resolved (CU-10)."""
    investigation = await app.perform(
        app.raise_investigation_doubt, context, investigation_id, body.question
    )
    return CreditInvestigationView.model_validate(investigation)


@router.post("/credit-investigations/{investigation_id}/doubts/{doubt_id}/resolution")
async def resolve_doubt(
    context: Investigators, investigation_id: UUID, doubt_id: UUID, body: Resolution, app: App
) -> CreditInvestigationView:
    """The investigator resolves a doubt with what was found (CU-10)."""
    investigation = await app.perform(
        app.resolve_investigation_doubt, context, investigation_id, doubt_id, body.resolution
    )
    return CreditInvestigationView.model_validate(investigation)


@router.post("/credit-investigations/{investigation_id}/complete")
async def complete_credit_investigation(
    context: Investigators, investigation_id: UUID, body: Conclusion, app: App
) -> CreditInvestigationView:
    """Complete the investigation: the form answered, an agency's report assessed, no open doubt
    (CU-08, CU-10); the customer's credit terms follow (CU-07)."""
    investigation = await app.perform(
        app.complete_credit_investigation, context, investigation_id, body.conclusion
    )
    return CreditInvestigationView.model_validate(investigation)


@router.get("/credit-investigations")
def list_credit_investigations(
    _: Reader, query: Annotated[PageRequest, Depends(CREDIT_INVESTIGATIONS.query)], app: App
) -> Page[CreditInvestigationRow]:
    """Credit investigations, oldest first: by customer, investigator of record or status."""
    return app.credit_investigation_list(query)


@router.get("/credit-investigations/{investigation_id}")
def get_credit_investigation(
    _: Reader, investigation_id: UUID, app: App
) -> CreditInvestigationView:
    return CreditInvestigationView.model_validate(app.credit_investigation(investigation_id))


@router.post("/customers/{customer_id}/credit-limit-change")
async def request_credit_limit_change(
    context: SalesOrManager, customer_id: UUID, body: CreditLimitChange, app: App
) -> TieredCustomerFileView:
    """Propose a new credit limit for the matrix's chain to approve (CU-12)."""
    customer = await app.perform(
        app.request_credit_limit_change, context, customer_id, body.credit_limit, body.reason
    )
    return file_as_shown(customer, context)


@router.get("/credit-reviews/due")
def credit_reviews_due(
    _: Reader,
    tiered: Tiered,
    query: Annotated[PageRequest, Depends(CUSTOMERS.query)],
    app: App,
) -> Page[TieredCustomerView]:
    """Customers whose periodic credit review is due or overdue under the rule parameters in
    force, or was scheduled with the June and December reconciliation (CU-11, BI-08); fields
    by level (CU-21)."""
    return tiered(app.due_for_credit_review(query, clock.now()))
