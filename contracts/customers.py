"""Events published by the customers service on ``customers.events``."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from contracts.envelope import IntegrationEvent


class CustomerEvent(IntegrationEvent, producer="customers", aggregate_field="customer_id"):
    customer_id: UUID


class CustomerRegistered(CustomerEvent):
    legal_name: str
    owner_id: str


class CustomerApproved(CustomerEvent):
    """CU-02: the file is opened; the approved credit limit (CU-07) comes with it."""

    credit_limit: Decimal
    currency: str
    approved_by: str


PUBLISHED: tuple[type[IntegrationEvent], ...] = (CustomerRegistered, CustomerApproved)
