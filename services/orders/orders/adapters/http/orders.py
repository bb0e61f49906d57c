"""HTTP commands and queries for sales orders."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, model_validator

from contracts.orders import OrderLine as Line
from contracts.orders import total_of
from kernel.roles import SALES, Role
from orders.application import OrdersApplication
from orders.domain.order import OrderLine
from orders.projections import ORDERS, OrderSummary
from runtime.auth import Principal, acting_as, requires
from runtime.http import application_of
from runtime.transcoding import value_object
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest

router = APIRouter(prefix="/orders", tags=["orders"])
App = Annotated[OrdersApplication, Depends(application_of(OrdersApplication))]
Sales = Annotated[CommandContext, Depends(acting_as(*SALES))]
READERS = (*SALES, Role.SALES_MANAGER, Role.WAREHOUSE_KEEPER, Role.FINANCE)
Reader = Annotated[Principal, Depends(requires(*READERS))]


class PlaceOrder(BaseModel):
    customer_id: UUID
    lines: list[Line] = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _bookable(self) -> PlaceOrder:
        total_of(self.lines)
        return self


class OrderView(OrderSummary):
    lines: list[Line]
    received_at: datetime | None = Field(
        description="When the customer signed the delivery confirmation (OR-22)"
    )


@router.post("", status_code=201)
async def place_order(context: Sales, body: PlaceOrder, app: App) -> OrderView:
    lines = tuple(value_object(OrderLine, line) for line in body.lines)
    order = await app.perform(app.place_order, context, body.customer_id, lines)
    return OrderView.model_validate(order)


@router.post("/{order_id}/ship")
async def ship_order(
    context: Annotated[CommandContext, Depends(acting_as(Role.WAREHOUSE_KEEPER))],
    order_id: UUID,
    app: App,
) -> OrderView:
    return OrderView.model_validate(await app.perform(app.ship_order, context, order_id))


@router.get("")
def list_orders(
    _: Reader,
    query: Annotated[PageRequest, Depends(ORDERS.query)],
    app: App,
) -> Page[OrderSummary]:
    """Orders, oldest first."""
    return app.read_models.page(ORDERS, query)


@router.get("/{order_id}")
def get_order(_: Reader, order_id: UUID, app: App) -> OrderView:
    return OrderView.model_validate(app.order(order_id))
