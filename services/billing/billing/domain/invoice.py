"""Invoices raised for shipments, and each customer's account of them."""

from __future__ import annotations

from decimal import Decimal
from uuid import NAMESPACE_OID, UUID, uuid5

from eventsourcing.domain import event

from chassis.domain import Aggregate


class Invoice(Aggregate):
    """BI-01: one invoice per shipment (the skeleton issues it straight from the shipment)."""

    class Issued(Aggregate.Created):
        order_id: UUID
        customer_id: UUID
        amount: Decimal
        currency: str

    @event(Issued)
    def __init__(self, order_id: UUID, customer_id: UUID, amount: Decimal, currency: str) -> None:
        self.order_id = order_id
        self.customer_id = customer_id
        self.amount = amount
        self.currency = currency

    @classmethod
    def create_id(cls, order_id: UUID) -> UUID:
        # Derived from the order, so a second attempt for the same shipment collides, never doubles.
        return uuid5(NAMESPACE_OID, f"invoice:{order_id}")


class CustomerAccount(Aggregate):
    """A customer's receivables: the invoices raised against it."""

    @event("Opened")
    def __init__(self, customer_id: UUID) -> None:
        self.invoice_ids: list[UUID] = []
        self.balance = Decimal(0)

    @classmethod
    def create_id(cls, customer_id: UUID) -> UUID:
        return customer_id

    @event("InvoiceBooked")
    def book(self, invoice_id: UUID, amount: Decimal) -> None:
        self.invoice_ids.append(invoice_id)
        self.balance += amount
