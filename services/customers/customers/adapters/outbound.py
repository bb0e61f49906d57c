"""Maps customers' domain events to their public contracts."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from contracts import IntegrationEvent
from contracts.customers import CustomerApproved, CustomerRegistered
from customers.domain.customer import Customer


def to_contract(event: DomainEventProtocol[UUID]) -> IntegrationEvent | None:
    if isinstance(event, Customer.Registered):
        return CustomerRegistered(
            customer_id=event.originator_id, legal_name=event.legal_name, owner_id=event.owner_id
        )
    if isinstance(event, Customer.Approved):
        return CustomerApproved(
            customer_id=event.originator_id,
            credit_limit=event.credit_limit,
            currency=event.currency,
            approved_by=event.approved_by,
        )
    return None
