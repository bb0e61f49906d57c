"""The customers list: one row per customer file, kept by the ``customers`` projection."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from pydantic import AliasChoices, Field
from sqlalchemy import Connection

from contracts.values import Name, UserId
from customers.domain.customer import Customer, CustomerStatus, Grade
from kernel.approvals.domain import Approvable
from runtime.projections import Projection
from runtime.views import Money, ReadTable, View, identity


class CustomerView(View):
    customer_id: UUID = identity("customer_id")
    legal_name: Name
    owner_id: UserId = Field(description="The salesperson who owns the account (CU-15)")
    deputy_id: str | None = Field(description="The deputy account owner (CU-15)", max_length=64)
    status: CustomerStatus
    credit_limit: Money = Field(description="CU-07, CU-12")
    currency: str = Field(max_length=3)
    approved_by: str | None
    important: bool = Field(description="Important for trading (CU-01)")
    grade: Grade | None = Field(description="Decided by the sales manager (CU-03)")
    proposed_grade: Grade | None = Field(description="Proposed, not yet decided (CU-03)")
    grade_reason: str | None = Field(
        description="Why the grade was last decided (CU-05)", max_length=2000
    )
    grade_decided_by: str | None = Field(max_length=64)
    grade_decided_at: datetime | None = Field(
        description="When the grade was last decided: reviews are due from it (CU-05)"
    )
    registered_at: datetime = Field(validation_alias=AliasChoices("registered_at", "created_on"))
    version: int


CUSTOMERS = ReadTable(
    CustomerView,
    "customers",
    sortable=("registered_at", "legal_name", "credit_limit", "grade_decided_at"),
    filters=("owner_id", "deputy_id", "status", "grade", "important"),
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
        deputy_id=None,
        important=False,
        grade=None,
        proposed_grade=None,
        grade_reason=None,
        grade_decided_by=None,
        grade_decided_at=None,
    )


@customers.on(Customer.SubmittedForApproval)
def _submitted(event: Customer.SubmittedForApproval, db: Connection) -> None:
    CUSTOMERS.update(db, event, credit_limit=event.credit_limit, currency=event.currency)


@customers.on(Customer.Approved)
def _approved(event: Customer.Approved, db: Connection) -> None:
    CUSTOMERS.update(db, event, status=CustomerStatus.ACTIVE, approved_by=event.approved_by)


@customers.on(Customer.ImportanceFlagged)
def _flagged(event: Customer.ImportanceFlagged, db: Connection) -> None:
    CUSTOMERS.update(db, event, important=event.important)


@customers.on(Customer.GradeProposed)
def _proposed(event: Customer.GradeProposed, db: Connection) -> None:
    CUSTOMERS.update(db, event, proposed_grade=event.grade)


@customers.on(Customer.GradeChanged)
def _grade_changed(event: Customer.GradeChanged, db: Connection) -> None:
    _grade_decided(event, db, grade=event.new_grade)


@customers.on(Customer.GradeReviewed)
def _grade_reviewed(event: Customer.GradeReviewed, db: Connection) -> None:
    _grade_decided(event, db)


def _grade_decided(
    event: Customer.GradeChanged | Customer.GradeReviewed, db: Connection, **values: object
) -> None:
    CUSTOMERS.update(
        db,
        event,
        proposed_grade=None,
        grade_reason=event.reason,
        grade_decided_by=event.decided_by,
        grade_decided_at=event.timestamp,
        **values,
    )


@customers.on(Customer.OwnersAssigned)
def _owners(event: Customer.OwnersAssigned, db: Connection) -> None:
    CUSTOMERS.update(db, event, owner_id=event.owner_id, deputy_id=event.deputy_id)


@customers.on(Approvable.Event)
def _versioned(event: Approvable.Event, db: Connection) -> None:
    """Approvals and signatures on a customer change only its version."""
    CUSTOMERS.update(db, event)


class ContactView(View):
    name: Name
    role: Name
    phone: str = Field(max_length=40)


class CustomerFileView(CustomerView):
    """A customer's whole file (CU-01): the list's row and what sales recorded of it."""

    org_structure: str
    contacts: list[ContactView]
    premises: list[str]
    industry_standing: str
    business_notes: str


class TieredCustomerFileView(CustomerFileView):
    """CU-21: the file as the reader's level shows it: the sensitive fields are None for those
    not allowed them."""

    # Narrower in the parent: None here is what a level not allowed the field sees.
    credit_limit: Money | None = Field(  # type: ignore[assignment]
        description="CU-07, CU-12; shown to the allowed levels (CU-21)"
    )
    industry_standing: str | None = Field(  # type: ignore[assignment]
        description="Shown to the allowed levels (CU-21)"
    )
