"""Events published by the orders service on ``orders.events``.

Contract-first: customers records returns (RULES §7 row 6) before orders raises them; until then
orders publishes none of them. Signed contracts (row 3) are raised since issue #13."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from contracts.envelope import IntegrationEvent
from contracts.values import (
    MAX_AMOUNT,
    Amount,
    Code,
    CurrencyCode,
    Day,
    Days,
    Digest,
    Instant,
    LongText,
    Price,
    Quantity,
    ShortText,
    UserId,
)


class OrderLine(BaseModel):
    """One product line of an order, as the HTTP API and the published events carry it."""

    model_config = ConfigDict(
        frozen=True,
        extra="ignore",
        from_attributes=True,
        json_schema_serialization_defaults_required=True,
    )

    product_code: Code
    description: ShortText = ""
    quantity: Quantity
    unit_price: Price
    serial_numbers: list[Code] = Field(
        default_factory=list, max_length=1000, description="One per unit, if serialised"
    )

    @model_validator(mode="after")
    def _one_serial_per_unit(self) -> OrderLine:
        if self.serial_numbers and len(self.serial_numbers) != self.quantity:
            raise ValueError("give one serial number per unit, or none")
        return self


def total_of(lines: list[OrderLine]) -> Decimal:
    """What the lines come to; refused above the largest amount Countersign books."""
    total = sum((line.unit_price * line.quantity for line in lines), Decimal(0))
    if total > MAX_AMOUNT:
        raise ValueError(f"the lines come to {total}, more than {MAX_AMOUNT}")
    return total


class OrderEvent(IntegrationEvent, producer="orders", aggregate_field="order_id"):
    order_id: UUID
    customer_id: UUID


class PricedOrderEvent(OrderEvent):
    lines: list[OrderLine] = Field(min_length=1, max_length=200)
    currency: CurrencyCode

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total(self) -> Decimal:
        """The sum of the lines' quantity times unit price."""
        return total_of(self.lines)

    @model_validator(mode="after")
    def _bookable(self) -> PricedOrderEvent:
        total_of(self.lines)
        return self


class OrderPlaced(PricedOrderEvent):
    """OR-16: an order was placed for an approved customer."""


class GoodsIssued(PricedOrderEvent):
    """OR-19: the warehouse shipped the order; OR-30: short of it when a ``BackOrderCreated``
    follows, and the rest later in a second ``GoodsIssued`` naming the back order."""

    issued_by: UserId
    outbound_id: UUID | None = Field(
        default=None, description="OR-19: the sales outbound order the goods left under"
    )
    back_order_id: UUID | None = Field(
        default=None, description="OR-30: the back order whose rest this shipment issues"
    )


class BackOrderCreated(PricedOrderEvent):
    """OR-30, RULES §4.3: the back-order slip: the warehouse issued less than the outbound
    order; ``lines`` are still owed and return to ReadyToIssue, to leave in a later
    ``GoodsIssued``."""

    back_order_id: UUID
    expected_date: Day | None = Field(default=None, description="When the rest is expected")


class BackOrderCancelled(PricedOrderEvent):
    """OR-30: the back order's rest (``lines``) will not be issued; the order is complete with
    what was shipped, and billing frees the credit still reserved for the rest (BI-11)."""

    back_order_id: UUID
    reason: LongText
    cancelled_by: UserId


class DeliveryConfirmedByCustomer(OrderEvent):
    """OR-22: the customer confirmed receipt."""

    lines: list[OrderLine] = Field(min_length=1, max_length=200)
    received_at: Instant


class CreditReservationRequested(OrderEvent):
    """OR-18, BI-11: the sales manager approved the goods request (or the over-credit sale was
    approved): orders asks billing to reserve ``amount`` of the customer's credit for the order.
    Billing answers ``CreditReserved`` or ``CreditDeclined``; ``over_credit_approved`` reserves
    beyond the limit (never through a credit hold or the blacklist)."""

    amount: Amount
    currency: CurrencyCode
    over_credit_approved: bool
    requested_by: UserId


class OrderCancelled(OrderEvent):
    """OR-17 (§4.3): the order was cancelled or its goods request rejected before shipment;
    billing releases the credit reserved for it."""

    reason: LongText
    cancelled_by: UserId


class ContractSigned(IntegrationEvent, producer="orders", aggregate_field="contract_id"):
    """OR-09: the customer and the company signed the approved version of the contract."""

    contract_id: UUID
    customer_id: UUID
    version_hash: Digest
    customer_signature_id: UUID
    company_signature_id: UUID
    sealed: bool
    amount: Amount
    currency: CurrencyCode
    signed_at: Instant
    payment_terms_days: Days | None = Field(
        default=None,
        description="OR-10, BI-19: the days the customer has to pay, from which receivables "
        "take their due dates (absent from contracts signed before it was sent)",
    )


class ReturnEvent(IntegrationEvent, producer="orders", aggregate_field="return_id"):
    """OR-24…OR-29: goods the customer returns from an order, under a red outbound order."""

    return_id: UUID
    order_id: UUID
    customer_id: UUID
    red_outbound_id: UUID


class RedOutboundOrderIssued(ReturnEvent):
    """OR-28: the approved return's red outbound order reverses the original one."""

    lines: list[OrderLine] = Field(min_length=1, max_length=200)
    currency: CurrencyCode

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total(self) -> Decimal:
        """The value returned: the lines' quantity times unit price."""
        return total_of(self.lines)

    @model_validator(mode="after")
    def _bookable(self) -> RedOutboundOrderIssued:
        total_of(self.lines)
        return self


class ReturnReceivedIntoWarehouse(ReturnEvent):
    """OR-28: the warehouse took the returned goods in and counted them."""

    received_at: Instant
    discrepancy: ShortText


class OpenPipelineSupplied(IntegrationEvent, producer="orders", aggregate_field="customer_id"):
    """CU-11, RULES §7 row 21: orders' answer to ``CreditReviewDue``: what the customer has in
    the pipeline when the review fell due."""

    customer_id: UUID
    currency: CurrencyCode
    open_orders: int = Field(ge=0, le=1_000_000, description="Placed, not yet delivered")
    open_orders_amount: Amount
    open_quotes_amount: Amount = Field(description="Issued quotes not yet won, lost or expired")
    as_of: Instant


class SpecialFeePaymentFormApproved(IntegrationEvent, producer="orders", aggregate_field="fee_id"):
    """OR-15: a special fee the customer asked for (market promotion, temporary staff...), agreed
    by the sales manager, its form of payment approved by leadership: billing pays it in that
    form."""

    fee_id: UUID
    customer_id: UUID
    fee_type: Literal["market_promotion", "temporary_staff", "other"]
    amount: Amount = Field(gt=0)
    currency: CurrencyCode
    payment_form: Literal["cash", "discount", "credit_note"]


PUBLISHED: tuple[type[IntegrationEvent], ...] = (
    OrderPlaced,
    GoodsIssued,
    BackOrderCreated,
    BackOrderCancelled,
    DeliveryConfirmedByCustomer,
    CreditReservationRequested,
    OrderCancelled,
    ContractSigned,
    RedOutboundOrderIssued,
    ReturnReceivedIntoWarehouse,
    OpenPipelineSupplied,
    SpecialFeePaymentFormApproved,
)
