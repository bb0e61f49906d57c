"""The orders list: one row per order, kept by the ``orders`` projection."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import AliasChoices, Field
from sqlalchemy import Connection, select

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
    account_owner_id: str | None = Field(
        description="The account owner the order is with; open orders follow the account "
        "to a new owner (CU-15, CU-22)",
        max_length=64,
    )
    placed_at: datetime = Field(validation_alias=AliasChoices("placed_at", "created_on"))
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
    ORDERS.insert(
        db, event, status=OrderStatus.PLACED, total=total(event.lines), placed_at=event.timestamp
    )


@orders.on(Order.GoodsIssued)
def _shipped(event: Order.GoodsIssued, db: Connection) -> None:
    ORDERS.update(db, event, status=OrderStatus.SHIPPED)


@orders.on(Order.DeliveryConfirmed)
def _delivered(event: Order.DeliveryConfirmed, db: Connection) -> None:
    ORDERS.update(db, event, status=OrderStatus.DELIVERED)


@orders.on(Order.Reassigned)
def _reassigned(event: Order.Reassigned, db: Connection) -> None:
    ORDERS.update(db, event, account_owner_id=event.account_owner_id)


def open_orders_of(db: Connection, customer_id: UUID) -> list[UUID]:
    """CU-22: the customer's orders not yet completed."""
    columns = ORDERS.table.c
    query = select(columns.order_id).where(
        columns.customer_id == customer_id, columns.status != OrderStatus.DELIVERED
    )
    return list(db.scalars(query))
