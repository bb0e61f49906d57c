"""HTTP commands and queries for sales orders."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field, model_validator

from contracts.orders import OrderLine as Line
from contracts.orders import total_of
from contracts.values import Code, Day, Days, Instant, LongText, Name
from kernel.approvals.http import document_routes
from kernel.roles import SALES, Role
from orders.application import OrdersApplication
from orders.delivery_projections import DELIVERY_TRACKING, DeliveryTrackingView
from orders.domain.order import (
    DeliveryTerms,
    IssuedQuantity,
    OrderLine,
    ShipmentDelay,
    UncontractedChannel,
)
from orders.domain.order_cancellation import CancellationStatus
from orders.projections import ORDERS, OUTBOUND_ARCHIVE, OrderSummary, OutboundArchiveView
from runtime import clock
from runtime.auth import Principal, acting_as, requires
from runtime.http import application_of
from runtime.transcoding import value_object
from runtime.unit_of_work import CommandContext
from runtime.views import Money, Page, PageRequest, View, identity

router = APIRouter(prefix="/orders", tags=["orders"])
cancellation_approvals = document_routes("/order-cancellations", "orders")
"""OR-17: the sales manager approves an order's cancellation before shipment."""
tracking = APIRouter(prefix="/delivery-tracking", tags=["orders"])
App = Annotated[OrdersApplication, Depends(application_of(OrdersApplication))]
Sales = Annotated[CommandContext, Depends(acting_as(*SALES))]
READERS = (*SALES, Role.SALES_MANAGER, Role.WAREHOUSE_KEEPER, Role.FINANCE)
Reader = Annotated[Principal, Depends(requires(*READERS))]


class Uncontracted(BaseModel):
    """OR-14, XC-03: how the order came without a formal contract, and why."""

    channel: UncontractedChannel
    reason: LongText


class KeyTerms(BaseModel):
    """OR-30: what the order's confirmation states beyond its lines."""

    delivery_date: Day | None = Field(default=None, description="Promised to the customer")
    delivery_place: Name | None = None
    payment_terms_days: Days | None = None

    def terms(self) -> DeliveryTerms:
        return DeliveryTerms(self.delivery_date, self.delivery_place, self.payment_terms_days)


class PlaceOrder(KeyTerms):
    customer_id: UUID
    lines: list[Line] = Field(min_length=1, max_length=200)
    contract_id: UUID | None = Field(
        default=None,
        description="OR-16: the signed sales contract the goods request is raised from",
    )
    contract_signed_at: Instant | None = Field(
        default=None, description="OR-20: when it was signed (the shipping clock starts then)"
    )
    uncontracted: Uncontracted | None = Field(
        default=None, description="OR-14: without a contract, for the sales manager to confirm"
    )

    @model_validator(mode="after")
    def _bookable(self) -> PlaceOrder:
        total_of(self.lines)
        return self


class OrderView(OrderSummary):
    lines: list[Line]
    uncontracted_channel: UncontractedChannel | None
    credit_limit: Money | None = Field(description="OR-18: the limit billing last answered with")
    exposure: Money | None = Field(
        description="OR-18: the customer's exposure before this order, as billing last answered"
    )
    declined_reason: str | None = Field(
        description="OR-18: over_limit, credit_hold or blacklisted", max_length=32
    )
    over_credit_approved: bool
    outbound_id: UUID | None = Field(description="OR-19: the sales outbound order")
    shipped_at: datetime | None
    received_at: datetime | None = Field(
        description="When the customer signed the delivery confirmation (OR-22)"
    )
    invoice_id: UUID | None = Field(
        description="§7 row 7: billing's invoice, once the customer signed for it (BI-09: the "
        "order is paid when it is paid in full)"
    )
    outbound_archived_at: datetime | None = Field(description="OR-23: archived by the clerk")
    outbound_archive_missed: bool = Field(description="OR-23: not archived in time")
    delivery_date: date | None = Field(description="OR-30: promised to the customer")
    delivery_place: str | None = Field(max_length=200)
    payment_terms_days: int | None
    unconfirmed: list[str] = Field(
        description="OR-30: the key contents still to confirm before the order is submitted"
    )
    shipped_lines: list[Line] = Field(description="OR-30: what left the warehouse so far")
    back_order_id: UUID | None = Field(description="OR-30: the back order open, if any")
    back_ordered: list[Line] = Field(description="OR-30: what the back order still owes")
    back_order_expected_date: date | None
    back_order_cancelled: bool


@router.post("", status_code=201)
async def place_order(context: Sales, body: PlaceOrder, app: App) -> OrderView:
    lines = tuple(value_object(OrderLine, line) for line in body.lines)
    uncontracted = body.uncontracted
    order = await app.perform(
        app.place_order,
        context,
        body.customer_id,
        lines,
        body.contract_id,
        body.contract_signed_at,
        None if uncontracted is None else (uncontracted.channel, uncontracted.reason),
        body.terms(),
    )
    return OrderView.model_validate(order)


@router.post("/{order_id}/confirm")
async def confirm_order(context: Sales, order_id: UUID, body: KeyTerms, app: App) -> OrderView:
    """OR-30: the key contents confirmed with the customer (the delivery date and place, the
    payment terms stated or corrected); refused, naming what is missing, until all are."""
    order = await app.perform(app.confirm_order, context, order_id, body.terms())
    return OrderView.model_validate(order)


@router.post("/{order_id}/submit")
async def submit_order(context: Sales, order_id: UUID, app: App) -> OrderView:
    """OR-17: the goods request goes to the branch manager, then the sales manager; once both
    approved, billing is asked for the credit (OR-18)."""
    return OrderView.model_validate(await app.perform(app.submit_order, context, order_id))


class OverCreditRequest(BaseModel):
    reason: LongText


@router.post("/{order_id}/over-credit-request")
async def request_over_credit_sale(
    context: Sales, order_id: UUID, body: OverCreditRequest, app: App
) -> OrderView:
    """OR-18: the over-credit sales request for an order declined over the limit."""
    order = await app.perform(app.request_over_credit_sale, context, order_id, body.reason)
    return OrderView.model_validate(order)


class IssueOutbound(BaseModel):
    lines: list[Line] | None = Field(
        default=None,
        max_length=200,
        description="OR-21: checked against the approved goods request when given",
    )


@router.post("/{order_id}/outbound")
async def issue_outbound_order(
    context: Annotated[CommandContext, Depends(acting_as(Role.SALES_CLERK))],
    order_id: UUID,
    app: App,
    body: IssueOutbound | None = None,
) -> OrderView:
    """OR-19: the sales outbound order from the approved goods request; copy 2 to the
    warehouse keeper."""
    lines = None
    if body is not None and body.lines is not None:
        lines = tuple(value_object(OrderLine, line) for line in body.lines)
    order = await app.perform(app.issue_outbound_order, context, order_id, lines)
    return OrderView.model_validate(order)


class Issued(BaseModel):
    """OR-30: what left of one line of the outbound order."""

    line: int = Field(ge=0, lt=200, description="The line's position on the outbound order")
    quantity: int = Field(ge=0, le=100_000)
    serial_numbers: list[Code] = Field(
        default_factory=list, max_length=1000, description="The units that left, if serialised"
    )


class ShipOrder(BaseModel):
    delay_reason: ShipmentDelay | None = Field(
        default=None, description="OR-20: why the goods leave later than allowed"
    )
    issued: list[Issued] | None = Field(
        default=None,
        max_length=200,
        description="OR-30: when less than the outbound order left, what did (lines not named "
        "left none); the rest becomes a back order",
    )
    expected_date: Day | None = Field(
        default=None, description="OR-30: when the back-ordered rest is expected"
    )


@router.post("/{order_id}/ship")
async def ship_order(
    context: Annotated[CommandContext, Depends(acting_as(Role.WAREHOUSE_KEEPER))],
    order_id: UUID,
    app: App,
    body: ShipOrder | None = None,
) -> OrderView:
    body = body or ShipOrder()
    issued = None
    if body.issued is not None:
        issued = tuple(
            IssuedQuantity(item.line, item.quantity, tuple(item.serial_numbers))
            for item in body.issued
        )
    order = await app.perform(
        app.ship_order, context, order_id, body.delay_reason, issued, body.expected_date
    )
    return OrderView.model_validate(order)


class CancelOrder(BaseModel):
    reason: LongText


class CancellationView(View):
    cancellation_id: UUID = identity("cancellation_id")
    order_id: UUID
    amount: Money
    currency: str
    reason: str
    requested_by: str
    status: CancellationStatus
    decided_by: str | None


@router.post("/{order_id}/cancel", status_code=201)
async def request_cancellation(
    context: Sales, order_id: UUID, body: CancelOrder, app: App
) -> CancellationView:
    """§4.3, OR-17: asked before shipment; the sales manager approves it through the
    ``order_cancellation`` chain (``/order-cancellations/{cancellation_id}/approval``), which
    cancels the order, and billing releases its credit reservation."""
    cancellation = await app.perform(app.request_cancellation, context, order_id, body.reason)
    return CancellationView.model_validate(cancellation)


@router.get("/{order_id}/cancellation")
def get_cancellation(_: Reader, order_id: UUID, app: App) -> CancellationView:
    return CancellationView.model_validate(app.cancellation(order_id))


@router.post("/{order_id}/back-order/cancel")
async def cancel_back_order(
    context: Annotated[CommandContext, Depends(acting_as(Role.SALES_MANAGER))],
    order_id: UUID,
    body: CancelOrder,
    app: App,
) -> OrderView:
    """OR-30: the back order's rest is not issued; the customer accepts what was delivered."""
    order = await app.perform(app.cancel_back_order, context, order_id, body.reason)
    return OrderView.model_validate(order)


@router.post("/{order_id}/outbound/archive")
async def archive_outbound_order(
    context: Annotated[CommandContext, Depends(acting_as(*SALES))], order_id: UUID, app: App
) -> OrderView:
    """OR-23: the sales clerk archives the outbound order promptly; never a salesperson
    (OR-13)."""
    order = await app.perform(app.archive_outbound_order, context, order_id)
    return OrderView.model_validate(order)


@router.get("/outbound-archive")
def list_outbound_archive(
    _: Reader, query: Annotated[PageRequest, Depends(OUTBOUND_ARCHIVE.query)], app: App
) -> Page[OutboundArchiveView]:
    """Outbound orders issued; ``archive_missed=true``: not archived in time (OR-23)."""
    return app.read_models.page(OUTBOUND_ARCHIVE, query)


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


class DeliveryMonth(View):
    """OR-30: the monthly order-to-delivery tracking sheet."""

    month: str = Field(max_length=7)
    met: int = Field(description="Delivered (accepted by the customer) by the promised date")
    missed: int = Field(description="Delivered later, or not yet and the date passed")
    pending: int = Field(description="Not delivered yet, the promised date still ahead")
    orders: Page[DeliveryTrackingView]


@tracking.get("")
def delivery_tracking(
    _: Reader,
    month: Annotated[str, Query(pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$")],
    query: Annotated[PageRequest, Depends(DELIVERY_TRACKING.query)],
    app: App,
) -> DeliveryMonth:
    """OR-30: the deliveries promised for ``month`` (YYYY-MM) against the actual ones."""
    counts = app.delivery_promises(month, clock.now().astimezone(app.calendar.zone).date())
    in_month = DELIVERY_TRACKING.table.c.month == month
    orders = app.read_models.page(DELIVERY_TRACKING, query, in_month)
    return DeliveryMonth(month=month, **counts, orders=orders)
