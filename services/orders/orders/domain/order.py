"""A sales order: placed for an approved customer, shipped, then confirmed on delivery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import event

from chassis.domain import Aggregate, RuleViolation
from orders.domain.known_customer import KnownCustomer


@dataclass(frozen=True)
class OrderLine:
    product_code: str
    description: str
    quantity: int
    unit_price: Decimal
    serial_numbers: tuple[str, ...]

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity


class OrderStatus(StrEnum):
    PLACED = "placed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"


class Order(Aggregate):
    class Placed(Aggregate.Created):
        customer_id: UUID
        lines: list[OrderLine]
        currency: str
        placed_by: str

    class GoodsIssued(Aggregate.Event):
        issued_by: str
        customer_id: UUID
        lines: list[OrderLine]
        currency: str

    class DeliveryConfirmed(Aggregate.Event):
        received_at: datetime
        customer_id: UUID
        lines: list[OrderLine]

    @event(Placed)
    def __init__(
        self, customer_id: UUID, lines: list[OrderLine], currency: str, placed_by: str
    ) -> None:
        self.customer_id = customer_id
        self.lines = lines
        self.currency = currency
        self.placed_by = placed_by
        self.status = OrderStatus.PLACED

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))

    @classmethod
    def place(cls, customer: KnownCustomer | None, lines: list[OrderLine], placed_by: str) -> Order:
        # CU-02: no transaction before the customer's file is approved and opened.
        if customer is None:
            raise RuleViolation("CU-02", "unknown customer: no approved customer file exists")
        if not customer.approved:
            raise RuleViolation(
                "CU-02", "the customer's file is not approved yet", customer_id=str(customer.id)
            )
        if not lines:
            raise RuleViolation("OR-16", "an order needs at least one line")
        return cls(customer.id, lines, customer.currency, placed_by)

    def ship(self, warehouse_keeper: str) -> None:
        # OR-19: the warehouse ships a placed order once.
        if self.status is not OrderStatus.PLACED:
            raise RuleViolation("OR-19", "only a placed order can be shipped", status=self.status)
        # The event states what left the warehouse, for whom: billing invoices from it alone.
        self._goods_issued(
            issued_by=warehouse_keeper,
            customer_id=self.customer_id,
            lines=self.lines,
            currency=self.currency,
        )

    @event(GoodsIssued)
    def _goods_issued(
        self, issued_by: str, customer_id: UUID, lines: list[OrderLine], currency: str
    ) -> None:
        self.status = OrderStatus.SHIPPED
        self.issued_by = issued_by

    def confirm_delivery(self, received_at: datetime) -> None:
        # OR-22: the customer confirms receipt of goods that were shipped.
        if self.status is not OrderStatus.SHIPPED:
            raise RuleViolation(
                "OR-22", "only a shipped order can be confirmed as delivered", status=self.status
            )
        self._delivery_confirmed(
            received_at=received_at, customer_id=self.customer_id, lines=self.lines
        )

    @event(DeliveryConfirmed)
    def _delivery_confirmed(
        self, received_at: datetime, customer_id: UUID, lines: list[OrderLine]
    ) -> None:
        self.status = OrderStatus.DELIVERED
        self.received_at = received_at
