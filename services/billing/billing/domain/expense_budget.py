"""The annual expense budget (BI-22, 服務推銷費用預算) and the spending finance charges against
it (BI-23): drafted by the department, reviewed by finance, in force once management approves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self
from uuid import NAMESPACE_OID, UUID, uuid5

from kernel.approvals.domain import Approvable, ApprovalState, StepStatus
from runtime.aggregate import RuleViolation

APPROVAL_KIND = "expense_budget"


@dataclass(frozen=True)
class BudgetLine:
    """One line of the budget (promotion, staff pay, entertainment, travel...) and its amount."""

    name: str
    amount: Decimal


class BudgetStatus(StrEnum):
    DRAFTED = "drafted"
    IN_FORCE = "in_force"
    REJECTED = "rejected"


class ExpenseBudget(Approvable):
    document_type = "expense_budget"

    def __init__(self) -> None:
        self.department: str
        self.year: int
        self.lines: tuple[BudgetLine, ...]
        self.drafted_by: str
        self.status = BudgetStatus.DRAFTED
        self.spent: dict[str, Decimal] = {}
        self.rejection_reason: str | None = None

    class Drafted(Approvable.Created):
        department: str
        year: int
        lines: tuple[BudgetLine, ...]
        drafted_by: str

    class Revised(Approvable.Event):
        """BI-22: a budget sent back is drafted again and goes through the chain again."""

        lines: tuple[BudgetLine, ...]
        revised_by: str

        def apply(self, budget: ExpenseBudget) -> None:
            budget.lines, budget.status = self.lines, BudgetStatus.DRAFTED

    class ApprovedByManagement(Approvable.Event):
        approved_by: str

        def apply(self, budget: ExpenseBudget) -> None:
            budget.status = BudgetStatus.IN_FORCE

    class Rejected(Approvable.Event):
        rejected_by: str
        reason: str

        def apply(self, budget: ExpenseBudget) -> None:
            budget.status, budget.rejection_reason = BudgetStatus.REJECTED, self.reason

    class ExpenseCharged(Approvable.Event):
        """BI-23: a reimbursed claim spent this much of a line."""

        claim_id: UUID
        line: str
        amount: Decimal

        def apply(self, budget: ExpenseBudget) -> None:
            budget.spent[self.line] = budget.spent.get(self.line, Decimal(0)) + self.amount

    class BudgetThresholdExceeded(Approvable.Event):
        """BI-23: a line's spending reached the share of its budget finance is alerted at."""

        line: str
        budgeted: Decimal
        spent: Decimal
        threshold_percent: int
        rule_parameters_version: int
        """The rule parameters (XC-07) the threshold was read from."""

    @staticmethod
    def id_for(department: str, year: int) -> UUID:
        # One budget per department and year: a second draft collides, never doubles.
        return uuid5(NAMESPACE_OID, f"expense-budget:{department}:{year}")

    @classmethod
    def draft(
        cls, department: str, year: int, lines: Sequence[BudgetLine], drafted_by: str
    ) -> Self:
        if not department.strip():
            raise RuleViolation("BI-22", "a budget is drafted by a named department")
        return cls._create(
            cls.Drafted,
            id=cls.id_for(department, year),
            department=department,
            year=year,
            lines=_checked(lines),
            drafted_by=drafted_by,
        )

    def revise(self, lines: Sequence[BudgetLine], revised_by: str) -> None:
        # BI-22: only a budget sent back is drafted again; one in force is what finance monitors.
        if self.status is not BudgetStatus.REJECTED:
            raise RuleViolation(
                "BI-22", "only a budget sent back is revised", status=self.status.value
            )
        self.trigger_event(self.Revised, lines=_checked(lines), revised_by=revised_by)

    def approval_content(self) -> Mapping[str, Any]:
        return {
            "department": self.department,
            "year": self.year,
            "lines": [[line.name, str(line.amount)] for line in self.lines],
        }

    def interested_parties(self) -> set[str]:
        return {self.drafted_by}

    def on_approved(self, approval: ApprovalState) -> None:
        self.trigger_event(
            self.ApprovedByManagement, approved_by=approval.steps[-1].decided_by or ""
        )

    def on_rejected(self, approval: ApprovalState, reason: str) -> None:
        rejecting = next(s for s in approval.steps if s.status is StepStatus.REJECTED)
        self.trigger_event(self.Rejected, rejected_by=rejecting.decided_by or "", reason=reason)

    # -- BI-23: spending against the budget

    def budgeted(self, line: str) -> Decimal:
        found = next((item.amount for item in self.lines if item.name == line), None)
        if found is None:
            raise RuleViolation(
                "BI-23",
                f"the {self.year} budget of {self.department} has no line {line!r}",
                lines=[item.name for item in self.lines],
            )
        return found

    def remaining(self, line: str) -> Decimal:
        return self.budgeted(line) - self.spent.get(line, Decimal(0))

    def would_exceed(self, line: str, amount: Decimal) -> bool:
        """Whether claiming ``amount`` on ``line`` needs an over-budget approval (BI-23); only a
        budget in force takes claims (BI-22)."""
        if self.status is not BudgetStatus.IN_FORCE:
            raise RuleViolation(
                "BI-22",
                "expenses are claimed only against a budget management has approved",
                status=self.status.value,
            )
        return amount > self.remaining(line)

    def charge(
        self,
        claim_id: UUID,
        line: str,
        amount: Decimal,
        over_budget_approved: bool,
        threshold_percent: int,
        rule_parameters_version: int,
    ) -> None:
        # BI-23: spending stays within the line unless leadership approved the claim over it.
        if self.would_exceed(line, amount) and not over_budget_approved:
            raise RuleViolation(
                "BI-23",
                "the claim exceeds what remains of its budget line and leadership did not "
                "approve it as over budget: send it back for an over-budget approval",
                remaining=str(self.remaining(line)),
                amount=str(amount),
            )
        budgeted = self.budgeted(line)
        alert_at = budgeted * threshold_percent / 100
        before = self.spent.get(line, Decimal(0))
        self.trigger_event(self.ExpenseCharged, claim_id=claim_id, line=line, amount=amount)
        if before < alert_at <= before + amount:
            self.trigger_event(
                self.BudgetThresholdExceeded,
                line=line,
                budgeted=budgeted,
                spent=before + amount,
                threshold_percent=threshold_percent,
                rule_parameters_version=rule_parameters_version,
            )


def _checked(lines: Sequence[BudgetLine]) -> tuple[BudgetLine, ...]:
    # BI-22: a budget has lines, each named once, each for a positive amount.
    if not lines:
        raise RuleViolation("BI-22", "a budget has at least one line")
    names = [line.name for line in lines]
    if len(set(names)) != len(names) or not all(name.strip() for name in names):
        raise RuleViolation("BI-22", "each budget line has its own name", lines=names)
    if any(line.amount <= 0 for line in lines):
        raise RuleViolation("BI-22", "each budget line is for a positive amount")
    return tuple(lines)
