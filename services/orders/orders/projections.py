"""The orders list: one row per order, kept by the ``orders`` projection."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import AliasChoices, Field
from sqlalchemy import Connection

from orders.domain.order import Order, OrderStatus, total
from runtime.projections import Projection
from runtime.views import Money, ReadTable, View, identity


class OrderSummary(View):
    order_id: UUID = identity("order_id")
    customer_id: UUID
    status: OrderStatus
    total: Money
    currency: str = Field(max_length=3)
    placed_by: str = Field(max_length=100)
    placed_at: datetime = Field(validation_alias=AliasChoices("placed_at", "created_on"))
    version: int


ORDERS = ReadTable(
    OrderSummary, "orders", sortable=("placed_at", "total"), filters=("customer_id", "status")
)
orders = Projection("orders", ORDERS.table)


@orders.on(Order.Placed)
def _placed(event: Order.Placed, db: Connection) -> None:
    ORDERS.insert(
        db, event, status=OrderStatus.PLACED, total=total(event.lines), placed_at=event.timestamp
    )


@orders.on(Order.GoodsIssued)
def _shipped(event: Order.GoodsIssued, db: Connection) -> None:
    ORDERS.update(db, event, status=OrderStatus.SHIPPED)


@orders.on(Order.DeliveryConfirmed)
def _delivered(event: Order.DeliveryConfirmed, db: Connection) -> None:
    ORDERS.update(db, event, status=OrderStatus.DELIVERED)
