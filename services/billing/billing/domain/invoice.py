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
        self.account_owner_id: str | None

    class Issued(Aggregate.Created):
        order_id: UUID
        customer_id: UUID
        amount: Decimal
        currency: str
        account_owner_id: str | None = None
        """CU-15: the customer's account owner when the invoice was issued."""

    class Reassigned(Aggregate.Event):
        """CU-15, CU-22: the receivable passed to the account's new owner."""

        account_owner_id: str
        handover_id: UUID | None

        def apply(self, invoice: Invoice) -> None:
            invoice.account_owner_id = self.account_owner_id

    @staticmethod
    def id_for(order_id: UUID) -> UUID:
        # Derived from the order, so a second attempt for the same shipment collides, never doubles.
        return uuid5(NAMESPACE_OID, f"invoice:{order_id}")

    @classmethod
    def issue(
        cls,
        order_id: UUID,
        customer_id: UUID,
        amount: Decimal,
        currency: str,
        account_owner_id: str | None,
    ) -> Self:
        return cls._create(
            cls.Issued,
            id=cls.id_for(order_id),
            order_id=order_id,
            customer_id=customer_id,
            amount=amount,
            currency=currency,
            account_owner_id=account_owner_id,
        )

    def reassign(self, owner_id: str, handover_id: UUID | None) -> None:
        """CU-15, CU-22: the receivable follows the account to its new owner (every invoice is
        still open: payments are not recorded yet)."""
        if owner_id != self.account_owner_id:
            self.trigger_event(self.Reassigned, account_owner_id=owner_id, handover_id=handover_id)
