"""Events published by the billing service on ``billing.events``."""

from __future__ import annotations

from uuid import UUID

from contracts.envelope import IntegrationEvent
from contracts.values import Amount, CurrencyCode


class InvoiceIssued(IntegrationEvent, producer="billing", aggregate_field="invoice_id"):
    """BI-01: finance issued the invoice for a shipment."""

    invoice_id: UUID
    order_id: UUID
    customer_id: UUID
    amount: Amount
    currency: CurrencyCode


PUBLISHED: tuple[type[IntegrationEvent], ...] = (InvoiceIssued,)
