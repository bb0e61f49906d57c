"""OR-30: the monthly order-to-delivery tracking sheet: each order's promised delivery date
against its actual delivery (the customer's signed acceptance, OR-22), and its back order."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import Field
from sqlalchemy import Connection, Select, case, func, select

from orders.domain.order import Order
from runtime.projections import Projection
from runtime.views import ReadTable, View, identity


class DeliveryTrackingView(View):
    order_id: UUID = identity("order_id")
    customer_id: UUID
    month: str = Field(
        max_length=7, description="OR-30: the month the delivery is promised for (YYYY-MM)"
    )
    promised_date: date
    delivery_place: str = Field(max_length=200)
    shipped_at: datetime | None = Field(description="When goods last left the warehouse")
    back_order_open: bool = Field(description="OR-30: part of the order is still owed")
    delivered_at: datetime | None = Field(
        description="OR-22: when the customer signed the delivery acceptance"
    )
    on_time: bool | None = Field(
        description="Delivered on or before the promised date; null until delivered"
    )
    cancelled: bool
    version: int


DELIVERY_TRACKING = ReadTable(
    DeliveryTrackingView,
    "delivery_tracking",
    sortable=("promised_date",),
    filters=("on_time", "back_order_open"),
)
delivery_tracking = Projection("delivery_tracking", DELIVERY_TRACKING.table)


def _promised(db: Connection, event: Any, promised: date, place: str) -> None:
    values = {"month": f"{promised:%Y-%m}", "promised_date": promised, "delivery_place": place}
    if DELIVERY_TRACKING.get(db, event.originator_id) is None:
        DELIVERY_TRACKING.insert(
            db,
            event,
            **values,
            shipped_at=None,
            back_order_open=False,
            delivered_at=None,
            on_time=None,
            cancelled=False,
        )
    else:
        DELIVERY_TRACKING.update(db, event, **values)


@delivery_tracking.on(Order.Placed)
def _placed(event: Order.Placed, db: Connection) -> None:
    if event.delivery_date is not None:
        _promised(db, event, event.delivery_date, event.delivery_place or "")


@delivery_tracking.on(Order.ContentsConfirmed)
def _confirmed(event: Order.ContentsConfirmed, db: Connection) -> None:
    _promised(db, event, event.delivery_date, event.delivery_place)


@delivery_tracking.on(Order.GoodsIssued)
def _shipped(event: Order.GoodsIssued, db: Connection) -> None:
    DELIVERY_TRACKING.update(db, event, shipped_at=event.timestamp, back_order_open=False)


@delivery_tracking.on(Order.BackOrderCreated)
def _back_ordered(event: Order.BackOrderCreated, db: Connection) -> None:
    DELIVERY_TRACKING.update(db, event, back_order_open=True)


@delivery_tracking.on(Order.BackOrderCancelled)
def _back_order_cancelled(event: Order.BackOrderCancelled, db: Connection) -> None:
    DELIVERY_TRACKING.update(db, event, back_order_open=False)


@delivery_tracking.on(Order.DeliveryConfirmed)
def _delivered(event: Order.DeliveryConfirmed, db: Connection) -> None:
    row = DELIVERY_TRACKING.get(db, event.originator_id)
    if row is not None:
        on_time = event.received_at.date() <= row.promised_date
        DELIVERY_TRACKING.update(db, event, delivered_at=event.received_at, on_time=on_time)


@delivery_tracking.on(Order.Cancelled, Order.GoodsRequestRejected)
def _cancelled(event: Order.Event, db: Connection) -> None:
    DELIVERY_TRACKING.update(db, event, cancelled=True)


_rows = DELIVERY_TRACKING.table.c
PROMISE_OUTCOMES = ("met", "missed", "pending")
"""OR-30: what became of a delivery date promised to the customer."""


def promise_outcome(today: date) -> Any:
    """OR-30: met (delivered by the promised date), missed (delivered later, or not delivered
    and the date passed), pending (not delivered, the date still ahead)."""
    return case(
        (_rows.on_time.is_(True), "met"),
        (_rows.on_time.is_(False), "missed"),
        (_rows.promised_date < today, "missed"),
        else_="pending",
    )


def promises_by_outcome(today: date, *where: Any) -> Select[Any]:
    """The orders not cancelled with a promised delivery date, counted by outcome."""
    outcomes = (
        select(promise_outcome(today).label("outcome")).where(~_rows.cancelled, *where).subquery()
    )
    return select(outcomes.c.outcome, func.count()).group_by(outcomes.c.outcome)
