"""Read tables of the sales claims (OR-31), each with its type and where it is in the standard
procedure, of the contract disputes (OR-32) and of the commitments to customers (OR-36), for the
sales manager's lists and the dashboard."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import AliasChoices, Field
from sqlalchemy import Connection, select

from orders.domain.commitment import Commitment, CommitmentKind, CommitmentStatus
from orders.domain.dispute import Dispute, DisputeStatus, Outcome
from orders.domain.sales_claim import ClaimStatus, ClaimType, SalesClaim
from runtime.projections import Projection
from runtime.views import Money, ReadTable, View, identity


class ClaimSummary(View):
    claim_id: UUID = identity("claim_id")
    customer_id: UUID
    claim_type: ClaimType | None = Field(description="Settled when the facts are gathered")
    status: ClaimStatus
    amount_claimed: Money
    complaint_id: UUID | None = Field(description="RULES §7 row 17: the sales complaint")
    registered_by: str = Field(
        max_length=100, description="The salesperson, or orders' reaction to the complaint"
    )
    registered_at: datetime = Field(validation_alias=AliasChoices("registered_at", "created_on"))
    version: int


CLAIMS = ReadTable(
    ClaimSummary,
    "sales_claims",
    sortable=("registered_at", "amount_claimed"),
    filters=("customer_id", "status", "claim_type"),
)
sales_claims = Projection("sales_claims", CLAIMS.table)


@sales_claims.on(SalesClaim.Registered)
def _registered(event: SalesClaim.Registered, db: Connection) -> None:
    CLAIMS.insert(db, event, status=ClaimStatus.REGISTERED, registered_at=event.timestamp)


@sales_claims.on(SalesClaim.Investigated)
def _investigated(event: SalesClaim.Investigated, db: Connection) -> None:
    CLAIMS.update(db, event, status=ClaimStatus.INVESTIGATED, claim_type=event.claim_type)


_STATUS_AFTER = {
    SalesClaim.CountermeasureProposed: ClaimStatus.PENDING_REVIEW,
    SalesClaim.CountermeasureRejected: ClaimStatus.INVESTIGATED,
    SalesClaim.Resolved: ClaimStatus.RESOLVED,
}


@sales_claims.on(*_STATUS_AFTER)
def _moved(event: SalesClaim.Event, db: Connection) -> None:
    CLAIMS.update(db, event, status=_STATUS_AFTER[type(event)])


# -- OR-32: contract breaches and disputes


class DisputeView(View):
    dispute_id: UUID = identity("dispute_id")
    contract_id: UUID
    customer_id: UUID
    description: str = Field(max_length=2000)
    status: DisputeStatus
    reported_by: str = Field(max_length=64)
    reported_to: list[str] = Field(description="OR-32: every dispute is reported to leadership")
    reported_at: datetime = Field(validation_alias=AliasChoices("reported_at", "created_on"))
    countermeasure: str | None = Field(max_length=2000, description="The sales manager's own")
    outcome: Outcome | None
    version: int


DISPUTES = ReadTable(
    DisputeView,
    "contract_disputes",
    sortable=("reported_at",),
    filters=("contract_id", "customer_id", "status"),
)
contract_disputes = Projection("contract_disputes", DISPUTES.table)


@contract_disputes.on(Dispute.Reported)
def _dispute_reported(event: Dispute.Reported, db: Connection) -> None:
    DISPUTES.insert(
        db,
        event,
        status=DisputeStatus.REPORTED,
        reported_to=list(event.reported_to),
        reported_at=event.timestamp,
        countermeasure=None,
        outcome=None,
    )


@contract_disputes.on(Dispute.CountermeasureDrafted)
def _countermeasure(event: Dispute.CountermeasureDrafted, db: Connection) -> None:
    DISPUTES.update(
        db,
        event,
        status=DisputeStatus.COUNTERMEASURE_DRAFTED,
        countermeasure=event.countermeasure,
    )


@contract_disputes.on(Dispute.Resolved)
def _dispute_resolved(event: Dispute.Resolved, db: Connection) -> None:
    DISPUTES.update(db, event, status=DisputeStatus.RESOLVED, outcome=event.outcome)


# -- OR-36: commitments to customers


class CommitmentView(View):
    commitment_id: UUID = identity("commitment_id")
    customer_id: UUID
    kind: CommitmentKind
    promise: str = Field(max_length=2000)
    due_at: datetime
    made_by: str = Field(max_length=64)
    status: CommitmentStatus
    met_at: datetime | None
    version: int


COMMITMENTS = ReadTable(
    CommitmentView,
    "commitments",
    sortable=("due_at",),
    filters=("customer_id", "status", "kind"),
)
commitments = Projection("commitments", COMMITMENTS.table)


@commitments.on(Commitment.Recorded)
def _commitment_recorded(event: Commitment.Recorded, db: Connection) -> None:
    COMMITMENTS.insert(db, event, status=CommitmentStatus.OPEN, met_at=None)


@commitments.on(Commitment.Met)
def _commitment_met(event: Commitment.Met, db: Connection) -> None:
    COMMITMENTS.update(db, event, status=CommitmentStatus.MET, met_at=event.met_at)


@commitments.on(Commitment.Missed)
def _commitment_missed(event: Commitment.Missed, db: Connection) -> None:
    COMMITMENTS.update(db, event, status=CommitmentStatus.MISSED)


def overdue_commitments(db: Connection, now: datetime) -> list[UUID]:
    """OR-36: open commitments whose time passed."""
    columns = COMMITMENTS.table.c
    query = select(columns.commitment_id).where(
        columns.status == CommitmentStatus.OPEN.value, columns.due_at < now
    )
    return list(db.scalars(query))
