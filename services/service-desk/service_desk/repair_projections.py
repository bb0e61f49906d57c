"""The workshop as a read table: every take-back repair with its promised time (SD-19), where it
stands (SD-14..SD-17) and whether its pickup receipt was voided."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field
from sqlalchemy import Connection, select

from contracts.values import Code
from runtime.aggregate import Aggregate
from runtime.projections import Projection
from runtime.views import ReadTable, View, identity
from service_desk.domain.repair import Repair, RepairStatus


class RepairRow(View):
    """One product at the workshop (the in/out register, 服表004)."""

    repair_id: UUID = identity("repair_id")
    call_id: UUID
    customer_id: UUID
    service_type: str = Field(max_length=1, description="SD-01: A, B or C")
    pickup_receipt_no: Code
    in_out_register_no: str | None = Field(max_length=64, description="SD-14: 服表004")
    card_no: str | None = Field(max_length=64, description="SD-15: 服表005")
    status: str = Field(max_length=32)
    promised_at: datetime = Field(description="SD-19: the completion time promised")
    escalated: bool = Field(description="SD-19: the promised time passed unfinished")
    inspection_failures: int = Field(description="SD-16: inspections the supervisor failed")
    taken_back_at: datetime
    returned_at: datetime | None
    receipt_lost: bool = Field(description="SD-17: returned under the lost-receipt exception")
    version: int


REPAIRS = ReadTable(
    RepairRow,
    "repairs",
    sortable=("taken_back_at", "promised_at"),
    filters=("customer_id", "call_id", "status"),
)
repairs = Projection("repairs", REPAIRS.table)
_repairs = REPAIRS.table.c


@repairs.on(Repair.PickupReceiptIssued)
def _issued(event: Repair.PickupReceiptIssued, db: Connection) -> None:
    REPAIRS.insert(
        db,
        event,
        service_type=str(event.service_type),
        in_out_register_no=None,
        card_no=None,
        status=RepairStatus.AWAITING_TAKE_BACK_SIGNATURE.value,
        escalated=False,
        inspection_failures=0,
        taken_back_at=event.timestamp,
        returned_at=None,
        receipt_lost=False,
    )


_MOVES: dict[type, RepairStatus] = {
    Repair.ProductTakenBack: RepairStatus.TAKEN_BACK,
    Repair.RepairCompleted: RepairStatus.AWAITING_INSPECTION,
    Repair.RepairInspectionPassed: RepairStatus.READY_FOR_RETURN,
    Repair.PickupReceiptRetrieved: RepairStatus.AWAITING_RETURN_SIGNATURE,
    Repair.LostReceiptExceptionApproved: RepairStatus.AWAITING_RETURN_SIGNATURE,
    Repair.LostReceiptExceptionRejected: RepairStatus.READY_FOR_RETURN,
}
"""The events that only move the repair along, and where to."""


@repairs.on(*_MOVES)
def _moved(event: Aggregate.Event, db: Connection) -> None:
    REPAIRS.update(db, event, status=_MOVES[type(event)].value)


@repairs.on(Repair.RepairCardOpened)
def _card_opened(event: Repair.RepairCardOpened, db: Connection) -> None:
    REPAIRS.update(db, event, status=RepairStatus.IN_REPAIR.value, card_no=event.card_no)


@repairs.on(Repair.ProductCheckedIn)
def _checked_in(event: Repair.ProductCheckedIn, db: Connection) -> None:
    REPAIRS.update(db, event, in_out_register_no=event.in_out_register_no)


@repairs.on(Repair.RepairDelayEscalated)
def _escalated(event: Repair.RepairDelayEscalated, db: Connection) -> None:
    REPAIRS.update(db, event, escalated=True)


@repairs.on(Repair.RepairInspectionFailed)
def _failed(event: Repair.RepairInspectionFailed, db: Connection) -> None:
    failures = db.execute(
        select(_repairs.inspection_failures).where(_repairs.repair_id == event.originator_id)
    ).scalar_one()
    REPAIRS.update(db, event, status=RepairStatus.IN_REPAIR.value, inspection_failures=failures + 1)


@repairs.on(Repair.PickupReceiptLost)
def _lost(event: Repair.PickupReceiptLost, db: Connection) -> None:
    REPAIRS.update(db, event, status=RepairStatus.RECEIPT_EXCEPTION.value, receipt_lost=True)


@repairs.on(Repair.ProductReturnedToCustomer)
def _returned(event: Repair.ProductReturnedToCustomer, db: Connection) -> None:
    REPAIRS.update(db, event, status=RepairStatus.RETURNED.value, returned_at=event.returned_at)


def repairs_past_promise(db: Connection, now: datetime) -> list[UUID]:
    """SD-19: repairs at the workshop past their promised time, not escalated yet."""
    late = (
        _repairs.status.in_((RepairStatus.TAKEN_BACK.value, RepairStatus.IN_REPAIR.value))
        & ~_repairs.escalated
        & (_repairs.promised_at < now)
    )
    return list(db.execute(select(_repairs.repair_id).where(late)).scalars())
