"""The customers list: one row per customer file, kept by the ``customers`` projection."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from pydantic import AliasChoices, Field
from sqlalchemy import Connection

from contracts.values import Name, UserId
from customers.domain.customer import Customer, CustomerStatus
from kernel.approvals.domain import Approvable
from runtime.projections import Projection
from runtime.views import Money, ReadTable, View, identity


class CustomerView(View):
    customer_id: UUID = identity("customer_id")
    legal_name: Name
    owner_id: UserId = Field(description="The salesperson who owns the account")
    status: CustomerStatus
    credit_limit: Money = Field(description="CU-07, CU-12")
    currency: str = Field(max_length=3)
    approved_by: str | None
    registered_at: datetime = Field(validation_alias=AliasChoices("registered_at", "created_on"))
    version: int


CUSTOMERS = ReadTable(
    CustomerView,
    "customers",
    sortable=("registered_at", "legal_name", "credit_limit"),
    filters=("owner_id", "status"),
)
customers = Projection("customers", CUSTOMERS.table)


@customers.on(Customer.Registered)
def _registered(event: Customer.Registered, db: Connection) -> None:
    CUSTOMERS.insert(
        db,
        event,
        status=CustomerStatus.PENDING_APPROVAL,
        credit_limit=Decimal(0),
        currency="",
        approved_by=None,
        registered_at=event.timestamp,
    )


@customers.on(Customer.SubmittedForApproval)
def _submitted(event: Customer.SubmittedForApproval, db: Connection) -> None:
    CUSTOMERS.update(db, event, credit_limit=event.credit_limit, currency=event.currency)


@customers.on(Customer.Approved)
def _approved(event: Customer.Approved, db: Connection) -> None:
    CUSTOMERS.update(db, event, status=CustomerStatus.ACTIVE, approved_by=event.approved_by)


@customers.on(Approvable.Event)
def _versioned(event: Approvable.Event, db: Connection) -> None:
    """Approvals and signatures on a customer change only its version."""
    CUSTOMERS.update(db, event)
