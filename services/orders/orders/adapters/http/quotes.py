"""HTTP commands and queries of the sales pipeline: leads (OR-35), inquiries and tenders with the
go / no-go decision (OR-01) and the departments' input (OR-02), quotes from pricing (OR-04)
through approval and issue (OR-03) to their follow-up (OR-05). The decisions themselves are the
kernel's approval routes on each inquiry and quote."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.values import (
    MAX_AMOUNT,
    Amount,
    Code,
    CurrencyCode,
    Instant,
    LongText,
    Price,
    Quantity,
    ShortText,
)
from kernel.approvals.http import document_routes
from kernel.roles import SALES, Role
from orders.application import OrdersApplication
from orders.domain.inquiry import Department, InquiryKind
from orders.domain.quote import QuoteLine
from orders.quote_projections import (
    INQUIRIES,
    LEADS,
    QUOTES,
    InquirySummary,
    LeadView,
    QuoteSummary,
)
from runtime.auth import Principal, acting_as, requires
from runtime.http import application_of
from runtime.transcoding import value_object
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest

router = APIRouter(tags=["quotes"])
inquiry_approvals = document_routes("/inquiries", "inquiries")
"""OR-01: the sales manager's (and, when major, leadership's) go / no-go on an inquiry."""
quote_approvals = document_routes("/quotes", "quotes")
"""OR-03: the approval of the final quote before it is issued."""

App = Annotated[OrdersApplication, Depends(application_of(OrdersApplication))]
Sales = Annotated[CommandContext, Depends(acting_as(*SALES))]
Manager = Annotated[CommandContext, Depends(acting_as(Role.SALES_MANAGER))]
Departments = Annotated[
    CommandContext,
    Depends(acting_as(Role.TECHNICAL_DEPARTMENT, Role.PURCHASING_DEPARTMENT)),
]
"""OR-02: who gives input to a bid; the rule says which department gives which."""
READERS = (
    *SALES,
    Role.SALES_MANAGER,
    Role.LEADERSHIP_GM,
    Role.LEADERSHIP_DGM,
    Role.TECHNICAL_DEPARTMENT,
    Role.PURCHASING_DEPARTMENT,
)
Reader = Annotated[Principal, Depends(requires(*READERS))]


# -- OR-35: leads


class RegisterLead(BaseModel):
    customer_id: UUID | None = None
    source: ShortText = Field(description="Where the intelligence came from")
    summary: LongText = Field(description="The important facts of the inquiry made")
    material: LongText = Field(description="The material gathered, sent along to the manager")


class QualifyLead(BaseModel):
    valuable: bool
    action: ShortText = Field(default="", description="What is done about a valuable lead")
    act_by: Instant | None = Field(default=None, description="The planned date to act by")


@router.post("/leads", status_code=201)
async def register_lead(context: Sales, body: RegisterLead, app: App) -> LeadView:
    """Write up a lead; registering it reports it to the sales manager (OR-35)."""
    lead = await app.perform(
        app.register_lead, context, body.customer_id, body.source, body.summary, body.material
    )
    return LeadView.model_validate(lead)


@router.post("/leads/{lead_id}/qualification")
async def qualify_lead(context: Manager, lead_id: UUID, body: QualifyLead, app: App) -> LeadView:
    """The sales manager judges the lead; a valuable one gets its action and date (OR-35)."""
    lead = await app.perform(
        app.qualify_lead, context, lead_id, body.valuable, body.action, body.act_by
    )
    return LeadView.model_validate(lead)


@router.get("/leads")
def list_leads(
    _: Reader, query: Annotated[PageRequest, Depends(LEADS.query)], app: App
) -> Page[LeadView]:
    """Leads, oldest first: their planned action against what came of them (OR-35)."""
    return app.read_models.page(LEADS, query)


@router.get("/leads/{lead_id}")
def get_lead(_: Reader, lead_id: UUID, app: App) -> LeadView:
    return LeadView.model_validate(app.lead(lead_id))


# -- OR-01, OR-02: inquiries and tenders


class RegisterInquiry(BaseModel):
    customer_id: UUID
    kind: InquiryKind
    requirements: LongText = Field(description="What the customer asks for, in detail")
    estimated_value: Amount = Field(ge=0)
    deadline: Instant | None = Field(default=None, description="A tender's closing time")
    needs: list[Department] = Field(
        default_factory=list,
        max_length=2,
        description="OR-02: the departments whose input the bid needs (a tender needs both)",
    )
    lead_id: UUID | None = Field(default=None, description="OR-35: the lead it follows from")


class ProvideInput(BaseModel):
    department: Department
    content_ref: LongText = Field(description="What the department contributed, or where it is")


class InquiryView(InquirySummary):
    requirements: str
    needs: list[Department]
    lead_id: UUID | None
    why_major: list[str] = Field(description="Why leadership decides as well, if it does")
    inputs: dict[Department, str]
    decision_reason: str | None


@router.post("/inquiries", status_code=201)
async def register_inquiry(context: Sales, body: RegisterInquiry, app: App) -> InquiryView:
    """Register an inquiry or tender: it goes to the sales manager's decision at once (OR-01)."""
    inquiry = await app.perform(
        app.register_inquiry,
        context,
        body.customer_id,
        body.kind,
        body.requirements,
        body.estimated_value,
        body.deadline,
        tuple(body.needs),
        body.lead_id,
    )
    return InquiryView.model_validate(inquiry)


@router.post("/inquiries/{inquiry_id}/inputs")
async def provide_bid_input(
    context: Departments, inquiry_id: UUID, body: ProvideInput, app: App
) -> InquiryView:
    """The technical or purchasing department's input to the bid (OR-02)."""
    inquiry = await app.perform(
        app.provide_bid_input, context, inquiry_id, body.department, body.content_ref
    )
    return InquiryView.model_validate(inquiry)


@router.get("/inquiries")
def list_inquiries(
    _: Reader, query: Annotated[PageRequest, Depends(INQUIRIES.query)], app: App
) -> Page[InquirySummary]:
    """Inquiries and tenders, oldest first; ``status=awaiting_decision``: the manager's to
    decide (OR-01)."""
    return app.read_models.page(INQUIRIES, query)


@router.get("/inquiries/{inquiry_id}")
def get_inquiry(_: Reader, inquiry_id: UUID, app: App) -> InquiryView:
    return InquiryView.model_validate(app.inquiry(inquiry_id))


# -- OR-03, OR-04, OR-05: quotes


class Line(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    product_code: Code
    description: ShortText = ""
    quantity: Quantity
    unit_price: Price
    unit_cost: Price = Field(description="OR-04: the estimated cost of one unit")


class Pricing(BaseModel):
    lines: list[Line] = Field(min_length=1, max_length=200)
    cost_basis_ref: ShortText = Field(description="OR-04: the cost calculation sheet")
    market_price_ref: ShortText = Field(description="OR-04: the market price table")

    @model_validator(mode="after")
    def _bookable(self) -> Pricing:
        total = sum((line.unit_price * line.quantity for line in self.lines), Decimal(0))
        if total > MAX_AMOUNT:
            raise ValueError(f"the lines come to {total}, more than {MAX_AMOUNT}")
        return self

    def quote_lines(self) -> tuple[QuoteLine, ...]:
        return tuple(value_object(QuoteLine, line) for line in self.lines)


class DraftQuote(Pricing):
    inquiry_id: UUID
    currency: CurrencyCode = "CNY"


class Feedback(BaseModel):
    feedback: LongText


class LostBecause(BaseModel):
    reason: LongText


class QuoteView(QuoteSummary):
    lines: list[Line]
    cost_basis_ref: str
    market_price_ref: str
    margin_percent: Decimal
    why_major: list[str] = Field(description="Why leadership approves as well, if it does")
    approved_hash: str | None
    issued_hash: str | None = Field(description="OR-03: the approved version that was issued")
    last_feedback: str | None
    outcome_reason: str | None


@router.post("/quotes", status_code=201)
async def draft_quote(context: Sales, body: DraftQuote, app: App) -> QuoteView:
    """Draft the quote or bid of an inquiry the manager decided to bid for (OR-01, OR-04)."""
    quote = await app.perform(
        app.draft_quote,
        context,
        body.inquiry_id,
        body.currency,
        body.quote_lines(),
        body.cost_basis_ref,
        body.market_price_ref,
    )
    return QuoteView.model_validate(quote)


@router.post("/quotes/{quote_id}/revision")
async def revise_quote(context: Sales, quote_id: UUID, body: Pricing, app: App) -> QuoteView:
    """Change the quote before it is issued; an approval given voids (XC-01, OR-03)."""
    quote = await app.perform(
        app.revise_quote,
        context,
        quote_id,
        body.quote_lines(),
        body.cost_basis_ref,
        body.market_price_ref,
    )
    return QuoteView.model_validate(quote)


@router.post("/quotes/{quote_id}/submission")
async def submit_quote(context: Sales, quote_id: UUID, app: App) -> QuoteView:
    """Send the final quote to the sales manager, and leadership when major (OR-03, OR-04)."""
    return QuoteView.model_validate(await app.perform(app.submit_quote, context, quote_id))


@router.post("/quotes/{quote_id}/issue")
async def issue_quote(context: Sales, quote_id: UUID, app: App) -> QuoteView:
    """Print, bind, seal and send the approved version (OR-03)."""
    return QuoteView.model_validate(await app.perform(app.issue_quote, context, quote_id))


@router.post("/quotes/{quote_id}/follow-ups")
async def follow_up_quote(context: Sales, quote_id: UUID, body: Feedback, app: App) -> QuoteView:
    """Record the customer's feedback on an issued quote (OR-05)."""
    quote = await app.perform(app.follow_up_quote, context, quote_id, body.feedback)
    return QuoteView.model_validate(quote)


@router.post("/quotes/{quote_id}/won")
async def record_quote_won(context: Sales, quote_id: UUID, body: Feedback, app: App) -> QuoteView:
    quote = await app.perform(app.record_quote_won, context, quote_id, body.feedback)
    return QuoteView.model_validate(quote)


@router.post("/quotes/{quote_id}/lost")
async def record_quote_lost(
    context: Sales, quote_id: UUID, body: LostBecause, app: App
) -> QuoteView:
    quote = await app.perform(app.record_quote_lost, context, quote_id, body.reason)
    return QuoteView.model_validate(quote)


@router.get("/quotes")
def list_quotes(
    _: Reader, query: Annotated[PageRequest, Depends(QUOTES.query)], app: App
) -> Page[QuoteSummary]:
    """Quotes; ``status=issued&sort=follow_up_due_at``: the stubs to review (OR-05)."""
    return app.read_models.page(QUOTES, query)


@router.get("/quotes/{quote_id}")
def get_quote(_: Reader, quote_id: UUID, app: App) -> QuoteView:
    return QuoteView.model_validate(app.quote(quote_id))
