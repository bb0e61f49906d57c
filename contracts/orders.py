"""Events published by the orders service on ``orders.events``."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from contracts.envelope import IntegrationEvent


class OrderLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    product_code: str
    description: str
    quantity: int
    unit_price: Decimal
    serial_numbers: list[str]


class OrderEvent(IntegrationEvent):
    producer: ClassVar[str] = "orders"
    order_id: UUID
    customer_id: UUID


class OrderPlaced(OrderEvent):
    event_type: ClassVar[str] = "OrderPlaced"
    schema_version: ClassVar[int] = 1
    lines: list[OrderLine]
    total: Decimal
    currency: str


class GoodsIssued(OrderEvent):
    """OR-19: the warehouse shipped the order."""

    event_type: ClassVar[str] = "GoodsIssued"
    schema_version: ClassVar[int] = 1
    lines: list[OrderLine]
    total: Decimal
    currency: str
    issued_by: str


class DeliveryConfirmedByCustomer(OrderEvent):
    """OR-22: the customer confirmed receipt."""

    event_type: ClassVar[str] = "DeliveryConfirmedByCustomer"
    schema_version: ClassVar[int] = 1
    lines: list[OrderLine]
    received_at: datetime


PUBLISHED: tuple[type[IntegrationEvent], ...] = (
    OrderPlaced,
    GoodsIssued,
    DeliveryConfirmedByCustomer,
)
