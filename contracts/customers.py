"""Events published by the customers service on ``customers.events``."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar
from uuid import UUID

from contracts.envelope import IntegrationEvent


class CustomerEvent(IntegrationEvent):
    producer: ClassVar[str] = "customers"
    customer_id: UUID


class CustomerRegistered(CustomerEvent):
    event_type: ClassVar[str] = "CustomerRegistered"
    schema_version: ClassVar[int] = 1
    legal_name: str
    owner_id: str


class CustomerApproved(CustomerEvent):
    """CU-02: the file is opened; the approved credit limit (CU-07) comes with it."""

    event_type: ClassVar[str] = "CustomerApproved"
    schema_version: ClassVar[int] = 1
    credit_limit: Decimal
    currency: str
    approved_by: str


PUBLISHED: tuple[type[IntegrationEvent], ...] = (CustomerRegistered, CustomerApproved)
