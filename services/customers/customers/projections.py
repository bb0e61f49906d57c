"""The customers list: one row per customer file, kept by the ``customers`` projection."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from pydantic import AliasChoices, Field
from sqlalchemy import Connection, update

from contracts.values import LongText, Name, ShortText, UserId
from customers.domain.customer import Customer, CustomerStatus, Grade, Severity, Standing
from customers.domain.risk_review import Decision, Trigger
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
    standing: Standing = Field(description="Good, watch, held or blacklisted (CU-06, CU-13)")
    open_review_id: UUID | None = Field(
        description="The dangerous-customer review under way (CU-06)"
    )


CUSTOMERS = ReadTable(
    CustomerView,
    "customers",
    sortable=("registered_at", "legal_name", "credit_limit", "grade_decided_at"),
    filters=("owner_id", "deputy_id", "status", "grade", "important", "standing"),
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
        standing=Standing.GOOD,
        open_review_id=None,
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


@customers.on(Customer.RiskReviewOpened)
def _review_opened(event: Customer.RiskReviewOpened, db: Connection) -> None:
    CUSTOMERS.update(db, event, open_review_id=event.review_id)


@customers.on(Customer.CreditHoldPlaced)
def _held(event: Customer.CreditHoldPlaced, db: Connection) -> None:
    standing = Standing.PROVISIONAL_HOLD if event.provisional else Standing.CREDIT_HOLD
    CUSTOMERS.update(db, event, standing=standing)


@customers.on(Customer.Blacklisted)
def _blacklisted(event: Customer.Blacklisted, db: Connection) -> None:
    CUSTOMERS.update(db, event, standing=Standing.BLACKLISTED)


@customers.on(Customer.CreditHoldReleased)
def _hold_released(event: Customer.CreditHoldReleased, db: Connection) -> None:
    CUSTOMERS.update(db, event, standing=Standing.GOOD)


@customers.on(Customer.RemovedFromBlacklist)
def _removed_from_blacklist(event: Customer.RemovedFromBlacklist, db: Connection) -> None:
    CUSTOMERS.update(db, event, standing=Standing.GOOD)


@customers.on(Customer.RiskReviewClosed)
def _review_closed(event: Customer.RiskReviewClosed, db: Connection) -> None:
    CUSTOMERS.update(db, event, open_review_id=None, standing=event.standing)


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


class AbnormalityView(View):
    """CU-13: an abnormality the sales manager and finance see until its review is decided."""

    abnormality_id: UUID = identity("abnormality_id")
    customer_id: UUID
    review_id: UUID = Field(description="The dangerous-customer review it opened or joined")
    source: ShortText
    facts: LongText
    severity: Severity
    reported_by: UserId
    reported_at: datetime
    open: bool = Field(description="Until the review is decided (CU-06)")


ABNORMALITIES = ReadTable(
    AbnormalityView,
    "abnormalities",
    sortable=("reported_at",),
    filters=("customer_id", "review_id", "severity", "open"),
)
abnormalities = Projection("abnormalities", ABNORMALITIES.table)


@abnormalities.on(Customer.AbnormalityReported)
def _abnormality(event: Customer.AbnormalityReported, db: Connection) -> None:
    ABNORMALITIES.insert(
        db,
        event,
        abnormality_id=event.abnormality_id,
        customer_id=event.originator_id,
        reported_at=event.timestamp,
        open=True,
    )


@abnormalities.on(Customer.RiskReviewClosed)
def _abnormalities_closed(event: Customer.RiskReviewClosed, db: Connection) -> None:
    table = ABNORMALITIES.table
    db.execute(update(table).where(table.c.review_id == event.review_id).values(open=False))


class RiskReviewView(View):
    """CU-06: a dangerous-customer review, as far as it has gone."""

    review_id: UUID = identity("review_id")
    customer_id: UUID
    trigger: Trigger
    opened_by: UserId
    opened_at: datetime = Field(validation_alias=AliasChoices("opened_at", "created_on"))
    checklist: LongText | None = Field(description="The account owner's problem-customer checklist")
    checklist_by: UserId | None
    payment_history: LongText | None = Field(description="Added by finance")
    exposure: Money | None = Field(description="Added by finance")
    assessed_by: UserId | None
    decision: Decision | None
    decision_reason: LongText | None
    decided_by: UserId | None
    release_reason: LongText | None = Field(description="Why lifting the decision was requested")
    released: bool
    version: int


class TieredCustomerFileView(CustomerFileView):
    """CU-21: the file as the reader's level shows it: the confidential fields are None for
    those not allowed them."""

    # Narrower in the parent: None here is what a level not allowed the field sees.
    credit_limit: Money | None = Field(  # type: ignore[assignment]
        description="CU-07, CU-12; shown to the allowed levels (CU-21)"
    )
    industry_standing: str | None = Field(  # type: ignore[assignment]
        description="Shown to the allowed levels (CU-21)"
    )
