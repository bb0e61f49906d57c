"""Commands and queries of expenses (RULES §3.5 BI-20…BI-25, §4.12): the annual budget, the
sales manager's prior approval, the claim and its chain, its payment net of cash advances, and
receipts claimed once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from billing.domain.cash_advance import AdvanceAccount, Netting
from billing.domain.expense_budget import APPROVAL_KIND as BUDGET_KIND
from billing.domain.expense_budget import BudgetLine, ExpenseBudget
from billing.domain.expense_claim import (
    CLAIM_KIND,
    PRE_APPROVAL_KIND,
    ExpenseClaim,
    ExpenseLine,
    ExpensePreApproval,
    ReceiptRegistration,
)
from billing.expenses_projections import (
    BUDGET_LINES,
    CASH_ADVANCES,
    EXPENSE_CLAIMS,
    BudgetLineView,
    ExpenseClaimView,
    OpenAdvanceView,
    budget_lines,
    cash_advances,
    expense_claims,
)
from kernel.approvals import Approvals
from kernel.governance import Governance
from kernel.governance.domain import Finding, ViolationRecord
from runtime import clock
from runtime.aggregate import RuleViolation
from runtime.application import Feature, command
from runtime.ids import new_id
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest


class ExpenseCommands(Approvals, Governance):
    feature = Feature(
        "expenses",
        projections=(expense_claims, budget_lines, cash_advances),
        value_objects=(BudgetLine, ExpenseLine, Netting),
    )

    # -- BI-22: the annual budget

    def expense_budget(self, budget_id: UUID) -> ExpenseBudget:
        return self.get(ExpenseBudget, budget_id, "expense budget")

    @command
    def draft_expense_budget(
        self, context: CommandContext, department: str, year: int, lines: Sequence[BudgetLine]
    ) -> ExpenseBudget:
        """BI-22: the department drafts; finance reviews, management approves."""
        if self.find(ExpenseBudget, ExpenseBudget.id_for(department, year)) is not None:
            raise RuleViolation(
                "BI-22",
                f"{department} already has a {year} budget: revise it if it was sent back",
            )
        budget = ExpenseBudget.draft(department, year, lines, context.actor)
        self.request_approval(budget, BUDGET_KIND, context.actor)
        return budget

    @command
    def revise_expense_budget(
        self, context: CommandContext, budget_id: UUID, lines: Sequence[BudgetLine]
    ) -> ExpenseBudget:
        budget = self.expense_budget(budget_id)
        budget.revise(lines, context.actor)
        self.request_approval(budget, BUDGET_KIND, context.actor)
        return budget

    def budget_lines(self, request: PageRequest) -> Page[BudgetLineView]:
        """BI-23: actual spending against each line."""
        return self.read_models.page(BUDGET_LINES, request)

    # -- BI-21: the sales manager's prior approval

    def expense_pre_approval(self, pre_approval_id: UUID) -> ExpensePreApproval:
        return self.get(ExpensePreApproval, pre_approval_id, "expense pre-approval")

    @command
    def request_expense_pre_approval(
        self, context: CommandContext, purpose: str, est_amount: Decimal
    ) -> ExpensePreApproval:
        pre = ExpensePreApproval.request(context.actor, purpose, est_amount)
        self.request_approval(pre, PRE_APPROVAL_KIND, context.actor, est_amount)
        return pre

    # -- BI-20: the claim

    def expense_claim(self, claim_id: UUID) -> ExpenseClaim:
        return self.get(ExpenseClaim, claim_id, "expense claim")

    def expense_claims(self, request: PageRequest) -> Page[ExpenseClaimView]:
        return self.read_models.page(EXPENSE_CLAIMS, request)

    @command
    def submit_expense_claim(
        self,
        context: CommandContext,
        budget_id: UUID,
        budget_line: str,
        lines: Sequence[ExpenseLine],
        *,
        sales_expense: bool = False,
        pre_approval_id: UUID | None = None,
    ) -> ExpenseClaim:
        """BI-20: into the chain department head → finance → company leader; flagged when a
        sales expense has no covering prior approval (BI-21) or exceeds its line (BI-23)."""
        now = clock.now()
        zone = self.calendar.zone
        amount = sum((line.amount for line in lines), Decimal(0))
        budget = self.expense_budget(budget_id)
        over_budget = budget.would_exceed(budget_line, amount)
        claim_id = new_id()
        covered = False
        if pre_approval_id is not None and lines:
            covered = self.expense_pre_approval(pre_approval_id).use(
                claim_id,
                context.actor,
                amount,
                min(line.incurred_on for line in lines),
                zone,
            )
        claim = ExpenseClaim.submit(
            claim_id,
            context.actor,
            budget.department,
            budget_id,
            budget_line,
            lines,
            now.astimezone(zone).date(),
            sales_expense=sales_expense,
            pre_approval_id=pre_approval_id,
            without_pre_approval=sales_expense and not covered,
            over_budget=over_budget,
        )
        self._register_receipts(claim)
        self.request_approval(
            claim, CLAIM_KIND, context.actor, claim.amount, claim.approval_conditions()
        )
        return claim

    def _register_receipts(self, claim: ExpenseClaim) -> None:
        # BI-25: a receipt already used on a claim that was not rejected is refused.
        for key in claim.receipt_keys():
            registration = self.find(ReceiptRegistration, ReceiptRegistration.id_for(key))
            if registration is None:
                ReceiptRegistration.register(key, claim.id)
            else:
                holder = self.expense_claim(registration.claim_id)
                registration.reattach(claim.id, holder.status)

    @command
    def reimburse_expense_claim(self, context: CommandContext, claim_id: UUID) -> ExpenseClaim:
        """BI-20: finance pays the approved claim, net of open advances (BI-24), and charges
        its budget line (BI-23)."""
        claim = self.expense_claim(claim_id)
        claim.reimburse(
            context.actor,
            context.roles,
            self.find(AdvanceAccount, AdvanceAccount.id_for(claim.employee_id)),
        )
        parameters = self.rule_parameters()
        self.expense_budget(claim.budget_id).charge(
            claim.id,
            claim.budget_line,
            claim.amount,
            claim.over_budget,
            parameters.expenses.budget_alert_percent,
            parameters.version,
        )
        return claim

    @command
    def request_over_budget_approval(self, context: CommandContext, claim_id: UUID) -> ExpenseClaim:
        """BI-23: an approved claim its line no longer covers goes through the chain again,
        marked over budget, for leadership to approve knowingly."""
        claim = self.expense_claim(claim_id)
        budget = self.expense_budget(claim.budget_id)
        claim.declare_over_budget(
            context.actor, budget.would_exceed(claim.budget_line, claim.amount)
        )
        self.request_approval(
            claim, CLAIM_KIND, claim.employee_id, claim.amount, claim.approval_conditions()
        )
        return claim

    @command
    def declare_expense_forgery(
        self, context: CommandContext, claim_id: UUID, evidence: str
    ) -> ExpenseClaim:
        """BI-25: a forged document voids the claim and is recorded against the claimant as a
        dismissal offence (XC-08), with what was paid on it as the loss."""
        claim = self.expense_claim(claim_id)
        claim.declare_forged(context.actor, evidence)
        evidence_ref = f"expense claim {claim.id}: {evidence}"
        ViolationRecord.record(
            Finding("BI-25", claim.employee_id, evidence_ref, claim.paid_out, "CNY"),
            context.actor,
        )
        return claim

    # -- BI-24: cash advances

    def advance_account(self, employee_id: str) -> AdvanceAccount:
        return self.get(AdvanceAccount, AdvanceAccount.id_for(employee_id), "advance account")

    @command
    def issue_cash_advance(
        self,
        context: CommandContext,
        employee_id: str,
        amount: Decimal,
        trip_ref: str,
        call_id: UUID | None = None,
    ) -> UUID:
        """BI-24; RULES §7 row 19: ``call_id``, the service call of the trip, for service-desk."""
        account = self.find(
            AdvanceAccount, AdvanceAccount.id_for(employee_id)
        ) or AdvanceAccount.open(employee_id)
        advance_id = new_id()
        account.issue(advance_id, amount, trip_ref, context.actor, call_id)
        return advance_id

    @command
    def repay_cash_advance(
        self, context: CommandContext, employee_id: str, advance_id: UUID, amount: Decimal
    ) -> AdvanceAccount:
        account = self.advance_account(employee_id)
        account.repay(advance_id, amount, context.actor)
        return account

    def open_advances(self, request: PageRequest, as_of: datetime) -> Page[OpenAdvanceView]:
        """BI-24: advances not yet settled, with their age."""
        page = self.read_models.page(
            CASH_ADVANCES, request, CASH_ADVANCES.table.c.outstanding > Decimal(0)
        )
        return Page[OpenAdvanceView](
            items=[
                OpenAdvanceView(**item.model_dump(), age_days=(as_of - item.issued_at).days)
                for item in page.items
            ],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )
