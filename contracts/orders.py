"""Events published by the orders service on ``orders.events``.

Contract-first: customers records signed contracts and returns (RULES §7 rows 3, 6) before
orders raises them (issue #13); until then orders publishes none of them."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from contracts.envelope import IntegrationEvent
from contracts.values import (
    MAX_AMOUNT,
    Amount,
    Code,
    CurrencyCode,
    Days,
    Digest,
    Instant,
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
    """OR-19: the warehouse shipped the order."""

    issued_by: UserId


class DeliveryConfirmedByCustomer(OrderEvent):
    """OR-22: the customer confirmed receipt."""

    lines: list[OrderLine] = Field(min_length=1, max_length=200)
    received_at: Instant


def _added_later(*names: str) -> Callable[[dict[str, Any]], None]:
    """Properties added to a version with a default: messages from before lack them, so a reader
    does not require them (the relay always sends them). Adding them is compatible."""

    def not_required(schema: dict[str, Any]) -> None:
        schema["required"] = [name for name in schema.get("required", ()) if name not in names]

    return not_required


class ContractSigned(IntegrationEvent, producer="orders", aggregate_field="contract_id"):
    """OR-09: the customer and the company signed the approved version of the contract. Not
    raised by orders yet (#13)."""

    model_config = ConfigDict(json_schema_extra=_added_later("payment_terms_days"))

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
        description="BI-19: the contract's payment terms (付款方式), in days from the invoice; "
        "billing's default applies when it is not given",
    )


class ReturnEvent(IntegrationEvent, producer="orders", aggregate_field="return_id"):
    """OR-24…OR-29: goods the customer returns from an order, under a red outbound order."""

    return_id: UUID
    order_id: UUID
    customer_id: UUID
    red_outbound_id: UUID


class RedOutboundOrderIssued(ReturnEvent):
    """OR-28: the approved return's red outbound order reverses the original one. Not raised by
    orders yet (#13)."""

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
    """OR-28: the warehouse took the returned goods in and counted them. Not raised by
    orders yet (#13)."""

    received_at: Instant
    discrepancy: ShortText


PUBLISHED: tuple[type[IntegrationEvent], ...] = (
    OrderPlaced,
    GoodsIssued,
    DeliveryConfirmedByCustomer,
    ContractSigned,
    RedOutboundOrderIssued,
    ReturnReceivedIntoWarehouse,
)
