"""Read table of the returns (RULES §4.4): each return with its state, by status, order and
customer."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from pydantic import AliasChoices, Field
from sqlalchemy import Connection

from contracts.values import UserId
from orders.domain.product_return import ProductReturn, ReturnStatus
from orders.quote_projections import seconds_between
from runtime.projections import Projection
from runtime.views import ReadTable, View, identity


class ReturnSummary(View):
    return_id: UUID = identity("return_id")
    order_id: UUID
    customer_id: UUID
    status: ReturnStatus
    reason_code: str = Field(max_length=64, description="OR-29: from the configured reasons")
    requested_by: UserId
    exchange: bool = Field(description="C10: the unit is replaced rather than refunded")
    service_call_id: UUID | None = Field(
        description="C10: the service call whose diagnosis originated the exchange"
    )
    requested_at: datetime = Field(validation_alias=AliasChoices("requested_at", "created_on"))
    red_outbound_id: UUID | None
    discrepancy: str | None = Field(
        max_length=2000, description="OR-29: what the warehouse count found short or over"
    )
    version: int


RETURNS = ReadTable(
    ReturnSummary,
    "product_returns",
    sortable=("requested_at",),
    filters=("status", "order_id", "customer_id"),
)
product_returns = Projection("product_returns", RETURNS.table)


@product_returns.on(ProductReturn.Requested)
def _requested(event: ProductReturn.Requested, db: Connection) -> None:
    RETURNS.insert(
        db,
        event,
        status=ReturnStatus.REQUESTED,
        requested_at=event.timestamp,
        red_outbound_id=None,
        discrepancy=None,
    )


@product_returns.on(ProductReturn.ConfirmedByBranchManager)
def _confirmed(event: ProductReturn.ConfirmedByBranchManager, db: Connection) -> None:
    RETURNS.update(db, event, status=ReturnStatus.VERIFYING)


@product_returns.on(ProductReturn.GoodsVerified)
def _verified(event: ProductReturn.GoodsVerified, db: Connection) -> None:
    RETURNS.update(db, event, status=ReturnStatus.AUTHENTICATING)


@product_returns.on(ProductReturn.GoodsAuthenticated)
def _authenticated(event: ProductReturn.GoodsAuthenticated, db: Connection) -> None:
    status = ReturnStatus.DETAIL_PENDING if event.genuine else ReturnStatus.REJECTED
    RETURNS.update(db, event, status=status)


@product_returns.on(ProductReturn.DetailSubmitted)
def _submitted(event: ProductReturn.DetailSubmitted, db: Connection) -> None:
    RETURNS.update(db, event, status=ReturnStatus.PENDING_SALES_MANAGER_APPROVAL)


@product_returns.on(ProductReturn.Approved)
def _approved(event: ProductReturn.Approved, db: Connection) -> None:
    RETURNS.update(db, event, status=ReturnStatus.APPROVED)


@product_returns.on(ProductReturn.Rejected)
def _rejected(event: ProductReturn.Rejected, db: Connection) -> None:
    RETURNS.update(db, event, status=ReturnStatus.REJECTED)


@product_returns.on(ProductReturn.RedOutboundOrderIssued)
def _red_outbound(event: ProductReturn.RedOutboundOrderIssued, db: Connection) -> None:
    RETURNS.update(
        db, event, status=ReturnStatus.AWAITING_WAREHOUSE, red_outbound_id=event.red_outbound_id
    )


@product_returns.on(ProductReturn.ReceivedIntoWarehouse)
def _received(event: ProductReturn.ReceivedIntoWarehouse, db: Connection) -> None:
    RETURNS.update(db, event, status=ReturnStatus.RECEIVED, discrepancy=event.discrepancy)


class ReturnValue(View):
    """RULES §8: what a return is worth and whether its goods were genuine, for the return rate
    by reason and the authenticity failures."""

    return_id: UUID = identity("return_id")
    reason_code: str = Field(max_length=64)
    currency: str = Field(max_length=3)
    requested_at: datetime
    amount: Decimal | None = Field(
        max_digits=16,
        decimal_places=2,
        description="OR-25: what the goods checked are worth at the original prices",
    )
    authentic: bool | None = Field(description="OR-26: whether the goods were found genuine")
    rejected: bool = Field(description="The return ended rejected: nothing came back")
    cycle_seconds: Decimal | None = Field(
        max_digits=16,
        decimal_places=3,
        description="BI-18: from the request to billing's credit note for the goods returned",
    )
    version: int


RETURN_VALUES = ReadTable(
    ReturnValue, "return_values", sortable=("requested_at",), filters=("reason_code",)
)
return_values = Projection("return_values", RETURN_VALUES.table)


@return_values.on(ProductReturn.Requested)
def _value_requested(event: ProductReturn.Requested, db: Connection) -> None:
    RETURN_VALUES.insert(
        db,
        event,
        requested_at=event.timestamp,
        amount=None,
        authentic=None,
        rejected=False,
        cycle_seconds=None,
    )


@return_values.on(ProductReturn.GoodsVerified)
def _value_checked(event: ProductReturn.GoodsVerified, db: Connection) -> None:
    amount = sum((line.quantity * line.unit_price for line in event.lines), Decimal(0))
    RETURN_VALUES.update(db, event, amount=amount)


@return_values.on(ProductReturn.GoodsAuthenticated)
def _value_authenticated(event: ProductReturn.GoodsAuthenticated, db: Connection) -> None:
    RETURN_VALUES.update(db, event, authentic=event.genuine, rejected=not event.genuine)


@return_values.on(ProductReturn.Rejected)
def _value_rejected(event: ProductReturn.Rejected, db: Connection) -> None:
    RETURN_VALUES.update(db, event, rejected=True)


@return_values.on(ProductReturn.Credited)
def _value_credited(event: ProductReturn.Credited, db: Connection) -> None:
    value = RETURN_VALUES.get(db, event.originator_id)
    if value is not None:
        cycle = seconds_between(value.requested_at, event.credited_at)
        RETURN_VALUES.update(db, event, cycle_seconds=cycle)
