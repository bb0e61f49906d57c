"""The bad-debt file of one receivable (呆账 / 倒账, BI-10, BI-12; RULES §4.7): a receivable
reported overdue beyond the threshold is proposed as doubtful and classified so by the sales
manager and finance (the matrix's ``bad_debt_classification`` chain); its write-off is
requested with the collection history and reviewed by the sales manager, the finance manager
and leadership (the ``bad_debt_write_off`` chain); only then does finance write it off. The
written-off balance stays on the register and every recovery is recorded against it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self
from uuid import NAMESPACE_OID, UUID, uuid5

from billing.domain.duties import handles_money
from kernel.approvals.domain import Approvable, ApprovalState
from runtime.aggregate import RuleViolation

CLASSIFICATION_KIND = "bad_debt_classification"
WRITE_OFF_KIND = "bad_debt_write_off"
PREPARERS = frozenset({"salesperson", "sales_clerk", "accountant", "finance"})
"""BI-12: the salesperson and the finance handler prepare the file."""


class BadDebtStatus(StrEnum):
    PROPOSED = "proposed"
    DOUBTFUL = "doubtful"
    NOT_DOUBTFUL = "not_doubtful"
    WRITE_OFF_REQUESTED = "write_off_requested"
    WRITE_OFF_APPROVED = "write_off_approved"
    WRITTEN_OFF = "written_off"


class BadDebt(Approvable):
    document_type = "bad_debt"

    def __init__(self) -> None:
        self.invoice_id: UUID
        self.customer_id: UUID
        self.amount: Decimal
        self.currency: str
        self.basis: str
        self.proposed_by: str
        self.status = BadDebtStatus.PROPOSED
        self.collection_history: str | None = None
        self.requested_by: str | None = None
        self.approvers: tuple[str, ...] = ()
        self.written_off = Decimal(0)
        self.recovered = Decimal(0)

    class Proposed(Approvable.Created):
        """BI-12: the receivable's outstanding ``amount`` proposed as doubtful, on ``basis``
        (its age, the customer's standing: dangerous, in litigation, insolvent)."""

        invoice_id: UUID
        customer_id: UUID
        amount: Decimal
        currency: str
        basis: str
        proposed_by: str

    class Classified(Approvable.Event):
        """BI-12 (``BadDebtClassified``): the sales manager and finance classified it doubtful."""

        invoice_id: UUID
        customer_id: UUID
        amount: Decimal
        basis: str
        approvals: tuple[str, ...]

        def apply(self, debt: BadDebt) -> None:
            debt.status = BadDebtStatus.DOUBTFUL

    class ClassificationRejected(Approvable.Event):
        reason: str

        def apply(self, debt: BadDebt) -> None:
            debt.status = BadDebtStatus.NOT_DOUBTFUL

    class WriteOffRequested(Approvable.Event):
        """BI-12 (``BadDebtWriteOffRequested``): the file, with the collection history, goes to
        the sales manager, the finance manager and leadership."""

        requested_by: str
        amount: Decimal
        collection_history: str

        def apply(self, debt: BadDebt) -> None:
            debt.status, debt.requested_by = BadDebtStatus.WRITE_OFF_REQUESTED, self.requested_by
            debt.collection_history = self.collection_history

    class WriteOffApproved(Approvable.Event):
        approvals: tuple[str, ...]

        def apply(self, debt: BadDebt) -> None:
            debt.status, debt.approvers = BadDebtStatus.WRITE_OFF_APPROVED, self.approvals

    class WriteOffRejected(Approvable.Event):
        reason: str

        def apply(self, debt: BadDebt) -> None:
            debt.status = BadDebtStatus.DOUBTFUL

    class WrittenOff(Approvable.Event):
        """BI-12 (``BadDebtWrittenOff``): finance wrote the reviewed amount off the receivable."""

        invoice_id: UUID
        customer_id: UUID
        amount: Decimal
        written_off_by: str
        approvals: tuple[str, ...]

        def apply(self, debt: BadDebt) -> None:
            debt.status, debt.written_off = BadDebtStatus.WRITTEN_OFF, self.amount

    class Recovered(Approvable.Event):
        """BI-12 (``BadDebtRecovered``): money recovered on the written-off debt, recorded by
        finance."""

        invoice_id: UUID
        customer_id: UUID
        amount: Decimal
        recorded_by: str
        reference: str

        def apply(self, debt: BadDebt) -> None:
            debt.recovered += self.amount

    @staticmethod
    def id_for(invoice_id: UUID) -> UUID:
        # One bad-debt file per receivable.
        return uuid5(NAMESPACE_OID, f"bad-debt:{invoice_id}")

    @classmethod
    def propose(
        cls,
        invoice_id: UUID,
        customer_id: UUID,
        outstanding: Decimal,
        currency: str,
        overdue_reported: bool,
        basis: str,
        proposed_by: str,
        roles: Iterable[str],
    ) -> Self:
        """BI-12: only an open receivable reported overdue beyond the threshold (escalated)
        becomes doubtful."""
        if not PREPARERS & set(roles):
            raise RuleViolation(
                "BI-12", "the salesperson or the finance handler prepares a bad-debt file"
            )
        if outstanding <= 0 or not overdue_reported:
            raise RuleViolation(
                "BI-12",
                "only an open receivable reported overdue beyond the threshold can be doubtful",
                outstanding=str(outstanding),
                overdue_reported=overdue_reported,
            )
        if not basis.strip():
            raise RuleViolation("BI-12", "a bad-debt file states its basis")
        return cls._create(
            cls.Proposed,
            id=cls.id_for(invoice_id),
            invoice_id=invoice_id,
            customer_id=customer_id,
            amount=outstanding,
            currency=currency,
            basis=basis,
            proposed_by=proposed_by,
        )

    @property
    def outstanding_recovery(self) -> Decimal:
        return self.written_off - self.recovered

    def request_write_off(
        self, requested_by: str, roles: Iterable[str], collection_history: str
    ) -> None:
        """BI-12: a doubtful debt's write-off is requested with its collection history."""
        if not PREPARERS & set(roles):
            raise RuleViolation(
                "BI-12", "the salesperson or the finance handler requests the write-off"
            )
        if self.status is not BadDebtStatus.DOUBTFUL:
            raise RuleViolation(
                "BI-12",
                "only a receivable classified doubtful is proposed for write-off",
                status=self.status.value,
            )
        if not collection_history.strip():
            raise RuleViolation("BI-12", "the write-off file gives the collection history")
        self.trigger_event(
            self.WriteOffRequested,
            requested_by=requested_by,
            amount=self.amount,
            collection_history=collection_history,
        )

    def write_off(self, written_off_by: str, roles: Iterable[str], outstanding: Decimal) -> Decimal:
        """BI-10: never written off without the review by the sales manager, the finance manager
        and leadership; what is written off is what the review approved, less what was paid
        since (``outstanding``). Returns it."""
        # BI-15: finance books it, never who requested the write-off.
        handles_money(written_off_by, roles, "a write-off", {self.requested_by or ""})
        if self.status is not BadDebtStatus.WRITE_OFF_APPROVED:
            raise RuleViolation(
                "BI-10",
                "no bad debt is written off before its review approved the write-off",
                status=self.status.value,
            )
        amount = min(self.amount, outstanding)
        if amount <= 0:
            raise RuleViolation("BI-12", "the receivable was paid since: nothing to write off")
        self.trigger_event(
            self.WrittenOff,
            invoice_id=self.invoice_id,
            customer_id=self.customer_id,
            amount=amount,
            written_off_by=written_off_by,
            approvals=self.approvers,
        )
        return amount

    def recover(
        self, recorded_by: str, roles: Iterable[str], amount: Decimal, reference: str
    ) -> None:
        """BI-12: money recovered is recorded against the written-off debt, by finance."""
        handles_money(recorded_by, roles, "money recovered on a bad debt")
        if self.status is not BadDebtStatus.WRITTEN_OFF:
            raise RuleViolation(
                "BI-12", "a recovery is recorded against a written-off debt", status=self.status
            )
        if amount <= 0 or amount > self.outstanding_recovery:
            raise RuleViolation(
                "BI-12",
                "a recovery is positive and at most what is still written off",
                recoverable=str(self.outstanding_recovery),
            )
        self.trigger_event(
            self.Recovered,
            invoice_id=self.invoice_id,
            customer_id=self.customer_id,
            amount=amount,
            recorded_by=recorded_by,
            reference=reference,
        )

    # -- the approval chains: classification, then the write-off

    def approval_content(self) -> Mapping[str, Any]:
        return {
            "invoice_id": str(self.invoice_id),
            "customer_id": str(self.customer_id),
            "amount": str(self.amount),
            "currency": self.currency,
            "basis": self.basis,
            "collection_history": self.collection_history,
        }

    def interested_parties(self) -> set[str]:
        return {self.proposed_by} | ({self.requested_by} if self.requested_by else set())

    def on_approved(self, approval: ApprovalState) -> None:
        approvers = tuple(step.decided_by for step in approval.steps if step.decided_by)
        if self.status is BadDebtStatus.PROPOSED:
            self.trigger_event(
                self.Classified,
                invoice_id=self.invoice_id,
                customer_id=self.customer_id,
                amount=self.amount,
                basis=self.basis,
                approvals=approvers,
            )
        elif self.status is BadDebtStatus.WRITE_OFF_REQUESTED:
            self.trigger_event(self.WriteOffApproved, approvals=approvers)

    def on_rejected(self, approval: ApprovalState, reason: str) -> None:
        if self.status is BadDebtStatus.PROPOSED:
            self.trigger_event(self.ClassificationRejected, reason=reason)
        elif self.status is BadDebtStatus.WRITE_OFF_REQUESTED:
            self.trigger_event(self.WriteOffRejected, reason=reason)
