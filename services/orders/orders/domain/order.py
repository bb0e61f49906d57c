"""A sales order: placed for an approved customer, shipped, then confirmed on delivery."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Self
from uuid import UUID

from orders.domain.known_customer import KnownCustomer
from runtime.aggregate import Aggregate, RuleViolation
from runtime.clock import SKEW


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


def total(lines: Iterable[OrderLine]) -> Decimal:
    return sum((line.amount for line in lines), Decimal(0))


class OrderStatus(StrEnum):
    PLACED = "placed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"


class Order(Aggregate):
    def __init__(self) -> None:
        self.customer_id: UUID
        self.lines: tuple[OrderLine, ...]
        self.currency: str
        self.placed_by: str
        self.status = OrderStatus.PLACED
        self.issued_by: str | None = None
        self.shipped_at: datetime | None = None
        self.received_at: datetime | None = None

    class Placed(Aggregate.Created):
        customer_id: UUID
        lines: tuple[OrderLine, ...]
        currency: str
        placed_by: str

    class GoodsIssued(Aggregate.Event):
        """What left the warehouse, for whom: billing invoices from this event alone."""

        issued_by: str
        customer_id: UUID
        lines: tuple[OrderLine, ...]
        currency: str

        def apply(self, order: Order) -> None:
            order.status, order.issued_by = OrderStatus.SHIPPED, self.issued_by
            order.shipped_at = self.timestamp

    class DeliveryConfirmed(Aggregate.Event):
        received_at: datetime
        customer_id: UUID
        lines: tuple[OrderLine, ...]

        def apply(self, order: Order) -> None:
            order.status, order.received_at = OrderStatus.DELIVERED, self.received_at

    @property
    def total(self) -> Decimal:
        return total(self.lines)

    @classmethod
    def place(
        cls, customer: KnownCustomer | None, lines: tuple[OrderLine, ...], placed_by: str
    ) -> Self:
        # CU-02: no transaction before the customer's file is approved and opened.
        if customer is None:
            raise RuleViolation("CU-02", "unknown customer: no approved customer file exists")
        if not customer.approved:
            raise RuleViolation(
                "CU-02", "the customer's file is not approved yet", customer_id=str(customer.id)
            )
        if not lines:
            raise RuleViolation("OR-16", "an order needs at least one line")
        return cls._create(
            cls.Placed,
            customer_id=customer.id,
            lines=lines,
            currency=customer.currency,
            placed_by=placed_by,
        )

    def ship(self, warehouse_keeper: str) -> None:
        # OR-19: the warehouse ships a placed order once.
        if self.status is not OrderStatus.PLACED:
            raise RuleViolation("OR-19", "only a placed order can be shipped", status=self.status)
        self.trigger_event(
            self.GoodsIssued,
            issued_by=warehouse_keeper,
            customer_id=self.customer_id,
            lines=self.lines,
            currency=self.currency,
        )

    def confirm_delivery(self, received_at: datetime, now: datetime) -> None:
        # OR-22: the customer confirms receipt of goods that were shipped.
        if self.status is not OrderStatus.SHIPPED:
            raise RuleViolation(
                "OR-22", "only a shipped order can be confirmed as delivered", status=self.status
            )
        # OR-22: received after they left the warehouse, and not in the future.
        assert self.shipped_at is not None
        if not self.shipped_at - SKEW <= received_at <= now + SKEW:
            raise RuleViolation(
                "OR-22",
                "the goods were received between their shipment and now",
                received_at=received_at.isoformat(),
                shipped_at=self.shipped_at.isoformat(),
            )
        self.trigger_event(
            self.DeliveryConfirmed,
            received_at=received_at,
            customer_id=self.customer_id,
            lines=self.lines,
        )
