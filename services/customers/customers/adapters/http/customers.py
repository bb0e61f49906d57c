"""HTTP commands and queries for customer files."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from contracts.values import Amount, CurrencyCode, Name, UserId
from customers.application import CustomersApplication
from customers.projections import CUSTOMERS, CustomerView
from kernel.approvals.http import document_routes
from kernel.roles import SALES, Role
from runtime.auth import Principal, acting_as, requires
from runtime.http import application_of
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest

router = APIRouter(prefix="/customers", tags=["customers"])
approvals = document_routes("/customers", "customers")

App = Annotated[CustomersApplication, Depends(application_of(CustomersApplication))]
Sales = Annotated[CommandContext, Depends(acting_as(*SALES))]
READERS = (*SALES, Role.SALES_MANAGER, Role.FINANCE, Role.LEADERSHIP_GM)
Reader = Annotated[Principal, Depends(requires(*READERS))]


class RegisterCustomer(BaseModel):
    legal_name: Name
    owner_id: UserId | None = Field(
        default=None, description="Account owner; defaults to the caller"
    )


class SubmitForApproval(BaseModel):
    credit_limit: Amount = Field(description="CU-07, CU-12")
    currency: CurrencyCode = "CNY"


@router.post("", status_code=201)
async def register_customer(context: Sales, body: RegisterCustomer, app: App) -> CustomerView:
    customer = await app.perform(
        app.register_customer, context, body.legal_name, body.owner_id or context.actor
    )
    return CustomerView.model_validate(customer)


@router.post("/{customer_id}/submit")
async def submit_for_approval(
    context: Sales, customer_id: UUID, body: SubmitForApproval, app: App
) -> CustomerView:
    """Send the customer file and the requested credit limit to the approval chain (CU-02)."""
    customer = await app.perform(
        app.submit_for_approval, context, customer_id, body.credit_limit, body.currency
    )
    return CustomerView.model_validate(customer)


@router.get("")
def list_customers(
    _: Reader,
    query: Annotated[PageRequest, Depends(CUSTOMERS.query)],
    app: App,
    name: Name | None = None,
) -> Page[CustomerView]:
    """Customer files, oldest first; ``name`` matches any part of the legal name."""
    return app.customer_list(query, name)


@router.get("/{customer_id}")
def get_customer(_: Reader, customer_id: UUID, app: App) -> CustomerView:
    return CustomerView.model_validate(app.customer(customer_id))
