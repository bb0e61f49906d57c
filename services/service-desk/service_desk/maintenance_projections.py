"""Maintenance contracts as a read table: each contract's state, its expiry notice (SD-29) and
its delivery (SD-48): the calls served under it, the periodic visits made, the next one due and
whether it is overdue. The timers find their contracts here, and type-B work its candidates."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import Field
from sqlalchemy import Connection, select

from runtime.projections import Projection
from runtime.views import Money, ReadTable, View, identity
from service_desk.domain.maintenance_contract import (
    IN_FORCE,
    ContractStatus,
    MaintenanceContract,
)


class MaintenanceContractRow(View):
    contract_id: UUID = identity("contract_id")
    customer_id: UUID
    renews_id: UUID | None = Field(description="SD-29: the contract this one renews")
    starts_on: date
    ends_on: date
    price: Money
    status: str = Field(max_length=32)
    notice_due_at: datetime = Field(description="SD-29: the expiry notice falls due")
    notice_due: bool = Field(description="SD-29: MaintenanceContractExpiryNoticeDue raised")
    notice_sent_at: datetime | None
    renewal_assignee: str | None = Field(max_length=64, description="SD-29: sent to renew")
    renewed_by_id: UUID | None = Field(description="SD-29: the renewal contract")
    visit_interval_days: int
    next_visit_on: date = Field(description="SD-48: the next planned periodic visit")
    visit_overdue: bool = Field(description="SD-48: its day passed without the visit")
    visit_overdue_since: datetime | None
    visits_delivered: int = Field(description="SD-48: periodic visits made")
    calls_served: int = Field(description="SD-48: type-B calls served under the contract")
    last_rating: int | None = Field(description="SD-48: the customer's latest evaluation, 1-4")
    version: int


MAINTENANCE_CONTRACTS = ReadTable(
    MaintenanceContractRow,
    "maintenance_contracts",
    sortable=("ends_on", "next_visit_on"),
    filters=("customer_id", "status", "visit_overdue"),
)
maintenance_contracts = Projection("maintenance_contracts", MAINTENANCE_CONTRACTS.table)
_rows = MAINTENANCE_CONTRACTS.table.c
_IN_FORCE = tuple(status.value for status in IN_FORCE)


def _count(db: Connection, column: str, contract_id: UUID) -> int:
    found = db.execute(select(_rows[column]).where(_rows.contract_id == contract_id)).scalar_one()
    return int(found)


@maintenance_contracts.on(MaintenanceContract.Registered)
def _registered(event: MaintenanceContract.Registered, db: Connection) -> None:
    MAINTENANCE_CONTRACTS.insert(
        db,
        event,
        status=ContractStatus.DRAFT.value,
        notice_due=False,
        notice_sent_at=None,
        renewal_assignee=None,
        renewed_by_id=None,
        visit_overdue=False,
        visit_overdue_since=None,
        visits_delivered=0,
        calls_served=0,
        last_rating=None,
    )


@maintenance_contracts.on(MaintenanceContract.SubmittedForReview)
def _submitted(event: MaintenanceContract.SubmittedForReview, db: Connection) -> None:
    MAINTENANCE_CONTRACTS.update(db, event, status=ContractStatus.PENDING_APPROVAL.value)


@maintenance_contracts.on(MaintenanceContract.Approved)
def _approved(event: MaintenanceContract.Approved, db: Connection) -> None:
    MAINTENANCE_CONTRACTS.update(db, event, status=ContractStatus.READY_TO_SIGN.value)


@maintenance_contracts.on(MaintenanceContract.Rejected)
def _rejected(event: MaintenanceContract.Rejected, db: Connection) -> None:
    MAINTENANCE_CONTRACTS.update(db, event, status=ContractStatus.DRAFT.value)


@maintenance_contracts.on(MaintenanceContract.Signed)
def _signed(event: MaintenanceContract.Signed, db: Connection) -> None:
    MAINTENANCE_CONTRACTS.update(db, event, status=ContractStatus.ACTIVE.value)


@maintenance_contracts.on(MaintenanceContract.ExpiryNoticeDue)
def _notice_due(event: MaintenanceContract.ExpiryNoticeDue, db: Connection) -> None:
    MAINTENANCE_CONTRACTS.update(db, event, notice_due=True)


@maintenance_contracts.on(MaintenanceContract.ExpiryNoticeSent)
def _notice_sent(event: MaintenanceContract.ExpiryNoticeSent, db: Connection) -> None:
    MAINTENANCE_CONTRACTS.update(db, event, notice_sent_at=event.sent_at)


@maintenance_contracts.on(MaintenanceContract.RenewalVisitAssigned)
def _renewal_visit(event: MaintenanceContract.RenewalVisitAssigned, db: Connection) -> None:
    MAINTENANCE_CONTRACTS.update(
        db,
        event,
        status=ContractStatus.RENEWAL_PENDING.value,
        renewal_assignee=event.assignee,
    )


@maintenance_contracts.on(MaintenanceContract.Renewed)
def _renewed(event: MaintenanceContract.Renewed, db: Connection) -> None:
    MAINTENANCE_CONTRACTS.update(
        db, event, status=ContractStatus.RENEWED.value, renewed_by_id=event.renewal_id
    )


@maintenance_contracts.on(MaintenanceContract.Lapsed)
def _lapsed(event: MaintenanceContract.Lapsed, db: Connection) -> None:
    MAINTENANCE_CONTRACTS.update(
        db, event, status=ContractStatus.EXPIRED.value, visit_overdue=False
    )


@maintenance_contracts.on(MaintenanceContract.CallServed)
def _call_served(event: MaintenanceContract.CallServed, db: Connection) -> None:
    served = _count(db, "calls_served", event.originator_id) + 1
    MAINTENANCE_CONTRACTS.update(db, event, calls_served=served)


@maintenance_contracts.on(MaintenanceContract.VisitOverdue)
def _visit_overdue(event: MaintenanceContract.VisitOverdue, db: Connection) -> None:
    MAINTENANCE_CONTRACTS.update(db, event, visit_overdue=True, visit_overdue_since=event.timestamp)


@maintenance_contracts.on(MaintenanceContract.VisitRecorded)
def _visit_recorded(event: MaintenanceContract.VisitRecorded, db: Connection) -> None:
    delivered = _count(db, "visits_delivered", event.originator_id) + 1
    MAINTENANCE_CONTRACTS.update(
        db,
        event,
        visits_delivered=delivered,
        next_visit_on=event.next_visit_on,
        visit_overdue=False,
        visit_overdue_since=None,
        last_rating=event.visit.rating,
    )


def contracts_in_force_of(db: Connection, customer_id: UUID) -> list[UUID]:
    """SD-01, SD-48: the customer's signed contracts not renewed or lapsed: the candidates for
    type-B work (the aggregate decides, on the day, which covers the product)."""
    found = (_rows.customer_id == customer_id) & _rows.status.in_(_IN_FORCE)
    return list(db.execute(select(_rows.contract_id).where(found)).scalars())


def notices_due(db: Connection, now: datetime) -> list[UUID]:
    """SD-29: active contracts whose expiry notice fell due and is not marked yet."""
    due = (
        (_rows.status == ContractStatus.ACTIVE.value)
        & ~_rows.notice_due
        & (_rows.notice_due_at <= now)
    )
    return list(db.execute(select(_rows.contract_id).where(due)).scalars())


def visits_overdue(db: Connection, now: datetime) -> list[UUID]:
    """SD-48: contracts in force whose planned visit's day passed, not flagged yet."""
    late = _rows.status.in_(_IN_FORCE) & ~_rows.visit_overdue & (_rows.next_visit_on < now.date())
    return list(db.execute(select(_rows.contract_id).where(late)).scalars())


def contracts_past_end(db: Connection, now: datetime) -> list[UUID]:
    """SD-29: contracts in force past their last day: renewed already, or lapsing."""
    ended = _rows.status.in_(_IN_FORCE) & (_rows.ends_on < now.date())
    return list(db.execute(select(_rows.contract_id).where(ended)).scalars())
