"""Invoices raised for shipments."""

from __future__ import annotations

from decimal import Decimal
from typing import Self
from uuid import NAMESPACE_OID, UUID, uuid5

from runtime.aggregate import Aggregate


class Invoice(Aggregate):
    """BI-01: one invoice per shipment (the skeleton issues it straight from the shipment)."""

    def __init__(self) -> None:
        self.order_id: UUID
        self.customer_id: UUID
        self.amount: Decimal
        self.currency: str

    class Issued(Aggregate.Created):
        order_id: UUID
        customer_id: UUID
        amount: Decimal
        currency: str

    @staticmethod
    def id_for(order_id: UUID) -> UUID:
        # Derived from the order, so a second attempt for the same shipment collides, never doubles.
        return uuid5(NAMESPACE_OID, f"invoice:{order_id}")

    @classmethod
    def issue(cls, order_id: UUID, customer_id: UUID, amount: Decimal, currency: str) -> Self:
        return cls._create(
            cls.Issued,
            id=cls.id_for(order_id),
            order_id=order_id,
            customer_id=customer_id,
            amount=amount,
            currency=currency,
        )
