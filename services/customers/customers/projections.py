"""The customers list: one row per customer file, kept by the ``customers`` projection."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import NAMESPACE_OID, UUID, uuid5

from pydantic import AliasChoices, BaseModel, Field, field_validator
from sqlalchemy import Connection, func, select, update

from contracts.values import LongText, Name, ShortText, UserId
from customers.domain.credit_investigation import (
    CreditInvestigation,
    InvestigationMethod,
    InvestigationStatus,
)
from customers.domain.customer import (
    Customer,
    CustomerStatus,
    Grade,
    ReportChannel,
    ReportKind,
    Severity,
    Standing,
)
from customers.domain.handover import (
    Handover,
    HandoverReason,
    HandoverStatus,
    MatterKind,
    Party,
)
from customers.domain.master_data import ChangeStatus, MasterDataChange
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
    grade_review_due_since: datetime | None = Field(
        description="When a trigger made the grade review due before its turn (CU-05)"
    )
    registered_at: datetime = Field(validation_alias=AliasChoices("registered_at", "created_on"))
    version: int
    standing: Standing = Field(description="Good, watch, held or blacklisted (CU-06, CU-13)")
    open_review_id: UUID | None = Field(
        description="The dangerous-customer review under way (CU-06)"
    )
    rejection_reason: str | None = Field(
        description="Why the approval chain last refused to open the file (CU-02)", max_length=2000
    )
    credit_terms_allowed: bool = Field(
        description="May buy on credit terms: an approved limit and a completed credit "
        "investigation; otherwise cash or payment before delivery only (CU-07)"
    )
    credit_investigation_id: UUID | None = Field(
        description="The last completed credit investigation (CU-07, CU-08)"
    )
    credit_reviewed_at: datetime | None = Field(
        description="Last credit investigation or change of limit: reviews are due from it (CU-11)"
    )
    credit_review_due_since: datetime | None = Field(
        description="When the periodic credit review was recorded as due (CU-11)"
    )
    # An optional Money has no column type: the field shows the amount to the cent itself.
    proposed_credit_limit: Decimal | None = Field(
        max_digits=16, decimal_places=2, description="A change of limit awaiting approval (CU-12)"
    )

    @field_validator("proposed_credit_limit")
    @classmethod
    def _in_cents(cls, amount: Decimal | None) -> Decimal | None:
        return None if amount is None else amount.quantize(Decimal("0.01"))


CUSTOMERS = ReadTable(
    CustomerView,
    "customers",
    sortable=(
        "registered_at",
        "legal_name",
        "credit_limit",
        "grade_decided_at",
        "credit_reviewed_at",
    ),
    filters=(
        "owner_id",
        "deputy_id",
        "status",
        "grade",
        "important",
        "standing",
        "credit_terms_allowed",
    ),
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
        grade_review_due_since=None,
        standing=Standing.GOOD,
        open_review_id=None,
        rejection_reason=None,
        credit_terms_allowed=False,
        credit_investigation_id=None,
        credit_reviewed_at=None,
        credit_review_due_since=None,
        proposed_credit_limit=None,
    )


@customers.on(Customer.SubmittedForApproval)
def _submitted(event: Customer.SubmittedForApproval, db: Connection) -> None:
    CUSTOMERS.update(
        db,
        event,
        credit_limit=event.credit_limit,
        currency=event.currency,
        status=CustomerStatus.PENDING_APPROVAL,
    )


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
        grade_review_due_since=None,
        **values,
    )


@customers.on(Customer.GradeReviewDue)
def _grade_review_due(event: Customer.GradeReviewDue, db: Connection) -> None:
    CUSTOMERS.update(db, event, grade_review_due_since=event.timestamp)


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


@customers.on(Customer.Rejected)
def _rejected(event: Customer.Rejected, db: Connection) -> None:
    CUSTOMERS.update(db, event, status=CustomerStatus.REJECTED, rejection_reason=event.reason)


@customers.on(Customer.CreditInvestigated)
def _investigated(event: Customer.CreditInvestigated, db: Connection) -> None:
    CUSTOMERS.update(
        db,
        event,
        credit_investigation_id=event.investigation_id,
        credit_reviewed_at=event.timestamp,
        credit_review_due_since=None,
    )


@customers.on(Customer.CreditTermsChanged)
def _credit_terms(event: Customer.CreditTermsChanged, db: Connection) -> None:
    CUSTOMERS.update(db, event, credit_terms_allowed=event.credit_terms_allowed)


@customers.on(Customer.CreditLimitChangeRequested)
def _limit_requested(event: Customer.CreditLimitChangeRequested, db: Connection) -> None:
    CUSTOMERS.update(db, event, proposed_credit_limit=event.proposed_credit_limit)


@customers.on(Customer.CreditLimitChanged)
def _limit_changed(event: Customer.CreditLimitChanged, db: Connection) -> None:
    CUSTOMERS.update(
        db,
        event,
        credit_limit=event.new_credit_limit,
        proposed_credit_limit=None,
        credit_reviewed_at=event.timestamp,
        credit_review_due_since=None,
    )


@customers.on(Customer.CreditLimitChangeRejected)
def _limit_refused(event: Customer.CreditLimitChangeRejected, db: Connection) -> None:
    CUSTOMERS.update(db, event, proposed_credit_limit=None)


@customers.on(Customer.CreditReviewDue)
def _review_due(event: Customer.CreditReviewDue, db: Connection) -> None:
    CUSTOMERS.update(db, event, credit_review_due_since=event.timestamp)


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
    payment_history: LongText | None = Field(
        description="Added by finance; shown to the confidential levels only (CU-21)"
    )
    exposure: Money | None = Field(
        description="Added by finance; shown to the confidential levels only (CU-21)"
    )
    assessed_by: UserId | None
    decision: Decision | None
    decision_reason: LongText | None
    decided_by: UserId | None
    release_reason: LongText | None = Field(description="Why lifting the decision was requested")
    released: bool
    version: int


def accounts_per_owner(db: Connection) -> dict[str, int]:
    """CU-15: how many accounts each salesperson owns as primary."""
    owner = CUSTOMERS.table.c.owner_id
    counted = db.execute(select(owner, func.count()).group_by(owner))
    return {row[0]: row[1] for row in counted}


class OwnerAccounts(View):
    """CU-15: one salesperson's share of the accounts."""

    owner_id: UserId
    accounts: int


class OpenMatterView(View):
    kind: MatterKind
    reference: Name
    customer_id: UUID


class HandoverView(View):
    """CU-22: a handover list, its parties and its deadline."""

    handover_id: UUID = identity("handover_id")
    transferor_id: UserId
    receiver_id: UserId
    witness_id: UserId
    reason: HandoverReason
    customer_ids: list[UUID]
    status: HandoverStatus
    due_at: datetime = Field(description="Signed by all three within the working days (CU-22)")
    overdue: bool
    escalated_to: str | None = Field(
        description="The role an overdue handover was escalated to: the unit head (CU-22)",
        max_length=64,
    )
    initiated_by: UserId
    initiated_at: datetime = Field(validation_alias=AliasChoices("initiated_at", "created_on"))
    signed_at: datetime | None
    data_returned_at: datetime | None = Field(
        description="When the transferor handed back the customer data; their final pay waits "
        "for it (CU-22)"
    )
    version: int


HANDOVERS = ReadTable(
    HandoverView,
    "handovers",
    sortable=("due_at", "initiated_at"),
    filters=("status", "overdue", "transferor_id", "receiver_id", "escalated_to"),
)
handovers = Projection("handovers", HANDOVERS.table)


@handovers.on(Handover.Initiated)
def _handover_initiated(event: Handover.Initiated, db: Connection) -> None:
    HANDOVERS.insert(
        db,
        event,
        customer_ids=[str(c) for c in event.customer_ids],
        status=HandoverStatus.OPEN,
        overdue=False,
        escalated_to=None,
        initiated_at=event.timestamp,
        signed_at=None,
        data_returned_at=None,
    )


@handovers.on(Handover.ListRevised)
def _handover_revised(event: Handover.ListRevised, db: Connection) -> None:
    HANDOVERS.update(db, event, customer_ids=[str(c) for c in event.customer_ids])


@handovers.on(Handover.FellOverdue)
def _handover_overdue(event: Handover.FellOverdue, db: Connection) -> None:
    HANDOVERS.update(db, event, overdue=True, escalated_to=event.escalated_to)


@handovers.on(Handover.DataReturned)
def _handover_data_returned(event: Handover.DataReturned, db: Connection) -> None:
    HANDOVERS.update(db, event, data_returned_at=event.timestamp)


@handovers.on(Handover.Signed)
def _handover_signed(event: Handover.Signed, db: Connection) -> None:
    HANDOVERS.update(db, event, status=HandoverStatus.SIGNED, signed_at=event.timestamp)


@handovers.on(Approvable.Event)
def _handover_versioned(event: Approvable.Event, db: Connection) -> None:
    """Signatures on a handover change only its version."""
    HANDOVERS.update(db, event)


def handovers_past_due(db: Connection, now: datetime) -> list[UUID]:
    """CU-22: open handovers past their due time and not flagged yet."""
    columns = HANDOVERS.table.c
    query = select(columns.handover_id).where(
        columns.status == HandoverStatus.OPEN, columns.due_at < now, ~columns.overdue
    )
    return list(db.execute(query).scalars())


def handovers_awaiting_data(db: Connection, transferor_id: str) -> list[UUID]:
    """CU-22: the employee's handovers whose customer data has not come back yet."""
    columns = HANDOVERS.table.c
    query = select(columns.handover_id).where(
        columns.transferor_id == transferor_id, columns.data_returned_at.is_(None)
    )
    return list(db.execute(query).scalars())


class FinalPayClearance(BaseModel):
    """CU-22: whether a departing employee's final pay may be settled."""

    employee_id: UserId
    settleable: bool
    handovers_awaiting_data: list[UUID] = Field(
        description="Their handovers whose customer data has not come back"
    )
    accounts_still_owned: int = Field(description="Accounts not handed over yet (CU-15)")


class HandoverListView(HandoverView):
    """A whole handover list (CU-22): what is handed over, the version to sign, who signed it."""

    open_matters: list[OpenMatterView]
    version_hash: str = Field(description="The version each party reviews and signs")
    signed_parties: list[Party] = Field(description="Who signed this version")


@customers.on(Customer.MasterDataChanged)
def _master_data_changed(event: Customer.MasterDataChanged, db: Connection) -> None:
    CUSTOMERS.update(db, event, legal_name=event.legal_name)


class PrintedLine(BaseModel):
    field: str
    before: str | None = Field(description="Shown once the change is applied")
    after: str


class MasterDataChangeView(View):
    """CU-14: a master-data change request and its printed record (客户资料变更申请单)."""

    change_id: UUID = identity("change_id")
    customer_id: UUID
    reason: str
    status: ChangeStatus
    printed_lines: list[PrintedLine]
    submitted_by: UserId
    submitted_at: datetime = Field(validation_alias=AliasChoices("submitted_at", "created_on"))
    approved_by: str | None
    applied_by: str | None
    applied_at: datetime | None
    archived_by: str | None
    archived_at: datetime | None
    version_hash: str = Field(description="The version the manager approves, the clerk signs")
    version: int


class AccountReportView(View):
    """CU-16: a change an account owner reported to their superior."""

    report_id: UUID = identity("report_id")
    customer_id: UUID
    kind: ReportKind
    channel: ReportChannel
    summary: str = Field(max_length=2000)
    reported_by: UserId
    reported_at: datetime


ACCOUNT_REPORTS = ReadTable(
    AccountReportView,
    "account_reports",
    sortable=("reported_at",),
    filters=("customer_id", "kind", "reported_by"),
)
account_reports = Projection("account_reports", ACCOUNT_REPORTS.table)


@account_reports.on(Customer.AccountChangeReported)
def _change_reported(event: Customer.AccountChangeReported, db: Connection) -> None:
    ACCOUNT_REPORTS.insert(db, event, customer_id=event.originator_id, reported_at=event.timestamp)


class RecordAccessView(View):
    """CU-17: one access to a customer's original records."""

    accessed_by: UserId
    role: str
    purpose: str
    accessed_at: datetime


class OriginalRecordsView(View):
    """CU-17: what the custodian keeps of a customer, and who read it."""

    customer_id: UUID = identity("customer_id")
    original_records: list[str]
    record_accesses: list[RecordAccessView]


class CreditInvestigationView(View):
    """A credit investigation as it stands (CU-08, CU-09, CU-10)."""

    investigation_id: UUID = identity("investigation_id")
    customer_id: UUID
    method: InvestigationMethod
    investigator_id: UserId = Field(description="The investigator of record (CU-09)")
    opened_by: UserId
    agency: str | None = Field(max_length=200)
    agency_chosen_because: str | None = Field(max_length=2000)
    status: InvestigationStatus
    answers: dict[str, str] = Field(description="The standardised form's items answered (CU-08)")
    missing_items: list[str] = Field(description="Items of the form still to answer (CU-08)")
    agency_report: str | None
    assessment: str | None = Field(description="The investigating manager's, on the agency report")
    assessed_by: str | None = Field(max_length=64)
    open_doubts: dict[UUID, str] = Field(
        description="Doubts raised and not yet resolved, by id: each blocks completion (CU-10)"
    )
    conclusion: str | None
    completed_by: str | None = Field(max_length=64)
    opened_at: datetime = Field(validation_alias=AliasChoices("opened_at", "created_on"))
    version: int


class CreditInvestigationRow(View):
    """A credit investigation in the list: who investigates whom, and how far it is."""

    investigation_id: UUID = identity("investigation_id")
    customer_id: UUID
    method: InvestigationMethod
    investigator_id: UserId = Field(description="The investigator of record (CU-09)")
    status: InvestigationStatus
    open_doubt_count: int = Field(description="Doubts not yet resolved (CU-10)")
    opened_at: datetime
    completed_at: datetime | None
    version: int


CREDIT_INVESTIGATIONS = ReadTable(
    CreditInvestigationRow,
    "credit_investigations",
    sortable=("opened_at", "completed_at"),
    filters=("customer_id", "investigator_id", "status"),
)
credit_investigations = Projection("credit_investigations", CREDIT_INVESTIGATIONS.table)


@credit_investigations.on(CreditInvestigation.Opened)
def _investigation_opened(event: CreditInvestigation.Opened, db: Connection) -> None:
    CREDIT_INVESTIGATIONS.insert(
        db,
        event,
        status=InvestigationStatus.OPEN,
        open_doubt_count=0,
        opened_at=event.timestamp,
        completed_at=None,
    )


@credit_investigations.on(CreditInvestigation.DoubtRaised)
def _doubt_raised(event: CreditInvestigation.DoubtRaised, db: Connection) -> None:
    count = CREDIT_INVESTIGATIONS.table.c.open_doubt_count
    CREDIT_INVESTIGATIONS.update(db, event, open_doubt_count=count + 1)


@credit_investigations.on(CreditInvestigation.DoubtResolved)
def _doubt_resolved(event: CreditInvestigation.DoubtResolved, db: Connection) -> None:
    count = CREDIT_INVESTIGATIONS.table.c.open_doubt_count
    CREDIT_INVESTIGATIONS.update(db, event, open_doubt_count=count - 1)


@credit_investigations.on(CreditInvestigation.Completed)
def _investigation_completed(event: CreditInvestigation.Completed, db: Connection) -> None:
    CREDIT_INVESTIGATIONS.update(
        db, event, status=InvestigationStatus.COMPLETED, completed_at=event.timestamp
    )


@credit_investigations.on(
    CreditInvestigation.FormAnswered,
    CreditInvestigation.AgencyReportReceived,
    CreditInvestigation.ManagerAssessed,
)
def _investigation_versioned(event: CreditInvestigation.Event, db: Connection) -> None:
    CREDIT_INVESTIGATIONS.update(db, event)


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


# -- CU-05: the grade's movements, for the dashboard (RULES.md §8)


class GradeMove(StrEnum):
    ASSIGNED = "assigned"
    """CU-03: the first grade."""
    UPGRADE = "upgrade"
    DOWNGRADE = "downgrade"


def grade_move(old_grade: str | None, new_grade: str) -> GradeMove:
    """CU-03: A is the largest, most urgent demand; a move toward A is an upgrade."""
    if old_grade is None:
        return GradeMove.ASSIGNED
    order = list(Grade)
    return (
        GradeMove.UPGRADE
        if order.index(Grade(new_grade)) < order.index(Grade(old_grade))
        else GradeMove.DOWNGRADE
    )


class GradeChangeView(View):
    """CU-05: one decided change of a customer's grade, and which way it went."""

    change_id: UUID = identity("change_id")
    customer_id: UUID
    old_grade: Grade | None
    new_grade: Grade
    direction: GradeMove
    decided_by: UserId
    changed_at: datetime


GRADE_CHANGES = ReadTable(
    GradeChangeView,
    "grade_changes",
    sortable=("changed_at",),
    filters=("customer_id", "direction"),
)
grade_changes = Projection("grade_changes", GRADE_CHANGES.table)


@grade_changes.on(Customer.GradeChanged)
def _grade_change(event: Customer.GradeChanged, db: Connection) -> None:
    GRADE_CHANGES.insert(
        db,
        event,
        change_id=uuid5(NAMESPACE_OID, f"grade:{event.originator_id}:{event.originator_version}"),
        customer_id=event.originator_id,
        direction=grade_move(event.old_grade, event.new_grade),
        changed_at=event.timestamp,
    )


# -- CU-14: the change requests and how far each went


class MasterDataChangeRow(View):
    """CU-14: a change request in the list: for which customer, by whom, how far it went."""

    change_id: UUID = identity("change_id")
    customer_id: UUID
    status: ChangeStatus
    submitted_by: UserId
    submitted_at: datetime


MASTER_DATA_CHANGES = ReadTable(
    MasterDataChangeRow,
    "master_data_changes",
    sortable=("submitted_at",),
    filters=("customer_id", "status"),
)
master_data_changes = Projection("master_data_changes", MASTER_DATA_CHANGES.table)


@master_data_changes.on(MasterDataChange.Submitted)
def _change_submitted(event: MasterDataChange.Submitted, db: Connection) -> None:
    MASTER_DATA_CHANGES.insert(
        db, event, status=ChangeStatus.SUBMITTED, submitted_at=event.timestamp
    )


@master_data_changes.on(MasterDataChange.Approved)
def _change_approved(event: MasterDataChange.Approved, db: Connection) -> None:
    MASTER_DATA_CHANGES.update(db, event, status=ChangeStatus.APPROVED)


@master_data_changes.on(MasterDataChange.Applied)
def _change_applied(event: MasterDataChange.Applied, db: Connection) -> None:
    MASTER_DATA_CHANGES.update(db, event, status=ChangeStatus.APPLIED)


@master_data_changes.on(MasterDataChange.Archived)
def _change_archived(event: MasterDataChange.Archived, db: Connection) -> None:
    MASTER_DATA_CHANGES.update(db, event, status=ChangeStatus.ARCHIVED)


class TieredCustomerView(CustomerView):
    """CU-21: a customer in a list as the reader's level shows it: the confidential fields are
    None for those not allowed them."""

    # Narrower in the parent: None here is what a level not allowed the field sees.
    credit_limit: Money | None = Field(  # type: ignore[assignment]
        description="CU-07, CU-12; shown to the allowed levels (CU-21)"
    )
