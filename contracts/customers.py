"""Events published by the customers service on ``customers.events``."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import AliasChoices, BaseModel, Field

from contracts.envelope import IntegrationEvent
from contracts.values import (
    Amount,
    CurrencyCode,
    Digest,
    Instant,
    Label,
    LongText,
    Name,
    Phone,
    ShortText,
    UserId,
)


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


class CustomerAbnormalityReported(CustomerEvent):
    """CU-13: trouble in the customer's business or payments, recorded at once; it opened or
    joined the dangerous-customer review ``review_id`` (CU-06)."""

    abnormality_id: UUID
    review_id: UUID
    source: ShortText
    severity: Literal["low", "medium", "high", "critical"]
    reported_by: UserId


class CreditHoldPlaced(CustomerEvent):
    """CU-13 (``provisional``: until the review ends), CU-06 (the review decided it): cash or
    payment before delivery, no new credit."""

    reason: LongText
    provisional: bool
    placed_by: UserId
    review_id: UUID


class CreditHoldReleased(CustomerEvent):
    """CU-06: the hold is lifted: by an approval (``approval_id``), or, provisional, by the end
    of the review that decided no hold."""

    reason: LongText
    released_by: UserId
    approval_id: UUID | None


class CustomerBlacklisted(CustomerEvent):
    """CU-06: no new quotes, contracts or orders with the customer."""

    reason: LongText
    decided_by: UserId
    review_id: UUID


class CustomerRemovedFromBlacklist(CustomerEvent):
    """CU-06: the removal approved by ``approval_id``; the customer is back in good standing,
    without the hold the blacklisting superseded."""

    reason: LongText
    released_by: UserId
    approval_id: UUID


def _also(*names: str) -> Any:
    """The public field name first, then the domain event's name for it."""
    return Field(validation_alias=AliasChoices(*names))


class AccountOwnerChanged(CustomerEvent):
    """CU-15, CU-22: the account's primary owner and deputy now; every change of owner, whether
    the sales manager assigned it or a signed handover moved it (then ``handover_id``)."""

    owner_id: UserId
    deputy_id: UserId | None
    reason: LongText
    changed_by: UserId = _also("changed_by", "assigned_by")
    handover_id: UUID | None = None


class HandoverEvent(IntegrationEvent, producer="customers", aggregate_field="handover_id"):
    handover_id: UUID


class HandedOverMatter(BaseModel):
    """An open matter handed over with an account, by its reference in its own service."""

    kind: Literal["quote", "contract", "receivable"]
    reference: Label
    customer_id: UUID


class AccountOwnerHandoverSigned(HandoverEvent):
    """CU-22: the transferor, the receiver and the supervising witness signed the same handover
    list; its customers and open matters (quotes, contracts, receivables) pass to the receiver."""

    transferor_id: UserId
    receiver_id: UserId
    witness_id: UserId
    customer_ids: list[UUID]
    open_matters: list[HandedOverMatter]
    version_hash: Digest


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


class CreditReviewDue(CustomerEvent):
    """CU-11: the customer's periodic credit re-investigation and limit review fell due (RULES §7
    row 21): billing answers with the customer's receivables and exposure, orders with the open
    pipeline, as inputs to the review."""

    last_reviewed_at: Instant | None = Field(description="None: never reviewed since onboarding")
    due_since: Instant = _also("due_since", "timestamp")


class ProfileContact(BaseModel):
    """CU-01: a responsible person at the customer."""

    name: Name
    role: Name
    phone: Phone


ProfileField = Literal["legal_name", "contacts", "premises"]


class CustomerProfileUpdated(CustomerEvent):
    """CU-14, CU-23: an approved master-data change request (``request_id``, approved by
    ``approval_id``) was applied. It carries the file's master data after the change, so a copy
    kept from these events (service-desk's) is whole; ``changed_fields`` names what changed."""

    legal_name: Name
    contacts: list[ProfileContact]
    premises: list[ShortText] = Field(description="The customer's premises (its addresses)")
    changed_fields: list[ProfileField]
    request_id: UUID = _also("request_id", "change_id")
    approval_id: UUID | None = Field(description="None only for a change recorded before CU-23")
    applied_by: UserId


class CustomerDataReturned(HandoverEvent):
    """CU-22, §4.13: the transferor handed back the customer data of this handover, as the
    receiver or the witness (``received_by``) attests; the employee's final pay waits for it."""

    transferor_id: UserId
    received_by: UserId


PUBLISHED: tuple[type[IntegrationEvent], ...] = (
    CustomerRegistered,
    CustomerApproved,
    CustomerGradeChanged,
    CustomerAbnormalityReported,
    CreditHoldPlaced,
    CreditHoldReleased,
    CustomerBlacklisted,
    CustomerRemovedFromBlacklist,
    AccountOwnerChanged,
    AccountOwnerHandoverSigned,
    CustomerRejected,
    CreditTermsChanged,
    CreditLimitChanged,
    CustomerProfileUpdated,
    CustomerDataReturned,
    CreditReviewDue,
)
