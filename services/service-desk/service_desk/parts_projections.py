"""The spare-parts store as read tables (RULES §4.11): the book stock per ledger (SD-28), the
requisitions with their old parts (SD-22, SD-24, SD-25) and the claims on suppliers (SD-27)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from pydantic import Field
from sqlalchemy import Connection, select

from contracts.values import Code, Name
from runtime.projections import Projection
from runtime.views import Money, ReadTable, View, identity
from service_desk.domain.spare_parts import RequisitionStatus, SparePartRequisition, SparePartStock
from service_desk.domain.supplier_claim import SupplierClaim


class StockRow(View):
    """SD-28: one part's book stock in one ledger."""

    stock_id: UUID = identity("stock_id")
    ledger: str = Field(max_length=32, description="central or service_station (SD-28)")
    station: str | None = Field(max_length=64, description="The service station's ledger")
    part_no: Code
    on_hand: int
    version: int


SPARE_PART_STOCK = ReadTable(
    StockRow, "spare_part_stock", sortable=("part_no",), filters=("ledger", "station", "part_no")
)
spare_part_stock = Projection("spare_part_stock", SPARE_PART_STOCK.table)


@spare_part_stock.on(SparePartStock.Opened)
def _opened(event: SparePartStock.Opened, db: Connection) -> None:
    SPARE_PART_STOCK.insert(db, event, ledger=str(event.ledger), on_hand=0)


def _moved(db: Connection, event: SparePartStock.Event, qty: int) -> None:
    columns = SPARE_PART_STOCK.table.c
    on_hand = db.execute(
        select(columns.on_hand).where(columns.stock_id == event.originator_id)
    ).scalar_one()
    SPARE_PART_STOCK.update(db, event, on_hand=on_hand + qty)


@spare_part_stock.on(SparePartStock.Received)
def _received(event: SparePartStock.Received, db: Connection) -> None:
    _moved(db, event, event.qty)


@spare_part_stock.on(SparePartStock.Issued)
def _issued(event: SparePartStock.Issued, db: Connection) -> None:
    _moved(db, event, -event.qty)


@spare_part_stock.on(SparePartStock.Restocked)
def _restocked(event: SparePartStock.Restocked, db: Connection) -> None:
    _moved(db, event, event.qty)


class RequisitionRow(View):
    """A requisition and what became of its part and of the old part it replaced."""

    requisition_id: UUID = identity("requisition_id")
    call_id: UUID
    service_type: str = Field(max_length=1, description="SD-01: the call's type")
    part_no: Code
    qty: int
    restocked_qty: int = Field(description="Issued, not used, back on the shelf (SD-28)")
    ledger: str = Field(max_length=32)
    station: str | None = Field(max_length=64)
    requested_by: str = Field(max_length=64)
    status: str = Field(max_length=32)
    requested_at: datetime
    issued_at: datetime | None
    old_part_due_at: datetime | None = Field(description="SD-22: the old part is back by then")
    old_part_returned_at: datetime | None
    disposal_due_at: datetime | None = Field(description="SD-22: dealt with by then")
    disposition: str | None = Field(max_length=32)
    return_overdue: bool
    disposal_overdue: bool
    version: int


SPARE_PART_REQUISITIONS = ReadTable(
    RequisitionRow,
    "spare_part_requisitions",
    sortable=("requested_at", "old_part_due_at", "disposal_due_at"),
    filters=("call_id", "status", "part_no"),
)
requisitions = Projection("spare_part_requisitions", SPARE_PART_REQUISITIONS.table)
_requisitions = SPARE_PART_REQUISITIONS.table.c


@requisitions.on(SparePartRequisition.Requisitioned)
def _requisitioned(event: SparePartRequisition.Requisitioned, db: Connection) -> None:
    SPARE_PART_REQUISITIONS.insert(
        db,
        event,
        ledger=str(event.ledger),
        restocked_qty=0,
        status=RequisitionStatus.REQUESTED.value,
        requested_at=event.timestamp,
        issued_at=None,
        old_part_due_at=None,
        old_part_returned_at=None,
        disposal_due_at=None,
        disposition=None,
        return_overdue=False,
        disposal_overdue=False,
    )


@requisitions.on(SparePartRequisition.Approved)
def _approved(event: SparePartRequisition.Approved, db: Connection) -> None:
    SPARE_PART_REQUISITIONS.update(db, event, status=RequisitionStatus.APPROVED.value)


@requisitions.on(SparePartRequisition.Rejected)
def _rejected(event: SparePartRequisition.Rejected, db: Connection) -> None:
    SPARE_PART_REQUISITIONS.update(db, event, status=RequisitionStatus.REJECTED.value)


@requisitions.on(SparePartRequisition.Issued)
def _requisition_issued(event: SparePartRequisition.Issued, db: Connection) -> None:
    SPARE_PART_REQUISITIONS.update(
        db,
        event,
        status=RequisitionStatus.ISSUED.value,
        issued_at=event.timestamp,
        old_part_due_at=event.old_part_due_at,
    )


@requisitions.on(SparePartRequisition.ReturnedToStock)
def _returned_to_stock(event: SparePartRequisition.ReturnedToStock, db: Connection) -> None:
    row = db.execute(
        select(_requisitions.qty, _requisitions.restocked_qty).where(
            _requisitions.requisition_id == event.originator_id
        )
    ).one()
    restocked = row.restocked_qty + event.qty
    if restocked < row.qty:
        SPARE_PART_REQUISITIONS.update(db, event, restocked_qty=restocked)
        return
    SPARE_PART_REQUISITIONS.update(
        db,
        event,
        restocked_qty=restocked,
        status=RequisitionStatus.RESTOCKED.value,
        old_part_due_at=None,
    )


@requisitions.on(SparePartRequisition.OldPartReturned)
def _old_part_returned(event: SparePartRequisition.OldPartReturned, db: Connection) -> None:
    SPARE_PART_REQUISITIONS.update(
        db, event, old_part_returned_at=event.timestamp, disposal_due_at=event.disposal_due_at
    )


@requisitions.on(SparePartRequisition.OldPartDisposed)
def _old_part_disposed(event: SparePartRequisition.OldPartDisposed, db: Connection) -> None:
    SPARE_PART_REQUISITIONS.update(db, event, disposition=str(event.disposition))


@requisitions.on(SparePartRequisition.OldPartReturnOverdue)
def _return_overdue(event: SparePartRequisition.OldPartReturnOverdue, db: Connection) -> None:
    SPARE_PART_REQUISITIONS.update(db, event, return_overdue=True)


@requisitions.on(SparePartRequisition.OldPartDisposalOverdue)
def _disposal_overdue(event: SparePartRequisition.OldPartDisposalOverdue, db: Connection) -> None:
    SPARE_PART_REQUISITIONS.update(db, event, disposal_overdue=True)


@requisitions.on(SparePartRequisition.WrittenOff)
def _written_off(event: SparePartRequisition.WrittenOff, db: Connection) -> None:
    SPARE_PART_REQUISITIONS.update(db, event, status=RequisitionStatus.WRITTEN_OFF.value)


OLD_PART_NOT_RETURNED = _requisitions.old_part_due_at.is_not(
    None
) & _requisitions.old_part_returned_at.is_(None)
"""SD-22: issued and fitted, its old part not back yet."""
OLD_PART_NOT_DISPOSED = _requisitions.old_part_returned_at.is_not(
    None
) & _requisitions.disposition.is_(None)
"""SD-22: back, not dealt with yet."""


def old_parts_past_due(db: Connection, now: datetime) -> list[UUID]:
    """SD-22: requisitions whose old part is late back or late dealt with, not flagged yet."""
    late_back = (
        OLD_PART_NOT_RETURNED
        & ~_requisitions.return_overdue
        & (_requisitions.old_part_due_at < now)
    )
    late_dealt = (
        OLD_PART_NOT_DISPOSED
        & ~_requisitions.disposal_overdue
        & (_requisitions.disposal_due_at < now)
    )
    query = select(_requisitions.requisition_id).where(late_back | late_dealt)
    return list(db.execute(query).scalars())


class SupplierClaimRow(View):
    claim_id: UUID = identity("claim_id")
    supplier: Name
    amount: Money
    status: str = Field(max_length=16, description="filed or settled (SD-27)")
    recovered: Money = Field(description="What the supplier paid (SD-27); 0 until settled")
    filed_at: datetime
    version: int


SUPPLIER_CLAIMS = ReadTable(
    SupplierClaimRow,
    "supplier_claims",
    sortable=("filed_at", "amount"),
    filters=("supplier", "status"),
)
supplier_claims = Projection("supplier_claims", SUPPLIER_CLAIMS.table)


@supplier_claims.on(SupplierClaim.Filed)
def _filed(event: SupplierClaim.Filed, db: Connection) -> None:
    SUPPLIER_CLAIMS.insert(
        db, event, status="filed", recovered=Decimal(0), filed_at=event.timestamp
    )


@supplier_claims.on(SupplierClaim.Settled)
def _settled(event: SupplierClaim.Settled, db: Connection) -> None:
    SUPPLIER_CLAIMS.update(db, event, status="settled", recovered=event.amount)
