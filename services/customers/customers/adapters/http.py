"""HTTP commands and queries for customer files."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from chassis.approvals.http import document_routes
from chassis.auth import Principal, requires
from chassis.http import application_of, command_context
from customers.application.service import CustomersApplication
from customers.domain.customer import Customer, CustomerStatus

router = APIRouter(prefix="/customers", tags=["customers"])
approvals = document_routes("/customers", "customers")


App = Annotated[CustomersApplication, Depends(application_of(CustomersApplication))]


class RegisterCustomer(BaseModel):
    legal_name: str = Field(min_length=1, max_length=200)
    owner_id: str | None = Field(default=None, description="Account owner; defaults to the caller")


class SubmitForApproval(BaseModel):
    credit_limit: Decimal = Field(max_digits=14, decimal_places=2, description="CU-07, CU-12")
    currency: str = Field(default="CNY", pattern="^[A-Z]{3}$")


class CustomerView(BaseModel):
    customer_id: UUID
    legal_name: str
    owner_id: str
    status: CustomerStatus
    credit_limit: Decimal
    currency: str
    approved_by: str | None
    version: int

    @classmethod
    def of(cls, customer: Customer) -> CustomerView:
        return cls(
            customer_id=customer.id,
            legal_name=customer.legal_name,
            owner_id=customer.owner_id,
            status=customer.status,
            credit_limit=customer.credit_limit,
            currency=customer.currency,
            approved_by=customer.approved_by,
            version=customer.version,
        )


@router.post("", status_code=201)
def register_customer(
    principal: Annotated[Principal, Depends(requires("salesperson", "sales_clerk"))],
    body: RegisterCustomer,
    request: Request,
    app: App,
) -> CustomerView:
    context = command_context(request, principal)
    customer_id = app.register_customer(
        context, body.legal_name, body.owner_id or principal.user_id
    )
    return CustomerView.of(app.customer(customer_id))


@router.post("/{customer_id}/submit")
def submit_for_approval(
    principal: Annotated[Principal, Depends(requires("salesperson", "sales_clerk"))],
    customer_id: UUID,
    body: SubmitForApproval,
    request: Request,
    app: App,
) -> CustomerView:
    """Send the customer file and the requested credit limit to the approval chain (CU-02)."""
    context = command_context(request, principal)
    return CustomerView.of(
        app.submit_for_approval(context, customer_id, body.credit_limit, body.currency)
    )


@router.get("/{customer_id}")
def get_customer(
    _: Annotated[
        Principal,
        Depends(
            requires("salesperson", "sales_clerk", "sales_manager", "finance", "leadership_gm")
        ),
    ],
    customer_id: UUID,
    app: App,
) -> CustomerView:
    return CustomerView.of(app.customer(customer_id))
