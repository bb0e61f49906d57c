"""Events published by the customers service on ``customers.events``."""

from __future__ import annotations

from typing import Literal
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


GradeLetter = Literal["A", "B", "C"]
"""CU-03: A, large and urgent demand; B, ordinary demand; C, potential demand."""


class CustomerGradeChanged(CustomerEvent):
    """CU-03, CU-05: the sales manager decided the customer's grade; without an ``old_grade`` it
    is the first. Orders and service-desk treat the customer by it (CU-04)."""

    old_grade: GradeLetter | None
    new_grade: GradeLetter
    decided_by: UserId


PUBLISHED: tuple[type[IntegrationEvent], ...] = (
    CustomerRegistered,
    CustomerApproved,
    CustomerGradeChanged,
)
