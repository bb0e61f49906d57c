"""The orders list: one row per order, kept by the ``orders`` projection."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import AliasChoices, Field
from sqlalchemy import Connection, func, select

from orders.domain.order import WITH_THE_CUSTOMER, Order, OrderStatus, ShipmentDelay, total
from runtime.projections import Projection
from runtime.views import Money, ReadTable, View, identity


class OrderSummary(View):
    order_id: UUID = identity("order_id")
    customer_id: UUID
    status: OrderStatus
    total: Money
    currency: str = Field(max_length=3)
    placed_by: str = Field(max_length=100)
    contract_id: UUID | None = Field(description="OR-16: the signed contract it is raised from")
    uncontracted: bool = Field(description="OR-14: ordered without a formal contract")
    account_owner_id: str | None = Field(
        description="The account owner the order is with; open orders follow the account "
        "to a new owner (CU-15, CU-22)",
        max_length=64,
    )
    placed_at: datetime = Field(validation_alias=AliasChoices("placed_at", "created_on"))
    sla_met: bool | None = Field(
        description="OR-20: whether the goods left within the working days allowed after the "
        "contract (none until shipped, or when the clock could not be read)"
    )
    delay_reason: ShipmentDelay | None = Field(description="OR-20: why a late shipment was late")
    version: int


ORDERS = ReadTable(
    OrderSummary,
    "orders",
    sortable=("placed_at", "total"),
    filters=("customer_id", "status", "account_owner_id"),
)
orders = Projection("orders", ORDERS.table)


@orders.on(Order.Placed)
def _placed(event: Order.Placed, db: Connection) -> None:
    uncontracted = event.contract_id is None
    status = OrderStatus.AWAITING_CONFIRMATION if event.uncontracted_channel else OrderStatus.DRAFT
    ORDERS.insert(
        db,
        event,
        status=status,
        total=total(event.lines),
        uncontracted=uncontracted,
        placed_at=event.timestamp,
        sla_met=None,
        delay_reason=None,
    )


_STATUS_AFTER = {
    Order.UncontractedOrderConfirmed: OrderStatus.DRAFT,
    Order.GoodsRequestSubmitted: OrderStatus.PENDING_APPROVAL,
    Order.GoodsRequestRejected: OrderStatus.CANCELLED,
    Order.CreditCheckRequested: OrderStatus.CREDIT_CHECK,
    Order.CreditCheckPassed: OrderStatus.READY_TO_ISSUE,
    Order.SalesOutboundOrderIssued: OrderStatus.AWAITING_WAREHOUSE,
    Order.DeliveryConfirmed: OrderStatus.DELIVERED,
    Order.Invoiced: OrderStatus.INVOICED,
    Order.Paid: OrderStatus.PAID,
    Order.Cancelled: OrderStatus.CANCELLED,
    Order.BackOrderCreated: OrderStatus.READY_TO_ISSUE,
    Order.BackOrderCancelled: OrderStatus.SHIPPED,
}


@orders.on(*_STATUS_AFTER)
def _moved(event: Order.Event, db: Connection) -> None:
    ORDERS.update(db, event, status=_STATUS_AFTER[type(event)])


@orders.on(Order.GoodsIssued)
def _shipped(event: Order.GoodsIssued, db: Connection) -> None:
    ORDERS.update(
        db,
        event,
        status=OrderStatus.SHIPPED,
        sla_met=event.sla_met,
        delay_reason=event.delay_reason,
    )


@orders.on(Order.CreditCheckFailed)
def _credit_failed(event: Order.CreditCheckFailed, db: Connection) -> None:
    over_limit = event.reason == "over_limit"
    status = OrderStatus.AWAITING_OVER_CREDIT_APPROVAL if over_limit else OrderStatus.BLOCKED
    ORDERS.update(db, event, status=status)


@orders.on(Order.Reassigned)
def _reassigned(event: Order.Reassigned, db: Connection) -> None:
    ORDERS.update(db, event, account_owner_id=event.account_owner_id)


def open_orders_of(db: Connection, customer_id: UUID) -> list[UUID]:
    """CU-22: the customer's orders not yet completed."""
    columns = ORDERS.table.c
    query = select(columns.order_id).where(
        columns.customer_id == customer_id,
        columns.status.not_in((*WITH_THE_CUSTOMER, OrderStatus.CANCELLED)),
    )
    return list(db.scalars(query))


def pipeline_of(db: Connection, customer_id: UUID, currency: str) -> tuple[int, Decimal]:
    """CU-11: how many of the customer's orders are open, and what they come to in
    ``currency``."""
    columns = ORDERS.table.c
    query = select(func.count(), func.coalesce(func.sum(columns.total), 0)).where(
        columns.customer_id == customer_id,
        columns.currency == currency,
        columns.status.not_in((*WITH_THE_CUSTOMER, OrderStatus.CANCELLED)),
    )
    count, amount = db.execute(query).one()
    return int(count), Decimal(amount)


# -- OR-23: the outbound orders' archive


class OutboundArchiveView(View):
    order_id: UUID = identity("order_id")
    outbound_id: UUID
    issued_at: datetime
    archived_at: datetime | None
    custodian: str | None = Field(max_length=64, description="OR-13: the sales clerk")
    archive_missed: bool = Field(description="OR-23: not archived by its due time")
    version: int


OUTBOUND_ARCHIVE = ReadTable(
    OutboundArchiveView,
    "outbound_archive",
    sortable=("issued_at",),
    filters=("archive_missed",),
)
outbound_archive = Projection("outbound_archive", OUTBOUND_ARCHIVE.table)


@outbound_archive.on(Order.SalesOutboundOrderIssued)
def _outbound_issued(event: Order.SalesOutboundOrderIssued, db: Connection) -> None:
    values: dict[str, Any] = {
        "outbound_id": event.outbound_id,
        "issued_at": event.copy2_to_warehouse_at,
        "archived_at": None,
        "custodian": None,
        "archive_missed": False,
    }
    # OR-30: a back order's outbound order takes the order's row, to be archived in its turn.
    if OUTBOUND_ARCHIVE.get(db, event.originator_id) is None:
        OUTBOUND_ARCHIVE.insert(db, event, **values)
    else:
        OUTBOUND_ARCHIVE.update(db, event, **values)


@outbound_archive.on(Order.OutboundArchived)
def _outbound_archived(event: Order.OutboundArchived, db: Connection) -> None:
    values: dict[str, object] = {} if event.on_time else {"archive_missed": True}
    OUTBOUND_ARCHIVE.update(
        db, event, archived_at=event.timestamp, custodian=event.custodian, **values
    )


@outbound_archive.on(Order.OutboundArchiveMissed)
def _outbound_archive_missed(event: Order.OutboundArchiveMissed, db: Connection) -> None:
    OUTBOUND_ARCHIVE.update(db, event, archive_missed=True)


def awaiting_archive(db: Connection) -> list[tuple[UUID, datetime]]:
    """OR-23: outbound orders neither archived nor flagged late: their order, when issued."""
    columns = OUTBOUND_ARCHIVE.table.c
    query = select(columns.order_id, columns.issued_at).where(
        columns.archived_at.is_(None), ~columns.archive_missed
    )
    return [(row[0], row[1]) for row in db.execute(query)]
