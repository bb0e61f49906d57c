"""Events published by the customers service on ``customers.events``."""

from __future__ import annotations

from uuid import UUID

from contracts.envelope import IntegrationEvent
from contracts.values import Amount, CurrencyCode, Name, UserId


class CustomerEvent(IntegrationEvent, producer="customers", aggregate_field="customer_id"):
    customer_id: UUID


class CustomerRegistered(CustomerEvent):
    legal_name: Name
    owner_id: UserId


class CustomerApproved(CustomerEvent):
    """CU-02: the file is opened; the approved credit limit (CU-07) comes with it."""

    credit_limit: Amount
    currency: CurrencyCode
    approved_by: UserId


PUBLISHED: tuple[type[IntegrationEvent], ...] = (CustomerRegistered, CustomerApproved)
