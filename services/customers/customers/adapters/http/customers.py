"""HTTP commands and queries for customer files."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from customers.application import CustomersApplication
from customers.domain.customer import CustomerStatus
from customers.projections import CustomerView
from kernel.approvals.http import document_routes
from kernel.roles import SALES, Role
from runtime.auth import Principal, acting_as, requires
from runtime.http import application_of
from runtime.unit_of_work import CommandContext
from runtime.views import Page, Paging

router = APIRouter(prefix="/customers", tags=["customers"])
approvals = document_routes("/customers", "customers")

App = Annotated[CustomersApplication, Depends(application_of(CustomersApplication))]
Sales = Annotated[CommandContext, Depends(acting_as(*SALES))]
READERS = (*SALES, Role.SALES_MANAGER, Role.FINANCE, Role.LEADERSHIP_GM)
Reader = Annotated[Principal, Depends(requires(*READERS))]


class RegisterCustomer(BaseModel):
    legal_name: str = Field(min_length=1, max_length=200)
    owner_id: str | None = Field(
        default=None, max_length=100, description="Account owner; defaults to the caller"
    )


class SubmitForApproval(BaseModel):
    credit_limit: Decimal = Field(max_digits=14, decimal_places=2, description="CU-07, CU-12")
    currency: str = Field(default="CNY", pattern="^[A-Z]{3}$")


@router.post("", status_code=201)
def register_customer(context: Sales, body: RegisterCustomer, app: App) -> CustomerView:
    customer = app.register_customer(context, body.legal_name, body.owner_id or context.actor)
    return CustomerView.model_validate(customer)


@router.post("/{customer_id}/submit")
def submit_for_approval(
    context: Sales, customer_id: UUID, body: SubmitForApproval, app: App
) -> CustomerView:
    """Send the customer file and the requested credit limit to the approval chain (CU-02)."""
    customer = app.submit_for_approval(context, customer_id, body.credit_limit, body.currency)
    return CustomerView.model_validate(customer)


@router.get("")
def list_customers(
    _: Reader,
    paging: Paging,
    app: App,
    status: CustomerStatus | None = None,
    owner_id: Annotated[str | None, Query(max_length=100)] = None,
    name: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[CustomerView]:
    """Customer files, oldest first; ``name`` matches part of the legal name."""
    return app.customer_list(paging, status, owner_id, name)


@router.get("/{customer_id}")
def get_customer(_: Reader, customer_id: UUID, app: App) -> CustomerView:
    return CustomerView.model_validate(app.customer(customer_id))
