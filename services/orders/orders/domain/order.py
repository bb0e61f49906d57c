"""A sales order: placed for an approved customer, shipped, then confirmed by the customer's
signature on delivery."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self
from uuid import UUID

from kernel.approvals.domain import Capacity
from kernel.signing.domain import Signable, SigningSheet
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


class Order(Signable):
    """The customer signs the delivery confirmation of a shipped order (OR-22)."""

    document_type = "order"

    def __init__(self) -> None:
        self.customer_id: UUID
        self.lines: tuple[OrderLine, ...]
        self.currency: str
        self.placed_by: str
        self.customer_name: str
        self.account_owner_id: str | None
        self.status = OrderStatus.PLACED
        self.issued_by: str | None = None
        self.shipped_at: datetime | None = None
        self.received_at: datetime | None = None

    class Placed(Aggregate.Created):
        customer_id: UUID
        lines: tuple[OrderLine, ...]
        currency: str
        placed_by: str
        customer_name: str = ""
        """The customer's legal name when the order was placed (older orders lack it)."""
        account_owner_id: str | None = None
        """CU-15: the customer's account owner when the order was placed."""

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

    class Reassigned(Aggregate.Event):
        """CU-15, CU-22: the open order passed to the account's new owner."""

        account_owner_id: str
        handover_id: UUID | None

        def apply(self, order: Order) -> None:
            order.account_owner_id = self.account_owner_id

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
        # CU-06: no new transaction with a blacklisted customer.
        if customer.blacklisted:
            raise RuleViolation(
                "CU-06", "the customer is blacklisted", customer_id=str(customer.id)
            )
        if not lines:
            raise RuleViolation("OR-16", "an order needs at least one line")
        return cls._create(
            cls.Placed,
            customer_id=customer.id,
            lines=lines,
            currency=customer.currency,
            placed_by=placed_by,
            customer_name=customer.legal_name,
            account_owner_id=customer.owner_id,
        )

    @property
    def is_open(self) -> bool:
        """Not yet completed: the customer has not confirmed the delivery."""
        return self.status is not OrderStatus.DELIVERED

    def reassign(self, owner_id: str, handover_id: UUID | None) -> None:
        """CU-15, CU-22: an open order follows the account to its new owner; a completed one
        keeps the owner it was completed under."""
        if self.is_open and owner_id != self.account_owner_id:
            self.trigger_event(self.Reassigned, account_owner_id=owner_id, handover_id=handover_id)

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

    # -- the customer's signature on the delivery confirmation (OR-22)

    def approval_content(self) -> Mapping[str, Any]:
        return {
            "customer_id": str(self.customer_id),
            "currency": self.currency,
            "lines": [
                {
                    "product_code": line.product_code,
                    "description": line.description,
                    "quantity": line.quantity,
                    "unit_price": str(line.unit_price),
                    "serial_numbers": list(line.serial_numbers),
                }
                for line in self.lines
            ],
        }

    def signature_allowed(self, capacity: Capacity) -> None:
        if capacity is not Capacity.CUSTOMER:
            return
        # OR-22: the customer confirms the receipt of goods that were shipped, once.
        if self.status is OrderStatus.PLACED:
            raise RuleViolation(
                "OR-22",
                "the customer confirms delivery only once the goods were shipped",
                status=self.status,
            )
        if self.status is OrderStatus.DELIVERED:
            raise RuleViolation("OR-22", "the customer has already confirmed this delivery")

    def on_customer_signed(self, signed_at: datetime) -> None:
        # OR-22: delivery is complete once the customer signed, after the goods left.
        assert self.shipped_at is not None
        if signed_at < self.shipped_at - SKEW:
            raise RuleViolation(
                "OR-22",
                "the customer confirms receipt after the goods were shipped",
                signed_at=signed_at.isoformat(),
                shipped_at=self.shipped_at.isoformat(),
            )
        self.trigger_event(
            self.DeliveryConfirmed,
            received_at=signed_at,
            customer_id=self.customer_id,
            lines=self.lines,
        )

    def signing_sheet(self) -> SigningSheet:
        shipped = "" if self.shipped_at is None else self.shipped_at.strftime("%Y-%m-%d %H:%M UTC")
        return SigningSheet(
            title="Delivery confirmation",
            facts=(
                ("Order", str(self.id)),
                ("Customer", self.customer_name or str(self.customer_id)),
                ("Shipped", shipped),
                ("Total", f"{self.total:,.2f} {self.currency}"),
            ),
            table_headers=("Product", "Description", "Quantity", "Unit price", "Serial numbers"),
            table_rows=tuple(
                (
                    line.product_code,
                    line.description,
                    str(line.quantity),
                    f"{line.unit_price:,.2f}",
                    ", ".join(line.serial_numbers),
                )
                for line in self.lines
            ),
        )
