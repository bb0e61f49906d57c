"""HTTP commands and queries for sales orders."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, model_validator

from chassis import clock
from chassis.auth import Principal, requires
from chassis.http import application_of, command_context
from orders.application.service import OrdersApplication
from orders.domain.order import Order, OrderLine, OrderStatus

router = APIRouter(prefix="/orders", tags=["orders"])
App = Annotated[OrdersApplication, Depends(application_of(OrdersApplication))]


class Line(BaseModel):
    product_code: str = Field(min_length=1, max_length=64)
    description: str = Field(default="", max_length=200)
    quantity: int = Field(gt=0, le=100_000)
    unit_price: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    serial_numbers: list[str] = Field(
        default_factory=list, description="One per unit, if serialised"
    )

    @model_validator(mode="after")
    def one_serial_per_unit(self) -> Line:
        if self.serial_numbers and len(self.serial_numbers) != self.quantity:
            raise ValueError("give one serial number per unit, or none")
        return self

    def to_domain(self) -> OrderLine:
        return OrderLine(
            self.product_code,
            self.description,
            self.quantity,
            self.unit_price,
            tuple(self.serial_numbers),
        )


class PlaceOrder(BaseModel):
    customer_id: UUID
    lines: list[Line] = Field(min_length=1, max_length=500)


class ConfirmDelivery(BaseModel):
    received_at: datetime | None = Field(default=None, description="Defaults to now")


class OrderView(BaseModel):
    order_id: UUID
    customer_id: UUID
    status: OrderStatus
    lines: list[Line]
    total: Decimal
    currency: str
    version: int

    @classmethod
    def of(cls, order: Order) -> OrderView:
        return cls(
            order_id=order.id,
            customer_id=order.customer_id,
            status=order.status,
            lines=[
                Line(
                    product_code=line.product_code,
                    description=line.description,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    serial_numbers=list(line.serial_numbers),
                )
                for line in order.lines
            ],
            total=order.total,
            currency=order.currency,
            version=order.version,
        )


@router.post("", status_code=201)
def place_order(
    principal: Annotated[Principal, Depends(requires("salesperson", "sales_clerk"))],
    body: PlaceOrder,
    request: Request,
    app: App,
) -> OrderView:
    context = command_context(request, principal)
    lines = [line.to_domain() for line in body.lines]
    return OrderView.of(app.place_order(context, body.customer_id, lines))


@router.post("/{order_id}/ship")
def ship_order(
    principal: Annotated[Principal, Depends(requires("warehouse_keeper"))],
    order_id: UUID,
    request: Request,
    app: App,
) -> OrderView:
    return OrderView.of(app.ship_order(command_context(request, principal), order_id))


@router.post("/{order_id}/confirm-delivery")
def confirm_delivery(
    principal: Annotated[Principal, Depends(requires("sales_clerk", "salesperson"))],
    order_id: UUID,
    body: ConfirmDelivery,
    request: Request,
    app: App,
) -> OrderView:
    context = command_context(request, principal)
    return OrderView.of(app.confirm_delivery(context, order_id, body.received_at or clock.now()))


@router.get("/{order_id}")
def get_order(
    _: Annotated[
        Principal,
        Depends(
            requires("salesperson", "sales_clerk", "sales_manager", "warehouse_keeper", "finance")
        ),
    ],
    order_id: UUID,
    app: App,
) -> OrderView:
    return OrderView.of(app.order(order_id))
