"""Read tables of what the sales department asks the managers to approve on a customer's behalf:
special fees (OR-15), stock held for a customer (OR-33) and service proposals (OR-34)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import AliasChoices, Field
from sqlalchemy import Connection

from contracts.values import UserId
from orders.domain.service_proposal import ProposalStatus, ServiceProposal
from orders.domain.special_fee import FeeType, PaymentForm, SpecialFee, SpecialFeeStatus
from orders.domain.stock_reservation import ReservationStatus, StockReservation
from runtime.projections import Projection
from runtime.views import Money, ReadTable, View, identity


class SpecialFeeView(View):
    fee_id: UUID = identity("fee_id")
    customer_id: UUID
    fee_type: FeeType
    amount: Money
    currency: str = Field(max_length=3)
    payment_form: PaymentForm = Field(description="OR-15: how it is paid, approved by leadership")
    purpose: str = Field(max_length=2000)
    status: SpecialFeeStatus
    requested_by: UserId
    requested_at: datetime = Field(validation_alias=AliasChoices("requested_at", "created_on"))
    promised_by: str | None = Field(max_length=64)
    version: int


SPECIAL_FEES = ReadTable(
    SpecialFeeView,
    "special_fees",
    sortable=("requested_at", "amount"),
    filters=("customer_id", "status"),
)
special_fees = Projection("special_fees", SPECIAL_FEES.table)


@special_fees.on(SpecialFee.Requested)
def _fee_requested(event: SpecialFee.Requested, db: Connection) -> None:
    SPECIAL_FEES.insert(
        db,
        event,
        status=SpecialFeeStatus.PENDING_APPROVAL,
        requested_at=event.timestamp,
        promised_by=None,
    )


@special_fees.on(SpecialFee.PaymentFormApproved)
def _fee_approved(event: SpecialFee.PaymentFormApproved, db: Connection) -> None:
    SPECIAL_FEES.update(db, event, status=SpecialFeeStatus.APPROVED)


@special_fees.on(SpecialFee.Rejected)
def _fee_rejected(event: SpecialFee.Rejected, db: Connection) -> None:
    SPECIAL_FEES.update(db, event, status=SpecialFeeStatus.REJECTED)


@special_fees.on(SpecialFee.Promised)
def _fee_promised(event: SpecialFee.Promised, db: Connection) -> None:
    SPECIAL_FEES.update(db, event, status=SpecialFeeStatus.PROMISED, promised_by=event.promised_by)


# -- OR-33: stock held for a customer


class StockReservationView(View):
    reservation_id: UUID = identity("reservation_id")
    customer_id: UUID
    reason: str = Field(max_length=2000)
    status: ReservationStatus
    requested_by: UserId
    requested_at: datetime = Field(validation_alias=AliasChoices("requested_at", "created_on"))
    held_by: str | None = Field(max_length=64, description="The warehouse keeper who set it aside")
    version: int


STOCK_RESERVATIONS = ReadTable(
    StockReservationView,
    "stock_reservations",
    sortable=("requested_at",),
    filters=("customer_id", "status"),
)
stock_reservations = Projection("stock_reservations", STOCK_RESERVATIONS.table)


@stock_reservations.on(StockReservation.Requested)
def _reservation_requested(event: StockReservation.Requested, db: Connection) -> None:
    STOCK_RESERVATIONS.insert(
        db,
        event,
        status=ReservationStatus.PENDING_APPROVAL,
        requested_at=event.timestamp,
        held_by=None,
    )


_RESERVATION_AFTER = {
    StockReservation.Approved: ReservationStatus.APPROVED,
    StockReservation.Rejected: ReservationStatus.REJECTED,
    StockReservation.Released: ReservationStatus.RELEASED,
}


@stock_reservations.on(*_RESERVATION_AFTER)
def _reservation_moved(event: StockReservation.Event, db: Connection) -> None:
    STOCK_RESERVATIONS.update(db, event, status=_RESERVATION_AFTER[type(event)])


@stock_reservations.on(StockReservation.Held)
def _reservation_held(event: StockReservation.Held, db: Connection) -> None:
    STOCK_RESERVATIONS.update(db, event, status=ReservationStatus.HELD, held_by=event.held_by)


# -- OR-34: service proposals


class ServiceProposalSummary(View):
    proposal_id: UUID = identity("proposal_id")
    customer_id: UUID
    price: Money
    currency: str = Field(max_length=3)
    status: ProposalStatus
    drafted_by: UserId
    drafted_at: datetime = Field(validation_alias=AliasChoices("drafted_at", "created_on"))
    version: int


SERVICE_PROPOSALS = ReadTable(
    ServiceProposalSummary,
    "service_proposals",
    sortable=("drafted_at", "price"),
    filters=("customer_id", "status"),
)
service_proposals = Projection("service_proposals", SERVICE_PROPOSALS.table)


@service_proposals.on(ServiceProposal.Drafted)
def _proposal_drafted(event: ServiceProposal.Drafted, db: Connection) -> None:
    SERVICE_PROPOSALS.insert(db, event, status=ProposalStatus.DRAFT, drafted_at=event.timestamp)


_PROPOSAL_AFTER = {
    ServiceProposal.Submitted: ProposalStatus.PENDING_APPROVAL,
    ServiceProposal.Approved: ProposalStatus.APPROVED,
    ServiceProposal.Rejected: ProposalStatus.REJECTED,
    ServiceProposal.Offered: ProposalStatus.OFFERED,
}


@service_proposals.on(*_PROPOSAL_AFTER)
def _proposal_moved(event: ServiceProposal.Event, db: Connection) -> None:
    SERVICE_PROPOSALS.update(db, event, status=_PROPOSAL_AFTER[type(event)])
