"""HTTP commands and queries for customer files."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from contracts.values import Amount, CurrencyCode, LongText, Name, Phone, ShortText, UserId
from customers.application import CustomersApplication
from customers.domain.access import SENSITIVE_FIELDS, sensitive_fields_shown
from customers.domain.customer import MAX_CONTACTS, MAX_PREMISES, Contact, Customer, Grade
from customers.projections import (
    CUSTOMERS,
    CustomerView,
    TieredCustomerFileView,
    TieredCustomerView,
)
from kernel.approvals.http import document_routes
from kernel.roles import SALES, Role
from runtime import clock
from runtime.aggregate import RuleViolation
from runtime.auth import Principal, acting_as, requires
from runtime.http import application_of
from runtime.transcoding import value_object
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest

router = APIRouter(prefix="/customers", tags=["customers"])
approvals = document_routes("/customers", "customers")

App = Annotated[CustomersApplication, Depends(application_of(CustomersApplication))]
Sales = Annotated[CommandContext, Depends(acting_as(*SALES))]
SalesOrManager = Annotated[CommandContext, Depends(acting_as(*SALES, Role.SALES_MANAGER))]
"""Sales staff and their manager: the rule, not the route, says which of them decides what."""
READERS = (*SALES, Role.SALES_MANAGER, Role.FINANCE, Role.LEADERSHIP_GM)
Reader = Annotated[Principal, Depends(requires(*READERS))]

LISTED_SENSITIVE = tuple(field for field in SENSITIVE_FIELDS if field in CustomerView.model_fields)
"""CU-21: the sensitive fields a list of customers holds."""


class CustomerPages:
    """CU-21: a page of customers as the reader's level shows it, the read of its sensitive
    fields logged for each customer listed. Every list of customers answers through it."""

    def __init__(self, app: CustomersApplication, context: CommandContext) -> None:
        self.app = app
        self.context = context

    def __call__(self, page: Page[CustomerView]) -> Page[TieredCustomerView]:
        listed = [item.customer_id for item in page.items]
        shown = self.app.listed_for(self.context, listed, LISTED_SENSITIVE)
        hidden = dict.fromkeys(set(LISTED_SENSITIVE) - set(shown))
        return Page[TieredCustomerView](
            items=[
                TieredCustomerView.model_validate(item).model_copy(update=hidden)
                for item in page.items
            ],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )


def customer_pages(
    context: Annotated[CommandContext, Depends(acting_as(*READERS))],
    query: Annotated[PageRequest, Depends(CUSTOMERS.query)],
    app: App,
) -> CustomerPages:
    # CU-21: the order of a list sorted by a field tells its values: only to who sees them.
    sort = (query.sort or "").removeprefix("-")
    if sort in LISTED_SENSITIVE and sort not in sensitive_fields_shown(context.roles):
        raise RuleViolation("CU-21", "the list cannot be sorted by a field not shown at this level")
    return CustomerPages(app, context)


Tiered = Annotated[CustomerPages, Depends(customer_pages)]
"""CU-21: the one way a route lists customers: fields by level, reads logged. The route still
states its readers (``Reader``), as every route does."""


def file_as_shown(customer: Customer, context: CommandContext) -> TieredCustomerFileView:
    """CU-21: the file as the caller's level shows it: what a read answers (logged by the read)
    and what a command answers (its own events record who acted on the file)."""
    hidden = set(SENSITIVE_FIELDS) - set(sensitive_fields_shown(context.roles))
    return TieredCustomerFileView.model_validate(customer).model_copy(update=dict.fromkeys(hidden))


class RegisterCustomer(BaseModel):
    legal_name: Name
    owner_id: UserId | None = Field(
        default=None, description="Account owner; defaults to the caller"
    )


class SubmitForApproval(BaseModel):
    credit_limit: Amount = Field(description="CU-07, CU-12")
    currency: CurrencyCode = "CNY"


class ContactEntry(BaseModel):
    name: Name
    role: Name
    phone: Phone


class RecordFile(BaseModel):
    """CU-01: what the caller learned; a section left out keeps what the file holds."""

    org_structure: LongText | None = None
    contacts: list[ContactEntry] | None = Field(default=None, max_length=MAX_CONTACTS)
    premises: list[ShortText] | None = Field(default=None, max_length=MAX_PREMISES)
    industry_standing: LongText | None = None
    business_notes: LongText | None = Field(
        default=None, description="Trading and business condition"
    )
    important: bool | None = Field(default=None, description="Important for trading")


class ProposeGrade(BaseModel):
    grade: Grade
    reason: LongText


class DecideGrade(BaseModel):
    grade: Grade
    reason: LongText | None = Field(
        default=None, description="Required once the customer has a grade (CU-05)"
    )


class AssignOwners(BaseModel):
    owner_id: UserId
    deputy_id: UserId | None = None
    reason: LongText


@router.post("", status_code=201)
async def register_customer(
    context: Sales, body: RegisterCustomer, app: App
) -> TieredCustomerFileView:
    customer = await app.perform(
        app.register_customer, context, body.legal_name, body.owner_id or context.actor
    )
    return file_as_shown(customer, context)


@router.post("/{customer_id}/submit")
async def submit_for_approval(
    context: Sales, customer_id: UUID, body: SubmitForApproval, app: App
) -> TieredCustomerFileView:
    """Send the customer file and the requested credit limit to the approval chain (CU-02)."""
    customer = await app.perform(
        app.submit_for_approval, context, customer_id, body.credit_limit, body.currency
    )
    return file_as_shown(customer, context)


@router.post("/{customer_id}/file")
async def record_customer_file(
    context: SalesOrManager, customer_id: UUID, body: RecordFile, app: App
) -> TieredCustomerFileView:
    """Record what was learned of the customer (CU-01)."""
    contacts = None
    if body.contacts is not None:
        contacts = [value_object(Contact, contact) for contact in body.contacts]
    customer = await app.perform(
        app.record_customer_file,
        context,
        customer_id,
        org_structure=body.org_structure,
        contacts=contacts,
        premises=body.premises,
        industry_standing=body.industry_standing,
        business_notes=body.business_notes,
        important=body.important,
    )
    return file_as_shown(customer, context)


@router.post("/{customer_id}/grade-proposal")
async def propose_grade(
    context: SalesOrManager, customer_id: UUID, body: ProposeGrade, app: App
) -> TieredCustomerFileView:
    """Propose a grade, with reasons, for the sales manager to decide (CU-03, CU-05)."""
    customer = await app.perform(app.propose_grade, context, customer_id, body.grade, body.reason)
    return file_as_shown(customer, context)


@router.post("/{customer_id}/grade")
async def decide_grade(
    context: SalesOrManager, customer_id: UUID, body: DecideGrade, app: App
) -> TieredCustomerFileView:
    """The sales manager assigns the grade (CU-03), or reviews it: changed or kept (CU-05)."""
    customer = await app.perform(
        app.decide_grade, context, customer_id, body.grade, body.reason or ""
    )
    return file_as_shown(customer, context)


@router.post("/{customer_id}/owners")
async def assign_owners(
    context: SalesOrManager, customer_id: UUID, body: AssignOwners, app: App
) -> TieredCustomerFileView:
    """The sales manager names the primary account owner and the deputy (CU-15)."""
    customer = await app.perform(
        app.assign_owners, context, customer_id, body.owner_id, body.deputy_id, body.reason
    )
    return file_as_shown(customer, context)


@router.get("")
def list_customers(
    _: Reader,
    tiered: Tiered,
    query: Annotated[PageRequest, Depends(CUSTOMERS.query)],
    app: App,
    name: Name | None = None,
) -> Page[TieredCustomerView]:
    """Customer files, oldest first; ``name`` matches any part of the legal name. The
    confidential fields only to the levels allowed them, each read logged (CU-21)."""
    return tiered(app.customer_list(query, name))


@router.get("/grade-review-due")
def grade_review_due(
    _: Reader,
    tiered: Tiered,
    query: Annotated[PageRequest, Depends(CUSTOMERS.query)],
    app: App,
) -> Page[TieredCustomerView]:
    """Customers whose grade was last decided longer ago than the review interval of the rule
    parameters in force, or that a trigger made due: repeated dissatisfaction, the June and
    December reconciliation (CU-05); fields by level (CU-21)."""
    return tiered(app.due_for_grade_review(query, clock.now()))


@router.get("/{customer_id}")
def get_customer(
    context: Annotated[CommandContext, Depends(acting_as(*READERS))], customer_id: UUID, app: App
) -> TieredCustomerFileView:
    """The file; its confidential fields only to the levels allowed them, each read of its
    sensitive fields logged (CU-21)."""
    return file_as_shown(app.customer_file_for(context, customer_id), context)
