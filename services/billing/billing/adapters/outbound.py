"""Maps billing's domain events to their public contracts."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from billing.domain.invoice import Invoice
from contracts import IntegrationEvent
from contracts.billing import InvoiceIssued


def to_contract(event: DomainEventProtocol[UUID]) -> IntegrationEvent | None:
    if isinstance(event, Invoice.Issued):
        return InvoiceIssued(
            invoice_id=event.originator_id,
            order_id=event.order_id,
            customer_id=event.customer_id,
            amount=event.amount,
            currency=event.currency,
        )
    return None
