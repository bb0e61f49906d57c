"""Expense reimbursement (報銷申請): the sales manager's prior approval of a selling expense
(BI-21), the claim and its chain, department head → finance → company leader (BI-20, C6), its
payment net of open cash advances (BI-24), and its receipts, each usable once (BI-25)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self
from uuid import NAMESPACE_OID, UUID, uuid5

from billing.domain.cash_advance import AdvanceAccount, Netting
from billing.domain.duties import handles_money
from kernel.approvals.domain import Approvable, ApprovalState, StepStatus
from runtime.aggregate import Aggregate, RuleViolation

CLAIM_KIND = "expense_claim"
PRE_APPROVAL_KIND = "sales_expense"
WITHOUT_PRE_APPROVAL = "without_pre_approval"
"""The matrix condition that adds the sales manager's exception step (BI-21)."""
OVER_BUDGET = "over_budget"
"""The condition leadership's step approves knowingly (BI-23)."""


def _rejected_by(approval: ApprovalState) -> str:
    step = next(s for s in approval.steps if s.status is StepStatus.REJECTED)
    return step.decided_by or ""


# -- BI-21: the sales manager's prior approval


class PreApprovalStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    USED = "used"


class ExpensePreApproval(Approvable):
    document_type = "expense_pre_approval"

    def __init__(self) -> None:
        self.employee_id: str
        self.purpose: str
        self.est_amount: Decimal
        self.status = PreApprovalStatus.REQUESTED
        self.approved_by: str | None = None
        self.approved_at: datetime | None = None
        self.claim_id: UUID | None = None

    class Requested(Approvable.Created):
        employee_id: str
        purpose: str
        est_amount: Decimal

    class ExpensePreApproved(Approvable.Event):
        approver: str

        def apply(self, pre: ExpensePreApproval) -> None:
            pre.status, pre.approved_by = PreApprovalStatus.APPROVED, self.approver
            pre.approved_at = self.timestamp

    class Rejected(Approvable.Event):
        rejected_by: str
        reason: str

        def apply(self, pre: ExpensePreApproval) -> None:
            pre.status = PreApprovalStatus.REJECTED

    class Used(Approvable.Event):
        claim_id: UUID

        def apply(self, pre: ExpensePreApproval) -> None:
            pre.status, pre.claim_id = PreApprovalStatus.USED, self.claim_id

    @classmethod
    def request(cls, employee_id: str, purpose: str, est_amount: Decimal) -> Self:
        if not purpose.strip():
            raise RuleViolation("BI-21", "a pre-approval request says what the expense is for")
        if est_amount <= 0:
            raise RuleViolation("BI-21", "a pre-approval request estimates a positive amount")
        return cls._create(
            cls.Requested, employee_id=employee_id, purpose=purpose, est_amount=est_amount
        )

    def approval_content(self) -> Mapping[str, Any]:
        return {
            "employee_id": self.employee_id,
            "purpose": self.purpose,
            "est_amount": str(self.est_amount),
        }

    def interested_parties(self) -> set[str]:
        return {self.employee_id}

    def on_approved(self, approval: ApprovalState) -> None:
        self.trigger_event(self.ExpensePreApproved, approver=approval.steps[-1].decided_by or "")

    def on_rejected(self, approval: ApprovalState, reason: str) -> None:
        self.trigger_event(self.Rejected, rejected_by=_rejected_by(approval), reason=reason)

    def use(
        self,
        claim_id: UUID,
        employee_id: str,
        amount: Decimal,
        first_incurred_on: date,
        zone: tzinfo,
    ) -> bool:
        """BI-21: the claim ``claim_id`` uses this pre-approval; returns whether it covers the
        claim: approved before the expense was incurred, for at least the amount claimed."""
        if employee_id != self.employee_id:
            raise RuleViolation("BI-21", "a pre-approval covers only its own requester's expenses")
        if self.status is not PreApprovalStatus.APPROVED:
            raise RuleViolation(
                "BI-21",
                "only a pre-approval the sales manager granted, and not yet used, is claimed "
                "against; otherwise claim without it as an exception",
                status=self.status.value,
            )
        assert self.approved_at is not None
        self.trigger_event(self.Used, claim_id=claim_id)
        prior = self.approved_at.astimezone(zone).date() <= first_incurred_on
        return prior and amount <= self.est_amount


# -- BI-20: the claim


@dataclass(frozen=True)
class ExpenseLine:
    """One expense, with the receipt it is claimed on: the SHA-256 of the receipt's image and
    the number printed on it (BI-25)."""

    description: str
    amount: Decimal
    incurred_on: date
    receipt_hash: str
    receipt_number: str


class ClaimStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    REIMBURSED = "reimbursed"
    FORGED = "forged"


class ExpenseClaim(Approvable):
    document_type = "expense_claim"

    def __init__(self) -> None:
        self.employee_id: str
        self.department: str
        self.budget_id: UUID
        self.budget_line: str
        self.lines: tuple[ExpenseLine, ...]
        self.sales_expense: bool
        self.pre_approval_id: UUID | None
        self.without_pre_approval: bool
        self.over_budget: bool
        self.status = ClaimStatus.SUBMITTED
        self.approved_by: str | None = None
        self.rejection_reason: str | None = None
        self.advance_netted = Decimal(0)
        self.paid_out = Decimal(0)
        self.reimbursed_by: str | None = None
        self.reimbursed_at: datetime | None = None

    class Submitted(Approvable.Created):
        employee_id: str
        department: str
        budget_id: UUID
        budget_line: str
        lines: tuple[ExpenseLine, ...]
        sales_expense: bool
        pre_approval_id: UUID | None
        without_pre_approval: bool
        """BI-21: a sales expense claimed without a covering prior approval (flagged)."""
        over_budget: bool
        """BI-23: more than remains of the budget line when submitted."""

    class Approved(Approvable.Event):
        """BI-20: the company leader approved, after the department head and finance."""

        approved_by: str

        def apply(self, claim: ExpenseClaim) -> None:
            claim.status, claim.approved_by = ClaimStatus.APPROVED, self.approved_by

    class Rejected(Approvable.Event):
        rejected_by: str
        reason: str

        def apply(self, claim: ExpenseClaim) -> None:
            claim.status, claim.rejection_reason = ClaimStatus.REJECTED, self.reason

    class Reimbursed(Approvable.Event):
        reimbursed_by: str
        amount: Decimal
        nettings: tuple[Netting, ...]
        advance_netted: Decimal
        paid_out: Decimal

        def apply(self, claim: ExpenseClaim) -> None:
            claim.status, claim.reimbursed_by = ClaimStatus.REIMBURSED, self.reimbursed_by
            claim.reimbursed_at = self.timestamp
            claim.advance_netted, claim.paid_out = self.advance_netted, self.paid_out

    class OverBudgetDeclared(Approvable.Event):
        """BI-23: the line no longer covers an approved claim; it goes through the chain again
        for leadership to approve it over budget."""

        declared_by: str

        def apply(self, claim: ExpenseClaim) -> None:
            claim.over_budget, claim.status = True, ClaimStatus.SUBMITTED

    class ForgeryFound(Approvable.Event):
        """BI-25: a document the claim was made on is forged; the claim is never paid."""

        found_by: str
        evidence: str

        def apply(self, claim: ExpenseClaim) -> None:
            claim.status = ClaimStatus.FORGED

    @classmethod
    def submit(
        cls,
        claim_id: UUID,
        employee_id: str,
        department: str,
        budget_id: UUID,
        budget_line: str,
        lines: Sequence[ExpenseLine],
        today: date,
        *,
        sales_expense: bool,
        pre_approval_id: UUID | None,
        without_pre_approval: bool,
        over_budget: bool,
    ) -> Self:
        # BI-20: a claim is filed after the expense, for what was spent, on its receipts.
        if not lines:
            raise RuleViolation("BI-20", "a claim lists at least one expense")
        if any(line.amount <= 0 for line in lines):
            raise RuleViolation("BI-20", "each expense claimed is a positive amount")
        late = [str(line.incurred_on) for line in lines if line.incurred_on > today]
        if late:
            raise RuleViolation("BI-20", "expenses are claimed once incurred", incurred_on=late)
        # BI-25: no receipt twice in one claim either.
        for key in ("receipt_hash", "receipt_number"):
            values = [getattr(line, key) for line in lines]
            if len(set(values)) != len(values):
                raise RuleViolation("BI-25", "a receipt is claimed once", duplicate=key)
        if pre_approval_id is not None and not sales_expense:
            raise RuleViolation("BI-21", "a pre-approval covers a sales expense")
        return cls._create(
            cls.Submitted,
            id=claim_id,
            employee_id=employee_id,
            department=department,
            budget_id=budget_id,
            budget_line=budget_line,
            lines=tuple(lines),
            sales_expense=sales_expense,
            pre_approval_id=pre_approval_id,
            without_pre_approval=without_pre_approval,
            over_budget=over_budget,
        )

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))

    def approval_conditions(self) -> tuple[str, ...]:
        """What the chain must know: an exception to BI-21, a claim over budget (BI-23)."""
        flags = {WITHOUT_PRE_APPROVAL: self.without_pre_approval, OVER_BUDGET: self.over_budget}
        return tuple(flag for flag, raised in flags.items() if raised)

    def receipt_keys(self) -> list[str]:
        """BI-25: each receipt is known by its image's hash and by its number."""
        return [
            key
            for line in self.lines
            for key in (f"sha256:{line.receipt_hash}", f"number:{line.receipt_number}")
        ]

    def approval_content(self) -> Mapping[str, Any]:
        # What each approver signs: who claims what, on which receipts, flagged how.
        return {
            "employee_id": self.employee_id,
            "department": self.department,
            "budget_id": str(self.budget_id),
            "budget_line": self.budget_line,
            "lines": [
                [
                    line.description,
                    str(line.amount),
                    line.incurred_on.isoformat(),
                    line.receipt_hash,
                    line.receipt_number,
                ]
                for line in self.lines
            ],
            "sales_expense": self.sales_expense,
            "pre_approval_id": None if self.pre_approval_id is None else str(self.pre_approval_id),
            "without_pre_approval": self.without_pre_approval,
            "over_budget": self.over_budget,
        }

    def interested_parties(self) -> set[str]:
        return {self.employee_id}

    def on_approved(self, approval: ApprovalState) -> None:
        # A claim found forged while its chain ran stays forged.
        if self.status is ClaimStatus.SUBMITTED:
            self.trigger_event(self.Approved, approved_by=approval.steps[-1].decided_by or "")

    def on_rejected(self, approval: ApprovalState, reason: str) -> None:
        if self.status is ClaimStatus.SUBMITTED:
            self.trigger_event(self.Rejected, rejected_by=_rejected_by(approval), reason=reason)

    def reimburse(
        self, reimbursed_by: str, roles: Iterable[str], advances: AdvanceAccount | None
    ) -> None:
        # BI-15: finance pays out, never a salesperson.
        handles_money(reimbursed_by, roles, "a reimbursement")
        # BI-20: paid only once the department head, finance and the company leader approved.
        if self.status is not ClaimStatus.APPROVED:
            raise RuleViolation(
                "BI-20",
                "a claim is paid only once the department head, finance and the company leader "
                "have approved it, and once",
                status=self.status.value,
            )
        if reimbursed_by == self.employee_id:
            raise RuleViolation("XC-05", "nobody pays their own claim")
        # BI-24: open advances are netted off what is paid out.
        nettings = (
            [] if advances is None else advances.net_against(self.id, self.amount, reimbursed_by)
        )
        netted = sum((n.amount for n in nettings), Decimal(0))
        self.trigger_event(
            self.Reimbursed,
            reimbursed_by=reimbursed_by,
            amount=self.amount,
            nettings=tuple(nettings),
            advance_netted=netted,
            paid_out=self.amount - netted,
        )

    def declare_over_budget(self, declared_by: str, line_exceeded: bool) -> None:
        # BI-23: only an approved claim its line no longer covers needs approving again.
        if self.status is not ClaimStatus.APPROVED or self.over_budget or not line_exceeded:
            raise RuleViolation(
                "BI-23",
                "only an approved claim its budget line no longer covers goes back for an "
                "over-budget approval",
                status=self.status.value,
                over_budget=self.over_budget,
            )
        self.trigger_event(self.OverBudgetDeclared, declared_by=declared_by)
        self.content_changed()

    def declare_forged(self, found_by: str, evidence: str) -> None:
        # BI-25: forging documents to claim expenses is a dismissal offence; the claim is void.
        if self.status is ClaimStatus.FORGED:
            raise RuleViolation("BI-25", "this claim is already declared forged")
        if found_by == self.employee_id:
            raise RuleViolation("XC-05", "nobody judges their own claim")
        if not evidence.strip():
            raise RuleViolation("BI-25", "a forgery is declared with its evidence")
        self.trigger_event(self.ForgeryFound, found_by=found_by, evidence=evidence)


# -- BI-25: each receipt claimed once


class ReceiptRegistration(Aggregate):
    """A receipt (by its image's hash, or by its number) and the claim it was used on."""

    def __init__(self) -> None:
        self.key: str
        self.claim_id: UUID

    class Registered(Aggregate.Created):
        key: str
        claim_id: UUID

    class Reattached(Aggregate.Event):
        """A receipt of a rejected claim is used on a new one."""

        claim_id: UUID
        released_from: UUID

        def apply(self, receipt: ReceiptRegistration) -> None:
            receipt.claim_id = self.claim_id

    @staticmethod
    def id_for(key: str) -> UUID:
        # Derived from the receipt: two claims registering it at once collide in the store.
        return uuid5(NAMESPACE_OID, f"expense-receipt:{key}")

    @classmethod
    def register(cls, key: str, claim_id: UUID) -> Self:
        return cls._create(cls.Registered, id=cls.id_for(key), key=key, claim_id=claim_id)

    def reattach(self, claim_id: UUID, holder_status: ClaimStatus) -> None:
        # BI-25: a receipt already claimed is refused, unless its claim was rejected.
        if holder_status is not ClaimStatus.REJECTED:
            raise RuleViolation(
                "BI-25",
                "this receipt was already claimed",
                receipt=self.key,
                claim_id=str(self.claim_id),
            )
        self.trigger_event(self.Reattached, claim_id=claim_id, released_from=self.claim_id)
