"""The collection request (收款申请单, BI-04, BI-15, C9): the salesperson chases a customer's open
receivables and raises a request for them (amount, invoices covered, the company's account); the
sales department and then finance confirm it (the matrix's ``collection`` chain); the customer is
then told what to pay and where. The salesperson chases and requests, never records money: finance
records the payment (BI-05)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self
from uuid import UUID

from kernel.approvals.domain import Approvable, ApprovalState, StepStatus
from runtime.aggregate import RuleViolation

COLLECTION_KIND = "collection"
CHASERS = frozenset({"salesperson", "sales_clerk", "branch_manager"})
"""BI-04, BI-15: the outside and inside sales staff chase and request; finance handles money."""


class CollectionStatus(StrEnum):
    SUBMITTED = "submitted"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    CUSTOMER_NOTIFIED = "customer_notified"


class CollectionRequest(Approvable):
    document_type = "collection_request"

    def __init__(self) -> None:
        self.customer_id: UUID
        self.salesperson_id: str
        self.invoice_ids: tuple[UUID, ...]
        self.amount: Decimal
        self.currency: str
        self.bank_account: str
        self.status = CollectionStatus.SUBMITTED
        self.confirmed_by: str | None = None
        self.rejection: str | None = None
        self.chases = 0

    class Raised(Approvable.Created):
        """BI-04 (``CollectionRequested``): raised by the salesperson for open receivables."""

        customer_id: UUID
        salesperson_id: str
        invoice_ids: tuple[UUID, ...]
        amount: Decimal
        currency: str
        bank_account: str

    class Confirmed(Approvable.Event):
        """BI-04: the sales department and finance confirmed it."""

        confirmed_by: str

        def apply(self, request: CollectionRequest) -> None:
            request.status, request.confirmed_by = CollectionStatus.CONFIRMED, self.confirmed_by

    class Rejected(Approvable.Event):
        rejected_by: str
        reason: str

        def apply(self, request: CollectionRequest) -> None:
            request.status, request.rejection = CollectionStatus.REJECTED, self.reason

    class CustomerNotified(Approvable.Event):
        """BI-04: the customer was told the amount and the company's bank details."""

        notified_by: str
        channel: str

        def apply(self, request: CollectionRequest) -> None:
            request.status = CollectionStatus.CUSTOMER_NOTIFIED

    class Chased(Approvable.Event):
        """BI-04 (``CollectionChased``): the salesperson chased the customer for it."""

        chased_by: str
        note: str

        def apply(self, request: CollectionRequest) -> None:
            request.chases += 1

    @classmethod
    def raise_for(
        cls,
        request_id: UUID,
        salesperson: str,
        roles: Iterable[str],
        customer_id: UUID,
        currency: str,
        bank_account: str,
        amount: Decimal,
        receivables: Mapping[UUID, Decimal],
    ) -> Self:
        """``receivables``: the outstanding balance of each invoice covered, all of them open
        receivables of the customer in ``currency``."""
        if not CHASERS & set(roles):
            raise RuleViolation(
                "BI-04", "the salesperson raises the collection request; finance records money"
            )
        if not receivables or any(owed <= 0 for owed in receivables.values()):
            raise RuleViolation(
                "BI-04", "a collection request covers the customer's open receivables"
            )
        owed = sum(receivables.values(), Decimal(0))
        if amount <= 0 or amount > owed:
            raise RuleViolation(
                "BI-04",
                "the amount requested is at most what the invoices covered still owe",
                outstanding=str(owed),
            )
        return cls._create(
            cls.Raised,
            id=request_id,
            customer_id=customer_id,
            salesperson_id=salesperson,
            invoice_ids=tuple(receivables),
            amount=amount,
            currency=currency,
            bank_account=bank_account,
        )

    def notify_customer(self, user: str, roles: Iterable[str], channel: str) -> None:
        """BI-04: the customer is told only what sales and finance confirmed."""
        if not CHASERS & set(roles):
            raise RuleViolation("BI-04", "the sales staff tell the customer what to pay")
        if self.status is not CollectionStatus.CONFIRMED:
            raise RuleViolation(
                "BI-04",
                "the customer is told once sales and finance confirmed the request",
                status=self.status.value,
            )
        self.trigger_event(self.CustomerNotified, notified_by=user, channel=channel)

    def chase(self, user: str, roles: Iterable[str], note: str) -> None:
        """BI-04: the salesperson who raised it chases the customer; nobody records money here."""
        if not CHASERS & set(roles) or user != self.salesperson_id:
            raise RuleViolation(
                "BI-04",
                "the salesperson who raised the request chases it",
                salesperson_id=self.salesperson_id,
            )
        if self.status is CollectionStatus.REJECTED:
            raise RuleViolation("BI-04", "a rejected collection request is not chased")
        self.trigger_event(self.Chased, chased_by=user, note=note)

    # -- the approval chain (sales department, then finance)

    def approval_content(self) -> Mapping[str, Any]:
        return {
            "customer_id": str(self.customer_id),
            "invoice_ids": [str(invoice_id) for invoice_id in self.invoice_ids],
            "amount": str(self.amount),
            "currency": self.currency,
            "bank_account": self.bank_account,
        }

    def interested_parties(self) -> set[str]:
        return {self.salesperson_id}

    def on_approved(self, approval: ApprovalState) -> None:
        if self.status is CollectionStatus.SUBMITTED:
            self.trigger_event(self.Confirmed, confirmed_by=approval.steps[-1].decided_by or "")

    def on_rejected(self, approval: ApprovalState, reason: str) -> None:
        if self.status is CollectionStatus.SUBMITTED:
            step = next(s for s in approval.steps if s.status is StepStatus.REJECTED)
            self.trigger_event(self.Rejected, rejected_by=step.decided_by or "", reason=reason)
