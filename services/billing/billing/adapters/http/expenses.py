"""HTTP commands and queries of expenses (BI-20…BI-25): budgets, pre-approvals, claims, cash
advances. Approvals of budgets, pre-approvals and claims go through their document routes."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from billing.application import BillingApplication
from billing.domain.expense_budget import BudgetLine
from billing.domain.expense_claim import ExpenseLine
from billing.expenses_projections import (
    BUDGET_LINES,
    CASH_ADVANCES,
    EXPENSE_CLAIMS,
    BudgetLineView,
    ExpenseBudgetView,
    ExpenseClaimDetail,
    ExpenseClaimView,
    OpenAdvanceView,
    PreApprovalView,
)
from contracts.values import Amount, Code, Day, LongText, Name, UserId
from kernel.approvals.http import document_routes
from kernel.roles import EMPLOYEES, SALES, Role
from runtime import clock
from runtime.aggregate import RuleViolation
from runtime.auth import Principal, acting_as, requires
from runtime.http import application_of
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest

router = APIRouter(tags=["expenses"])
budget_approvals = document_routes("/expense-budgets", "expense budgets")
pre_approval_approvals = document_routes("/expense-pre-approvals", "expense pre-approvals")
claim_approvals = document_routes("/expense-claims", "expense claims")

App = Annotated[BillingApplication, Depends(application_of(BillingApplication))]
Employee = Annotated[CommandContext, Depends(acting_as(*EMPLOYEES))]
Sales = Annotated[CommandContext, Depends(acting_as(*SALES))]
DepartmentHead = Annotated[
    CommandContext,
    Depends(acting_as(Role.DEPT_HEAD, Role.SALES_MANAGER, Role.UNIT_LEADER)),
]
Finance = Annotated[CommandContext, Depends(acting_as(Role.FINANCE, Role.ACCOUNTANT))]
Reader = Annotated[Principal, Depends(requires(*EMPLOYEES))]
FinanceReader = Annotated[
    Principal,
    Depends(requires(Role.FINANCE, Role.ACCOUNTANT, Role.LEADERSHIP_GM, Role.MANAGEMENT)),
]

# -- BI-22: the annual budget


class BudgetLineEntry(BaseModel):
    name: Name = Field(description="Promotion, staff pay, entertainment, travel...")
    amount: Amount


class DraftBudget(BaseModel):
    department: Name
    year: int = Field(ge=2000, le=2100)
    lines: list[BudgetLineEntry] = Field(max_length=100)


class ReviseBudget(BaseModel):
    lines: list[BudgetLineEntry] = Field(max_length=100)


def _lines(entries: list[BudgetLineEntry]) -> list[BudgetLine]:
    return [BudgetLine(entry.name, entry.amount) for entry in entries]


@router.post("/expense-budgets", status_code=201)
async def draft_expense_budget(
    context: DepartmentHead, body: DraftBudget, app: App
) -> ExpenseBudgetView:
    """The department drafts its annual budget, for finance to review and management to approve
    (BI-22)."""
    budget = await app.perform(
        app.draft_expense_budget, context, body.department, body.year, _lines(body.lines)
    )
    return ExpenseBudgetView.model_validate(budget)


@router.post("/expense-budgets/{budget_id}/revise")
async def revise_expense_budget(
    context: DepartmentHead, budget_id: UUID, body: ReviseBudget, app: App
) -> ExpenseBudgetView:
    """A budget sent back is drafted again and goes through the chain again (BI-22)."""
    budget = await app.perform(app.revise_expense_budget, context, budget_id, _lines(body.lines))
    return ExpenseBudgetView.model_validate(budget)


@router.get("/expense-budgets/{budget_id}")
def get_expense_budget(_: Reader, budget_id: UUID, app: App) -> ExpenseBudgetView:
    return ExpenseBudgetView.model_validate(app.expense_budget(budget_id))


@router.get("/expense-budget-lines")
def list_budget_lines(
    _: FinanceReader, query: Annotated[PageRequest, Depends(BUDGET_LINES.query)], app: App
) -> Page[BudgetLineView]:
    """Actual spending against each budget line (BI-23)."""
    return app.budget_lines(query)


# -- BI-21: the sales manager's prior approval


class RequestPreApproval(BaseModel):
    purpose: LongText
    est_amount: Amount


@router.post("/expense-pre-approvals", status_code=201)
async def request_expense_pre_approval(
    context: Sales, body: RequestPreApproval, app: App
) -> PreApprovalView:
    """Ask the sales manager beforehand for a selling expense (BI-21)."""
    pre = await app.perform(
        app.request_expense_pre_approval, context, body.purpose, body.est_amount
    )
    return PreApprovalView.model_validate(pre)


@router.get("/expense-pre-approvals/{pre_approval_id}")
def get_expense_pre_approval(_: Reader, pre_approval_id: UUID, app: App) -> PreApprovalView:
    return PreApprovalView.model_validate(app.expense_pre_approval(pre_approval_id))


# -- BI-20, BI-25: the claim


class ClaimedExpense(BaseModel):
    description: Name
    amount: Amount
    incurred_on: Day
    receipt_number: Code
    receipt_image_base64: str = Field(
        min_length=4,
        max_length=700_000,
        pattern=r"^[A-Za-z0-9+/]*={0,2}$",
        description="The receipt's scan, base64 (about 500 KB at most); kept by its SHA-256",
    )

    def line(self) -> ExpenseLine:
        try:
            image = base64.b64decode(self.receipt_image_base64, validate=True)
        except binascii.Error:
            raise RuleViolation("INPUT", "receipt_image_base64 is not valid base64") from None
        return ExpenseLine(
            self.description,
            self.amount,
            self.incurred_on,
            hashlib.sha256(image).hexdigest(),
            self.receipt_number,
        )


class SubmitClaim(BaseModel):
    budget_id: UUID
    budget_line: Name
    lines: list[ClaimedExpense] = Field(max_length=50)
    sales_expense: bool = False
    pre_approval_id: UUID | None = None


class DeclareForgery(BaseModel):
    evidence: LongText


@router.post("/expense-claims", status_code=201)
async def submit_expense_claim(
    context: Employee, body: SubmitClaim, app: App
) -> ExpenseClaimDetail:
    """File a reimbursement request after the expense (BI-20)."""
    claim = await app.perform(
        app.submit_expense_claim,
        context,
        body.budget_id,
        body.budget_line,
        [line.line() for line in body.lines],
        sales_expense=body.sales_expense,
        pre_approval_id=body.pre_approval_id,
    )
    return ExpenseClaimDetail.model_validate(claim)


@router.post("/expense-claims/{claim_id}/reimburse")
async def reimburse_expense_claim(context: Finance, claim_id: UUID, app: App) -> ExpenseClaimDetail:
    """Pay the approved claim, net of the claimant's open cash advances (BI-20, BI-24)."""
    claim = await app.perform(app.reimburse_expense_claim, context, claim_id)
    return ExpenseClaimDetail.model_validate(claim)


@router.post("/expense-claims/{claim_id}/over-budget")
async def request_over_budget_approval(
    context: Finance, claim_id: UUID, app: App
) -> ExpenseClaimDetail:
    """The claim's budget line no longer covers it: back through the chain, marked over budget,
    for leadership to approve knowingly (BI-23)."""
    claim = await app.perform(app.request_over_budget_approval, context, claim_id)
    return ExpenseClaimDetail.model_validate(claim)


@router.post("/expense-claims/{claim_id}/forgery")
async def declare_expense_forgery(
    context: Finance, claim_id: UUID, body: DeclareForgery, app: App
) -> ExpenseClaimDetail:
    """A document the claim was made on is forged: the claim is void and the violation is
    recorded against the claimant (BI-25)."""
    claim = await app.perform(app.declare_expense_forgery, context, claim_id, body.evidence)
    return ExpenseClaimDetail.model_validate(claim)


@router.get("/expense-claims")
def list_expense_claims(
    _: FinanceReader, query: Annotated[PageRequest, Depends(EXPENSE_CLAIMS.query)], app: App
) -> Page[ExpenseClaimView]:
    """Claims, oldest first; ``without_pre_approval=true`` lists the BI-21 exceptions."""
    return app.expense_claims(query)


@router.get("/expense-claims/{claim_id}")
def get_expense_claim(_: Reader, claim_id: UUID, app: App) -> ExpenseClaimDetail:
    return ExpenseClaimDetail.model_validate(app.expense_claim(claim_id))


# -- BI-24: cash advances


class IssueAdvance(BaseModel):
    employee_id: UserId
    amount: Amount
    trip_ref: Name = Field(description="The trip (work order, service call) it is for")
    call_id: UUID | None = Field(
        default=None, description="RULES §7 row 19: the service call of the trip, if any"
    )


class Repayment(BaseModel):
    amount: Amount


class AdvanceRef(BaseModel):
    advance_id: UUID


@router.post("/cash-advances", status_code=201)
async def issue_cash_advance(context: Finance, body: IssueAdvance, app: App) -> AdvanceRef:
    """Hand an employee a cash advance before a trip (BI-24)."""
    advance_id = await app.perform(
        app.issue_cash_advance, context, body.employee_id, body.amount, body.trip_ref, body.call_id
    )
    return AdvanceRef(advance_id=advance_id)


@router.post("/employees/{employee_id}/cash-advances/{advance_id}/repayments")
async def repay_cash_advance(
    context: Finance, employee_id: UserId, advance_id: UUID, body: Repayment, app: App
) -> AdvanceRef:
    """Record the cash an employee paid back on an advance (BI-24)."""
    await app.perform(app.repay_cash_advance, context, employee_id, advance_id, body.amount)
    return AdvanceRef(advance_id=advance_id)


@router.get("/cash-advances/open")
def list_open_advances(
    _: FinanceReader, query: Annotated[PageRequest, Depends(CASH_ADVANCES.query)], app: App
) -> Page[OpenAdvanceView]:
    """Advances not yet settled, oldest first, with their age (BI-24)."""
    return app.open_advances(query, clock.now())
