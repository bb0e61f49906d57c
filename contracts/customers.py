"""Events published by the customers service on ``customers.events``."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field

from contracts.envelope import IntegrationEvent
from contracts.values import Amount, CurrencyCode, LongText, Name, UserId


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


class CustomerRejected(CustomerEvent):
    """CU-02: the approval chain refused to open the file; sales may correct and resubmit it."""

    reason: LongText
    rejected_by: UserId


class CreditTermsChanged(CustomerEvent):
    """CU-07: whether the customer may now buy on credit terms (an approved limit and a completed
    credit investigation); without them, cash or payment before delivery only. Orders and billing
    enforce it."""

    credit_terms_allowed: bool
    credit_limit: Amount
    currency: CurrencyCode


class CreditLimitChanged(CustomerEvent):
    """CU-12: a change of credit limit approved through the matrix's chain."""

    old_credit_limit: Amount
    new_credit_limit: Amount
    currency: CurrencyCode
    approval_id: UUID
    approved_by: list[UserId]
    credit_terms_allowed: bool = Field(description="CU-07, after the change")


PUBLISHED: tuple[type[IntegrationEvent], ...] = (
    CustomerRegistered,
    CustomerApproved,
    CustomerGradeChanged,
    CustomerRejected,
    CreditTermsChanged,
    CreditLimitChanged,
)
