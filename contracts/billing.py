"""Events published by the billing service on ``billing.events``."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar
from uuid import UUID

from contracts.envelope import IntegrationEvent


class InvoiceIssued(IntegrationEvent):
    """BI-01: finance issued the invoice for a shipment."""

    producer: ClassVar[str] = "billing"
    event_type: ClassVar[str] = "InvoiceIssued"
    schema_version: ClassVar[int] = 1
    invoice_id: UUID
    order_id: UUID
    customer_id: UUID
    amount: Decimal
    currency: str


PUBLISHED: tuple[type[IntegrationEvent], ...] = (InvoiceIssued,)
