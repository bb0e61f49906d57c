"""The customer file: registered by sales, opened only once the approval chain has signed."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self

from kernel.approvals.domain import Approvable, ApprovalState
from runtime.aggregate import RuleViolation

APPROVAL_KIND = "customer_approval"


class CustomerStatus(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    ACTIVE = "active"


class Customer(Approvable):
    document_type = "customer"

    def __init__(self) -> None:
        self.legal_name: str
        self.owner_id: str
        self.registered_by: str
        self.status = CustomerStatus.PENDING_APPROVAL
        self.credit_limit = Decimal(0)
        self.currency = ""
        self.approved_by: str | None = None

    class Registered(Approvable.Created):
        legal_name: str
        owner_id: str
        registered_by: str

    class SubmittedForApproval(Approvable.Event):
        credit_limit: Decimal
        currency: str
        submitted_by: str

        def apply(self, customer: Customer) -> None:
            customer.credit_limit, customer.currency = self.credit_limit, self.currency

    class Approved(Approvable.Event):
        approved_by: str
        credit_limit: Decimal
        currency: str

        def apply(self, customer: Customer) -> None:
            customer.status, customer.approved_by = CustomerStatus.ACTIVE, self.approved_by

    @classmethod
    def register(cls, legal_name: str, owner_id: str, registered_by: str) -> Self:
        return cls._create(
            cls.Registered, legal_name=legal_name, owner_id=owner_id, registered_by=registered_by
        )

    def approval_content(self) -> Mapping[str, Any]:
        # What the approvers vouch for: who the customer is and the credit the company grants.
        return {
            "legal_name": self.legal_name,
            "owner_id": self.owner_id,
            "credit_limit": str(self.credit_limit),
            "currency": self.currency,
        }

    def interested_parties(self) -> set[str]:
        return {self.registered_by, self.owner_id}

    def submit_for_approval(self, credit_limit: Decimal, currency: str, submitted_by: str) -> None:
        # CU-02: the file is opened once, by approval, before any trade.
        if self.status is not CustomerStatus.PENDING_APPROVAL:
            raise RuleViolation("CU-02", "the customer is already approved", status=self.status)
        # CU-12: a credit limit is an amount the company is prepared to lose, never negative.
        if credit_limit < 0:
            raise RuleViolation("CU-12", "the credit limit cannot be negative")
        self.trigger_event(
            self.SubmittedForApproval,
            credit_limit=credit_limit,
            currency=currency,
            submitted_by=submitted_by,
        )
        self.content_changed()

    def approval_conditions(self) -> tuple[str, ...]:
        # CU-02 / CU-12: finance gives its opinion whenever credit is requested.
        return ("credit",) if self.credit_limit > 0 else ()

    def on_approved(self, approval: ApprovalState) -> None:
        self.trigger_event(
            self.Approved,
            approved_by=approval.steps[-1].decided_by or "",
            credit_limit=self.credit_limit,
            currency=self.currency,
        )
