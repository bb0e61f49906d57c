"""HTTP commands and queries of sales contracts (RULES §4.2): drafted from the won quote (OR-10),
negotiated (OR-06), deviations and non-standard terms confirmed (OR-07, OR-08), reviewed with its
issues confirmed (OR-09, OR-10), filed (OR-11, OR-13) and archived monthly (OR-12). The approvals,
the company's seal and the customer's signing link are the kernel's document and signing routes
on each contract."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from contracts.values import (
    MAX_AMOUNT,
    Code,
    CurrencyCode,
    Days,
    LongText,
    Price,
    Quantity,
    ShortText,
)
from kernel.approvals.http import document_routes
from kernel.roles import SALES, Role
from kernel.signing.http import signing_routes
from orders.application import OrdersApplication
from orders.contract_projections import CONTRACTS, VOLUMES, ContractSummary, VolumeView
from orders.domain.sales_contract import ContractLine
from runtime.auth import Principal, acting_as, requires
from runtime.http import application_of
from runtime.transcoding import value_object
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest

router = APIRouter(tags=["sales-contracts"])
contract_documents = document_routes("/sales-contracts", "sales-contracts")
"""OR-07, OR-08, OR-10: the confirmation and review chains, and the company's seal (OR-10)."""
contract_signing = signing_routes("/sales-contracts", "sales-contracts")
"""OR-10: the customer signs the approved version through their own link, or on paper."""

App = Annotated[OrdersApplication, Depends(application_of(OrdersApplication))]
Sales = Annotated[CommandContext, Depends(acting_as(*SALES))]
REVIEWERS = (
    Role.FINANCE,
    Role.TECHNICAL_DEPARTMENT,
    Role.LEGAL_EXPERT,
    Role.SALES_MANAGER,
    Role.LEADERSHIP_GM,
    Role.LEADERSHIP_DGM,
)
Reviewer = Annotated[CommandContext, Depends(acting_as(*REVIEWERS))]
READERS = (*SALES, *REVIEWERS)
Reader = Annotated[Principal, Depends(requires(*READERS))]
Month = Annotated[str, StringConstraints(pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$")]


class Line(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    product_code: Code
    description: ShortText = ""
    quantity: Quantity
    unit_price: Price


class Terms(BaseModel):
    payment_terms_days: Days = Field(le=3650, description="OR-10: the days the customer has to pay")
    term_months: int = Field(ge=1, le=600, description="OR-10: the contract's term")
    liability_clause: LongText = Field(description="OR-10: the liability for breach")
    special_clauses: list[LongText] = Field(
        default_factory=list, max_length=50, description="OR-07, OR-10: special clauses"
    )
    important_or_complex: bool = Field(
        default=False, description="OR-10: the legal expert reads it too"
    )


class Lines(BaseModel):
    lines: list[Line] = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _bookable(self) -> Lines:
        total = sum((line.unit_price * line.quantity for line in self.lines), Decimal(0))
        if total > MAX_AMOUNT:
            raise ValueError(f"the lines come to {total}, more than {MAX_AMOUNT}")
        return self

    def contract_lines(self) -> tuple[ContractLine, ...]:
        return tuple(value_object(ContractLine, line) for line in self.lines)


class DraftContract(Terms):
    quote_id: UUID | None = Field(default=None, description="The won quote it follows")
    customer_id: UUID | None = Field(default=None, description="Without a quote: the customer")
    currency: CurrencyCode = "CNY"
    lines: list[Line] | None = Field(
        default=None, min_length=1, max_length=200, description="The quote's lines when absent"
    )

    @model_validator(mode="after")
    def _bookable(self) -> DraftContract:
        if self.lines is not None:
            Lines(lines=self.lines)
        return self

    def contract_lines(self) -> tuple[ContractLine, ...] | None:
        if self.lines is None:
            return None
        return Lines(lines=self.lines).contract_lines()


class ReviseContract(Terms, Lines):
    pass


class Note(BaseModel):
    note: LongText


class Issue(BaseModel):
    issue: LongText


class Resolution(BaseModel):
    resolution: LongText


class ArchiveMonth(BaseModel):
    month: Month = Field(description="YYYY-MM: the month whose contracts are bound")
    volume_no: ShortText = Field(description="OR-12: the volume's number")


class DeviationView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    clause: str
    original: str
    proposed: str


class IssueView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    issue_id: UUID
    issue: str
    raised_by: str
    resolution: str | None
    confirmed_by: str | None


class ContractView(ContractSummary):
    lines: list[Line]
    quoted_lines: list[Line]
    term_months: int
    liability_clause: str
    special_clauses: list[str]
    important_or_complex: bool
    deviations: list[DeviationView] = Field(description="OR-08: what differs from the quote")
    confirmed_hash: str | None = Field(description="OR-07, OR-08: the version confirmed")
    why_major: list[str] = Field(description="OR-06: why leadership approves as well, if it does")
    approved_hash: str | None
    negotiation_notes: int
    review_issues: list[IssueView] = Field(description="OR-09: each confirmed before signing")
    archive_number: int | None = Field(description="OR-12: its number in the month's volume")


@router.post("/sales-contracts", status_code=201)
async def draft_sales_contract(context: Sales, body: DraftContract, app: App) -> ContractView:
    """Draft the contract of a won quote, or of a customer without one (OR-10)."""
    contract = await app.perform(
        app.draft_sales_contract,
        context,
        body.quote_id,
        body.customer_id,
        body.currency,
        body.contract_lines(),
        body.payment_terms_days,
        body.term_months,
        body.liability_clause,
        tuple(body.special_clauses),
        body.important_or_complex,
    )
    return ContractView.model_validate(contract)


@router.post("/sales-contracts/{contract_id}/negotiation-notes")
async def log_negotiation_note(
    context: Sales, contract_id: UUID, body: Note, app: App
) -> ContractView:
    """Report how the negotiation goes to the sales manager (OR-06)."""
    contract = await app.perform(app.log_negotiation_note, context, contract_id, body.note)
    return ContractView.model_validate(contract)


@router.post("/sales-contracts/{contract_id}/revision")
async def revise_sales_contract(
    context: Sales, contract_id: UUID, body: ReviseContract, app: App
) -> ContractView:
    """Change the draft before it is signed; confirmations and approvals given void (XC-01)."""
    contract = await app.perform(
        app.revise_sales_contract,
        context,
        contract_id,
        body.contract_lines(),
        body.payment_terms_days,
        body.term_months,
        body.liability_clause,
        tuple(body.special_clauses),
        body.important_or_complex,
    )
    return ContractView.model_validate(contract)


@router.post("/sales-contracts/{contract_id}/deviations")
async def propose_contract_deviations(context: Sales, contract_id: UUID, app: App) -> ContractView:
    """Send what differs from the quote (OR-08) or lies outside the norm (OR-07) to be confirmed
    by the sales manager (leadership too when major)."""
    contract = await app.perform(app.propose_contract_deviations, context, contract_id)
    return ContractView.model_validate(contract)


@router.post("/sales-contracts/{contract_id}/submission")
async def submit_sales_contract(context: Sales, contract_id: UUID, app: App) -> ContractView:
    """Send the draft to review and approval (OR-10; leadership when major, OR-06)."""
    contract = await app.perform(app.submit_sales_contract, context, contract_id)
    return ContractView.model_validate(contract)


@router.post("/sales-contracts/{contract_id}/issues", status_code=201)
async def raise_contract_issue(
    context: Reviewer, contract_id: UUID, body: Issue, app: App
) -> ContractView:
    """A reviewer raises an issue; the contract is signed once every issue is confirmed
    (OR-09, OR-10)."""
    contract = await app.perform(app.raise_contract_issue, context, contract_id, body.issue)
    return ContractView.model_validate(contract)


@router.post("/sales-contracts/{contract_id}/issues/{issue_id}/confirmation")
async def confirm_contract_issue(
    context: Reviewer, contract_id: UUID, issue_id: UUID, body: Resolution, app: App
) -> ContractView:
    """The sales manager or leadership confirms an issue (OR-09)."""
    contract = await app.perform(
        app.confirm_contract_issue, context, contract_id, issue_id, body.resolution
    )
    return ContractView.model_validate(contract)


@router.post("/sales-contracts/{contract_id}/filing")
async def file_sales_contract(context: Sales, contract_id: UUID, app: App) -> ContractView:
    """The sales clerk files the signed original the same day (OR-11); never a salesperson
    (OR-13)."""
    contract = await app.perform(app.file_sales_contract, context, contract_id)
    return ContractView.model_validate(contract)


@router.get("/sales-contracts")
def list_sales_contracts(
    _: Reader, query: Annotated[PageRequest, Depends(CONTRACTS.query)], app: App
) -> Page[ContractSummary]:
    """Contracts; ``status=...``: by state; ``filing_missed=true``: not filed the day they were
    signed (OR-11); ``archive_missed=true``: not archived by the 5th of the next month (OR-12)."""
    return app.read_models.page(CONTRACTS, query)


@router.get("/sales-contracts/{contract_id}")
def get_sales_contract(_: Reader, contract_id: UUID, app: App) -> ContractView:
    return ContractView.model_validate(app.sales_contract(contract_id))


@router.post("/contract-volumes", status_code=201)
async def archive_contracts(context: Sales, body: ArchiveMonth, app: App) -> VolumeView:
    """The sales clerk numbers and binds the month's originals (OR-12, OR-13)."""
    volume = await app.perform(app.archive_contracts, context, body.month, body.volume_no)
    return VolumeView.model_validate(volume)


@router.get("/contract-volumes")
def list_contract_volumes(
    _: Reader, query: Annotated[PageRequest, Depends(VOLUMES.query)], app: App
) -> Page[VolumeView]:
    return app.read_models.page(VOLUMES, query)


@router.get("/contract-volumes/{month}")
def get_contract_volume(_: Reader, month: Month, app: App) -> VolumeView:
    return VolumeView.model_validate(app.contract_volume(month))
