"""A customer's trading history (CU-26): the shipments, deliveries and invoices the orders and
billing services reported, accumulated on the customer file as input to the credit evaluation
(CU-11) and the grade (CU-05)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Self
from uuid import NAMESPACE_OID, UUID, uuid5

from runtime.aggregate import Aggregate


class TradingHistory(Aggregate):
    def __init__(self) -> None:
        self.customer_id: UUID
        self.shipments = 0
        self.deliveries = 0
        self.invoices = 0
        # Per currency: amounts in different currencies are never added up.
        self.shipped: dict[str, Decimal] = {}
        self.invoiced: dict[str, Decimal] = {}
        self.last_shipped_at: datetime | None = None
        self.last_delivered_at: datetime | None = None
        self._recorded: set[str] = set()

    class Opened(Aggregate.Created):
        customer_id: UUID

    class ShipmentRecorded(Aggregate.Event):
        """Orders' ``GoodsIssued``: the warehouse shipped the order."""

        customer_id: UUID
        order_id: UUID
        amount: Decimal
        currency: str

        def apply(self, history: TradingHistory) -> None:
            history.shipments += 1
            _add(history.shipped, self.currency, self.amount)
            history.last_shipped_at = self.timestamp
            history._recorded.add(f"shipment:{self.order_id}")

    class DeliveryRecorded(Aggregate.Event):
        """Orders' ``DeliveryConfirmedByCustomer``: the customer confirmed receipt."""

        customer_id: UUID
        order_id: UUID
        received_at: datetime

        def apply(self, history: TradingHistory) -> None:
            history.deliveries += 1
            history.last_delivered_at = self.received_at
            history._recorded.add(f"delivery:{self.order_id}")

    class InvoiceRecorded(Aggregate.Event):
        """Billing's ``InvoiceIssued``: finance invoiced a shipment."""

        customer_id: UUID
        invoice_id: UUID
        order_id: UUID
        amount: Decimal
        currency: str

        def apply(self, history: TradingHistory) -> None:
            history.invoices += 1
            _add(history.invoiced, self.currency, self.amount)
            history._recorded.add(f"invoice:{self.invoice_id}")

    @staticmethod
    def id_for(customer_id: UUID) -> UUID:
        # One history per customer.
        return uuid5(NAMESPACE_OID, f"trading-history:{customer_id}")

    @classmethod
    def open(cls, customer_id: UUID) -> Self:
        return cls._create(cls.Opened, id=cls.id_for(customer_id), customer_id=customer_id)

    # CU-26: each document counts once, however often its event is reported again.

    def record_shipment(self, order_id: UUID, amount: Decimal, currency: str) -> None:
        if f"shipment:{order_id}" not in self._recorded:
            self.trigger_event(
                self.ShipmentRecorded,
                customer_id=self.customer_id,
                order_id=order_id,
                amount=amount,
                currency=currency,
            )

    def record_delivery(self, order_id: UUID, received_at: datetime) -> None:
        if f"delivery:{order_id}" not in self._recorded:
            self.trigger_event(
                self.DeliveryRecorded,
                customer_id=self.customer_id,
                order_id=order_id,
                received_at=received_at,
            )

    def record_invoice(
        self, invoice_id: UUID, order_id: UUID, amount: Decimal, currency: str
    ) -> None:
        if f"invoice:{invoice_id}" not in self._recorded:
            self.trigger_event(
                self.InvoiceRecorded,
                customer_id=self.customer_id,
                invoice_id=invoice_id,
                order_id=order_id,
                amount=amount,
                currency=currency,
            )


def _add(totals: dict[str, Decimal], currency: str, amount: Decimal) -> None:
    totals[currency] = totals.get(currency, Decimal(0)) + amount
