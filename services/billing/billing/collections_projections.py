"""Read tables of collections (BI-04, BI-06, BI-14): the collection requests, and the instrument
register, from received to handed to finance or dishonoured, with the instruments not handed over
by the close of their day."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import AliasChoices, Field
from sqlalchemy import Connection, select

from billing.domain.cash_handover import CashHandover, CashHandoverStatus
from billing.domain.collection_request import CollectionRequest, CollectionStatus
from billing.domain.collections_check import (
    CollectionException,
    CollectionsCheck,
    ExceptionKind,
    ExceptionStatus,
)
from billing.domain.instrument import Instrument, InstrumentStatus
from runtime.projections import Projection
from runtime.views import Money, ReadTable, View, identity


class InstrumentView(View):
    instrument_id: UUID = identity("instrument_id")
    customer_id: UUID
    instrument_type: str = Field(max_length=32)
    number: str = Field(max_length=64)
    amount: Money
    currency: str = Field(max_length=3)
    maturity: date
    received_by: str = Field(max_length=64)
    received_at: datetime
    handover_due_at: datetime = Field(description="BI-06: the close of the day it was received")
    status: InstrumentStatus
    handed_to: str | None = Field(description="BI-06: the finance user who signed", max_length=64)
    handover_missed: bool = Field(description="BI-06: not with finance by the close of its day")
    dishonour_reason: str | None = Field(max_length=2000)


INSTRUMENTS = ReadTable(
    InstrumentView,
    "instruments",
    sortable=("received_at", "amount", "maturity"),
    filters=("customer_id", "received_by", "status", "handover_missed", "instrument_type"),
)
instruments = Projection("instruments", INSTRUMENTS.table)


@instruments.on(Instrument.Received)
def _received(event: Instrument.Received, db: Connection) -> None:
    INSTRUMENTS.insert(
        db,
        event,
        status=InstrumentStatus.RECEIVED,
        handed_to=None,
        handover_missed=False,
        dishonour_reason=None,
    )


@instruments.on(Instrument.HandedToFinance)
def _handed(event: Instrument.HandedToFinance, db: Connection) -> None:
    changes: dict[str, object] = {"status": InstrumentStatus.WITH_FINANCE}
    if not event.on_time:
        changes["handover_missed"] = True
    INSTRUMENTS.update(db, event, handed_to=event.finance_user, **changes)


@instruments.on(Instrument.HandoverMissed)
def _missed(event: Instrument.HandoverMissed, db: Connection) -> None:
    INSTRUMENTS.update(db, event, handover_missed=True)


@instruments.on(Instrument.Dishonoured)
def _dishonoured(event: Instrument.Dishonoured, db: Connection) -> None:
    INSTRUMENTS.update(
        db, event, status=InstrumentStatus.DISHONOURED, dishonour_reason=event.reason
    )


def handovers_to_flag(
    db: Connection, register: ReadTable[Any], still: StrEnum, now: datetime
) -> list[UUID]:
    """BI-06, BI-16: what is ``still`` not handed over after the close of its day (instruments
    to finance, fees to the accountant), not flagged yet; ``register`` has the ``status``,
    ``handover_missed`` and ``handover_due_at`` columns."""
    columns = register.table.c
    query = select(columns[register.key]).where(
        columns.status == still,
        columns.handover_missed.is_(False),
        columns.handover_due_at < now,
    )
    return list(db.scalars(query))


# -- BI-04: the collection requests


class CollectionRequestView(View):
    request_id: UUID = identity("request_id")
    customer_id: UUID
    salesperson_id: str = Field(max_length=64)
    amount: Money
    currency: str = Field(max_length=3)
    bank_account: str = Field(max_length=200)
    status: CollectionStatus
    chases: int = Field(description="BI-04: how often the salesperson chased it")
    raised_at: datetime = Field(validation_alias=AliasChoices("raised_at", "created_on"))


COLLECTION_REQUESTS = ReadTable(
    CollectionRequestView,
    "collection_requests",
    sortable=("raised_at", "amount"),
    filters=("customer_id", "salesperson_id", "status"),
)
collection_requests = Projection("collection_requests", COLLECTION_REQUESTS.table)


@collection_requests.on(CollectionRequest.Raised)
def _raised(event: CollectionRequest.Raised, db: Connection) -> None:
    COLLECTION_REQUESTS.insert(
        db, event, status=CollectionStatus.SUBMITTED, chases=0, raised_at=event.timestamp
    )


@collection_requests.on(CollectionRequest.Confirmed)
def _confirmed(event: CollectionRequest.Confirmed, db: Connection) -> None:
    COLLECTION_REQUESTS.update(db, event, status=CollectionStatus.CONFIRMED)


@collection_requests.on(CollectionRequest.Rejected)
def _collection_rejected(event: CollectionRequest.Rejected, db: Connection) -> None:
    COLLECTION_REQUESTS.update(db, event, status=CollectionStatus.REJECTED)


@collection_requests.on(CollectionRequest.CustomerNotified)
def _notified(event: CollectionRequest.CustomerNotified, db: Connection) -> None:
    COLLECTION_REQUESTS.update(db, event, status=CollectionStatus.CUSTOMER_NOTIFIED)


@collection_requests.on(CollectionRequest.Chased)
def _chased(event: CollectionRequest.Chased, db: Connection) -> None:
    columns = COLLECTION_REQUESTS.table.c
    COLLECTION_REQUESTS.update(db, event, chases=columns.chases + 1)


# -- BI-17: the cash handovers


class CashHandoverView(View):
    handover_id: UUID = identity("handover_id")
    giver_id: str = Field(max_length=64)
    receiver_id: str = Field(max_length=64)
    amount: Money
    currency: str = Field(max_length=3)
    customer_id: UUID | None
    purpose: str = Field(max_length=2000)
    status: CashHandoverStatus
    recorded_at: datetime = Field(validation_alias=AliasChoices("recorded_at", "created_on"))


CASH_HANDOVERS = ReadTable(
    CashHandoverView,
    "cash_handovers",
    sortable=("recorded_at", "amount"),
    filters=("giver_id", "receiver_id", "status", "customer_id"),
)
cash_handovers = Projection("cash_handovers", CASH_HANDOVERS.table)


@cash_handovers.on(CashHandover.Recorded)
def _handover_recorded(event: CashHandover.Recorded, db: Connection) -> None:
    CASH_HANDOVERS.insert(
        db, event, status=CashHandoverStatus.AWAITING_SIGNATURES, recorded_at=event.timestamp
    )


@cash_handovers.on(CashHandover.Signed)
def _handover_signed(event: CashHandover.Signed, db: Connection) -> None:
    CASH_HANDOVERS.update(db, event, status=CashHandoverStatus.SIGNED)


# -- BI-07: the daily collections checks and their exceptions


class CollectionsCheckView(View):
    check_id: UUID = identity("check_id")
    day: date
    checked_by: str = Field(max_length=64)
    new_exceptions: int
    carried_over: int = Field(description="Exceptions from earlier days still open")


COLLECTIONS_CHECKS = ReadTable(
    CollectionsCheckView, "collections_checks", sortable=("day",), filters=("checked_by",)
)


class CollectionExceptionView(View):
    exception_id: UUID = identity("exception_id")
    check_id: UUID
    day: date
    kind: ExceptionKind
    description: str = Field(max_length=2000)
    owner_id: str = Field(max_length=64)
    customer_id: UUID | None
    status: ExceptionStatus
    resolved_by: str | None = Field(max_length=64)
    resolution: str | None = Field(max_length=2000)


COLLECTION_EXCEPTIONS = ReadTable(
    CollectionExceptionView,
    "collection_exceptions",
    sortable=("day",),
    filters=("owner_id", "status", "kind", "check_id", "customer_id"),
)
collections_checks = Projection(
    "collections_checks", COLLECTIONS_CHECKS.table, COLLECTION_EXCEPTIONS.table
)


@collections_checks.on(CollectionsCheck.Completed)
def _check_completed(event: CollectionsCheck.Completed, db: Connection) -> None:
    COLLECTIONS_CHECKS.insert(
        db,
        event,
        new_exceptions=len(event.exception_ids),
        carried_over=len(event.carried_over),
    )


@collections_checks.on(CollectionException.Raised)
def _exception_raised(event: CollectionException.Raised, db: Connection) -> None:
    COLLECTION_EXCEPTIONS.insert(
        db, event, status=ExceptionStatus.OPEN, resolved_by=None, resolution=None
    )


@collections_checks.on(CollectionException.Resolved)
def _exception_resolved(event: CollectionException.Resolved, db: Connection) -> None:
    COLLECTION_EXCEPTIONS.update(
        db,
        event,
        status=ExceptionStatus.RESOLVED,
        resolved_by=event.resolved_by,
        resolution=event.resolution,
    )


def open_exceptions(db: Connection) -> list[UUID]:
    """BI-07: the exceptions not resolved yet, carried into the day's check."""
    columns = COLLECTION_EXCEPTIONS.table.c
    query = select(columns.exception_id).where(columns.status == ExceptionStatus.OPEN)
    return list(db.scalars(query.order_by(columns.day)))
