"""Read table of the sales claims (OR-31): each claim with its type and where it is in the
standard procedure, for the sales manager's list and the dashboard."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import AliasChoices, Field
from sqlalchemy import Connection

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
