"""Events published by the orders service on ``orders.events``."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from contracts.envelope import IntegrationEvent


class OrderLine(BaseModel):
    """One product line of an order, as the HTTP API and the published events carry it."""

    model_config = ConfigDict(
        frozen=True,
        extra="ignore",
        from_attributes=True,
        json_schema_serialization_defaults_required=True,
    )

    product_code: str = Field(min_length=1, max_length=64)
    description: str = Field(default="", max_length=200)
    quantity: int = Field(gt=0, le=100_000)
    unit_price: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    serial_numbers: list[str] = Field(
        default_factory=list, description="One per unit, if serialised"
    )

    @model_validator(mode="after")
    def _one_serial_per_unit(self) -> OrderLine:
        if self.serial_numbers and len(self.serial_numbers) != self.quantity:
            raise ValueError("give one serial number per unit, or none")
        return self


class OrderEvent(IntegrationEvent, producer="orders", aggregate_field="order_id"):
    order_id: UUID
    customer_id: UUID


class PricedOrderEvent(OrderEvent):
    lines: list[OrderLine]
    currency: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total(self) -> Decimal:
        """The sum of the lines' quantity times unit price."""
        return sum((line.unit_price * line.quantity for line in self.lines), Decimal(0))


class OrderPlaced(PricedOrderEvent):
    """OR-16: an order was placed for an approved customer."""


class GoodsIssued(PricedOrderEvent):
    """OR-19: the warehouse shipped the order."""

    issued_by: str


class DeliveryConfirmedByCustomer(OrderEvent):
    """OR-22: the customer confirmed receipt."""

    lines: list[OrderLine]
    received_at: datetime


PUBLISHED: tuple[type[IntegrationEvent], ...] = (
    OrderPlaced,
    GoodsIssued,
    DeliveryConfirmedByCustomer,
)
