"""Read tables of expenses: the claims (with those claimed without pre-approval, BI-21), each
budget line's actual spending against its budget (BI-23) and the cash advances still open, with
their age (BI-24); and the views of one claim, budget or pre-approval."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import NAMESPACE_OID, UUID, uuid5

from pydantic import AliasChoices, Field
from sqlalchemy import Connection, delete, select, update

from billing.domain.cash_advance import AdvanceAccount
from billing.domain.expense_budget import BudgetStatus, ExpenseBudget
from billing.domain.expense_claim import ClaimStatus, ExpenseClaim, PreApprovalStatus
from contracts.values import Name, UserId
from runtime.projections import Projection
from runtime.views import Money, ReadTable, View, identity

# -- BI-20, BI-21: the claims


class ExpenseClaimView(View):
    claim_id: UUID = identity("claim_id")
    employee_id: UserId
    department: Name
    budget_id: UUID
    budget_line: Name
    amount: Money
    sales_expense: bool
    without_pre_approval: bool = Field(
        description="BI-21: a sales expense claimed without the sales manager's prior approval"
    )
    over_budget: bool = Field(description="BI-23: more than remained of its budget line")
    status: ClaimStatus
    submitted_at: datetime = Field(validation_alias=AliasChoices("submitted_at", "created_on"))
    advance_netted: Money = Field(description="BI-24: cash advances settled out of it")
    paid_out: Money
    reimbursed_at: datetime | None = Field(
        description="With submitted_at, the reimbursement cycle time (RULES §8)"
    )


class ExpenseLineView(View):
    description: Name
    amount: Money
    incurred_on: date
    receipt_hash: str = Field(description="SHA-256 of the receipt's image (BI-25)")
    receipt_number: str


class ExpenseClaimDetail(ExpenseClaimView):
    lines: list[ExpenseLineView]
    pre_approval_id: UUID | None
    approved_by: UserId | None
    rejection_reason: str | None
    reimbursed_by: UserId | None


EXPENSE_CLAIMS = ReadTable(
    ExpenseClaimView,
    "expense_claims",
    sortable=("submitted_at", "amount", "reimbursed_at"),
    filters=("employee_id", "department", "status", "without_pre_approval"),
)
expense_claims = Projection("expense_claims", EXPENSE_CLAIMS.table)


@expense_claims.on(ExpenseClaim.Submitted)
def _submitted(event: ExpenseClaim.Submitted, db: Connection) -> None:
    EXPENSE_CLAIMS.insert(
        db,
        event,
        amount=sum((line.amount for line in event.lines), Decimal(0)),
        status=ClaimStatus.SUBMITTED,
        submitted_at=event.timestamp,
        advance_netted=Decimal(0),
        paid_out=Decimal(0),
        reimbursed_at=None,
    )


@expense_claims.on(ExpenseClaim.Approved)
def _approved(event: ExpenseClaim.Approved, db: Connection) -> None:
    EXPENSE_CLAIMS.update(db, event, status=ClaimStatus.APPROVED)


@expense_claims.on(ExpenseClaim.Rejected)
def _rejected(event: ExpenseClaim.Rejected, db: Connection) -> None:
    EXPENSE_CLAIMS.update(db, event, status=ClaimStatus.REJECTED)


@expense_claims.on(ExpenseClaim.Reimbursed)
def _reimbursed(event: ExpenseClaim.Reimbursed, db: Connection) -> None:
    EXPENSE_CLAIMS.update(
        db,
        event,
        status=ClaimStatus.REIMBURSED,
        advance_netted=event.advance_netted,
        paid_out=event.paid_out,
        reimbursed_at=event.timestamp,
    )


@expense_claims.on(ExpenseClaim.ForgeryFound)
def _forged(event: ExpenseClaim.ForgeryFound, db: Connection) -> None:
    EXPENSE_CLAIMS.update(db, event, status=ClaimStatus.FORGED)


# -- BI-22, BI-23: actual spending against each budget line


class BudgetAmountView(View):
    name: Name
    amount: Money


class ExpenseBudgetView(View):
    budget_id: UUID = identity("budget_id")
    department: Name
    year: int
    status: BudgetStatus
    drafted_by: UserId
    lines: list[BudgetAmountView]
    rejection_reason: str | None


class BudgetLineView(View):
    line_id: UUID
    budget_id: UUID
    department: Name
    year: int
    line: Name
    budget_status: BudgetStatus
    budgeted: Money
    spent: Money
    remaining: Money
    threshold_exceeded: bool = Field(
        description="BI-23: spending reached the share of the line finance is alerted at"
    )


BUDGET_LINES = ReadTable(
    BudgetLineView, "expense_budget_lines", sortable=("line",), filters=("budget_id", "year")
)
budget_lines = Projection("expense_budget_lines", BUDGET_LINES.table)


def _line_id(budget_id: UUID, line: str) -> UUID:
    return uuid5(NAMESPACE_OID, f"{budget_id}:{line}")


def _insert_lines(
    db: Connection,
    event: ExpenseBudget.Drafted | ExpenseBudget.Revised,
    department: str,
    year: int,
) -> None:
    budget_id: UUID = event.originator_id
    for item in event.lines:
        BUDGET_LINES.insert(
            db,
            event,
            line_id=_line_id(budget_id, item.name),
            budget_id=budget_id,
            department=department,
            year=year,
            line=item.name,
            budget_status=BudgetStatus.DRAFTED,
            budgeted=item.amount,
            spent=Decimal(0),
            remaining=item.amount,
            threshold_exceeded=False,
        )


@budget_lines.on(ExpenseBudget.Drafted)
def _drafted(event: ExpenseBudget.Drafted, db: Connection) -> None:
    _insert_lines(db, event, event.department, event.year)


@budget_lines.on(ExpenseBudget.Revised)
def _revised(event: ExpenseBudget.Revised, db: Connection) -> None:
    # The budget keeps its department and year; only its lines are drafted again.
    table = BUDGET_LINES.table
    kept = db.execute(
        select(table.c.department, table.c.year).where(table.c.budget_id == event.originator_id)
    ).first()
    assert kept is not None, "a revised budget was drafted before"
    db.execute(delete(table).where(table.c.budget_id == event.originator_id))
    _insert_lines(db, event, kept.department, kept.year)


def _set_status(db: Connection, budget_id: UUID, status: BudgetStatus) -> None:
    table = BUDGET_LINES.table
    db.execute(update(table).where(table.c.budget_id == budget_id).values(budget_status=status))


@budget_lines.on(ExpenseBudget.ApprovedByManagement)
def _in_force(event: ExpenseBudget.ApprovedByManagement, db: Connection) -> None:
    _set_status(db, event.originator_id, BudgetStatus.IN_FORCE)


@budget_lines.on(ExpenseBudget.Rejected)
def _budget_rejected(event: ExpenseBudget.Rejected, db: Connection) -> None:
    _set_status(db, event.originator_id, BudgetStatus.REJECTED)


@budget_lines.on(ExpenseBudget.ExpenseCharged)
def _charged(event: ExpenseBudget.ExpenseCharged, db: Connection) -> None:
    table = BUDGET_LINES.table
    db.execute(
        update(table)
        .where(table.c.line_id == _line_id(event.originator_id, event.line))
        .values(spent=table.c.spent + event.amount, remaining=table.c.remaining - event.amount)
    )


@budget_lines.on(ExpenseBudget.BudgetThresholdExceeded)
def _threshold(event: ExpenseBudget.BudgetThresholdExceeded, db: Connection) -> None:
    table = BUDGET_LINES.table
    db.execute(
        update(table)
        .where(table.c.line_id == _line_id(event.originator_id, event.line))
        .values(threshold_exceeded=True)
    )


# -- BI-21: the sales manager's prior approval


class PreApprovalView(View):
    pre_approval_id: UUID = identity("pre_approval_id")
    employee_id: UserId
    purpose: Name
    est_amount: Money
    status: PreApprovalStatus
    approved_by: UserId | None
    approved_at: datetime | None
    claim_id: UUID | None


# -- BI-24: cash advances


class CashAdvanceView(View):
    advance_id: UUID
    employee_id: UserId
    trip_ref: Name
    amount: Money
    outstanding: Money
    issued_at: datetime
    issued_by: UserId


class OpenAdvanceView(CashAdvanceView):
    age_days: int = Field(description="Whole days since the advance was issued")


CASH_ADVANCES = ReadTable(
    CashAdvanceView,
    "cash_advances",
    sortable=("issued_at", "outstanding"),
    filters=("employee_id",),
)
cash_advances = Projection("cash_advances", CASH_ADVANCES.table)


@cash_advances.on(AdvanceAccount.CashAdvanceIssued)
def _issued(event: AdvanceAccount.CashAdvanceIssued, db: Connection) -> None:
    # One row per advance, not per account (the event's aggregate).
    CASH_ADVANCES.insert(
        db,
        event,
        advance_id=event.advance_id,
        outstanding=event.amount,
        issued_at=event.timestamp,
    )


@cash_advances.on(AdvanceAccount.CashAdvanceSettled)
def _settled(event: AdvanceAccount.CashAdvanceSettled, db: Connection) -> None:
    table = CASH_ADVANCES.table
    db.execute(
        update(table)
        .where(table.c.advance_id == event.advance_id)
        .values(outstanding=table.c.outstanding - event.amount)
    )
