"""The expense rules at the aggregates that guard them, allowed and refused: the claim's chain
(BI-20, C6), the sales manager's prior approval (BI-21), the annual budget (BI-22) and spending
against it (BI-23), cash advances netted off reimbursements (BI-24) and receipts claimed once,
forgeries voiding the claim (BI-25)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from billing.domain.cash_advance import AdvanceAccount, Netting
from billing.domain.expense_budget import (
    APPROVAL_KIND as BUDGET_KIND,
)
from billing.domain.expense_budget import (
    BudgetLine,
    BudgetStatus,
    ExpenseBudget,
)
from billing.domain.expense_claim import (
    CLAIM_KIND,
    PRE_APPROVAL_KIND,
    ClaimStatus,
    ExpenseClaim,
    ExpenseLine,
    ExpensePreApproval,
    PreApprovalStatus,
    ReceiptRegistration,
)
from kernel.approvals.domain import Approvable, Approver
from kernel.approvals.matrix import AuthorityMatrix
from kernel.roles import Role
from kernel.settings import KernelSettings
from runtime import clock
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting

MATRIX = AuthorityMatrix.load(KernelSettings().authority_matrix_file)
TODAY = clock.now().astimezone(UTC).date()


@pytest.fixture(autouse=True)
def command_context() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def request(document: Approvable, kind: str, conditions: tuple[str, ...] = ()) -> None:
    document.request_approval(uuid4(), MATRIX.rule(kind), 1, "requester", None, conditions)


def decide(document: Approvable, user: str, role: str, reject: str = "") -> None:
    approval = document.approval
    assert approval is not None
    step = approval.next_step()
    assert step is not None
    approver = Approver(user, frozenset({role}), document.version_hash, "signature")
    if reject:
        document.reject(step.step.name, approver, reject)
    else:
        document.grant(step.step.name, approver)


def steps(document: Approvable) -> list[str]:
    approval = document.approval
    assert approval is not None
    return [state.step.name for state in approval.steps]


def budget_in_force(travel: str = "1000") -> ExpenseBudget:
    budget = ExpenseBudget.draft(
        "service", 2026, [BudgetLine("travel", Decimal(travel))], "dept-head"
    )
    request(budget, BUDGET_KIND)
    decide(budget, "finance", Role.FINANCE)
    decide(budget, "management", Role.MANAGEMENT)
    return budget


def line(amount: str, receipt: str = "r1", incurred_on: date = TODAY) -> ExpenseLine:
    return ExpenseLine("taxi", Decimal(amount), incurred_on, receipt * 8, f"No.{receipt}")


def claim(
    *lines: ExpenseLine,
    employee: str = "technician",
    sales_expense: bool = False,
    without_pre_approval: bool = False,
    over_budget: bool = False,
) -> ExpenseClaim:
    submitted = ExpenseClaim.submit(
        uuid4(),
        employee,
        "service",
        uuid4(),
        "travel",
        lines or (line("100"),),
        TODAY,
        sales_expense=sales_expense,
        pre_approval_id=None,
        without_pre_approval=without_pre_approval,
        over_budget=over_budget,
    )
    request(submitted, CLAIM_KIND, submitted.approval_conditions())
    return submitted


def approved(submitted: ExpenseClaim) -> ExpenseClaim:
    decide(submitted, "dept-head", Role.DEPT_HEAD)
    decide(submitted, "finance", Role.FINANCE)
    decide(submitted, "gm", Role.LEADERSHIP_GM)
    return submitted


# -- BI-20: department head → finance → company leader, then payment


def test_bi_20_claim_is_paid_only_after_department_head_finance_and_leader() -> None:
    submitted = claim(line("120.50"), line("30", "r2"))
    assert steps(submitted) == ["dept_head", "finance", "leadership"]
    assert submitted.amount == Decimal("150.50")
    decide(submitted, "dept-head", Role.DEPT_HEAD)
    decide(submitted, "finance", Role.FINANCE)
    with pytest.raises(RuleViolation) as unpaid:
        submitted.reimburse("accountant", ["accountant"], None)
    assert unpaid.value.rule == "BI-20"
    decide(submitted, "gm", Role.LEADERSHIP_GM)
    assert (submitted.status, submitted.approved_by) == (ClaimStatus.APPROVED, "gm")
    submitted.reimburse("accountant", ["accountant"], None)
    assert (submitted.status, submitted.paid_out) == (ClaimStatus.REIMBURSED, Decimal("150.50"))
    with pytest.raises(RuleViolation) as twice:
        submitted.reimburse("accountant", ["accountant"], None)
    assert twice.value.rule == "BI-20"


def test_bi_20_c6_the_unit_leader_acts_as_department_head_but_finance_does_not() -> None:
    submitted = claim()
    with pytest.raises(RuleViolation) as not_head:
        decide(submitted, "finance", Role.FINANCE)
    assert not_head.value.rule == "XC-07"
    decide(submitted, "unit-leader", Role.UNIT_LEADER)
    assert steps(submitted)[0] == "dept_head"


def test_bi_20_a_rejected_claim_records_why_and_is_never_paid() -> None:
    submitted = claim()
    decide(submitted, "dept-head", Role.DEPT_HEAD)
    decide(submitted, "finance", Role.FINANCE, reject="no trip on record that day")
    assert (submitted.status, submitted.rejection_reason) == (
        ClaimStatus.REJECTED,
        "no trip on record that day",
    )
    with pytest.raises(RuleViolation) as refused:
        submitted.reimburse("accountant", ["accountant"], None)
    assert refused.value.rule == "BI-20"


@pytest.mark.parametrize(
    "lines",
    [(), (line("0"),), (line("10", incurred_on=TODAY + timedelta(days=1)),)],
    ids=["no expense", "nothing spent", "not yet incurred"],
)
def test_bi_20_a_claim_lists_positive_expenses_already_incurred(
    lines: tuple[ExpenseLine, ...],
) -> None:
    with pytest.raises(RuleViolation) as refused:
        ExpenseClaim.submit(
            uuid4(),
            "technician",
            "service",
            uuid4(),
            "travel",
            lines,
            TODAY,
            sales_expense=False,
            pre_approval_id=None,
            without_pre_approval=False,
            over_budget=False,
        )
    assert refused.value.rule == "BI-20"


def test_bi_20_nobody_pays_their_own_claim() -> None:
    with pytest.raises(RuleViolation) as refused:
        approved(claim(employee="accountant")).reimburse("accountant", ["accountant"], None)
    assert refused.value.rule == "XC-05"


# -- BI-21: the sales manager's prior approval


def pre_approved(employee: str = "salesperson", estimate: str = "500") -> ExpensePreApproval:
    pre = ExpensePreApproval.request(employee, "dinner with ACME's buyer", Decimal(estimate))
    request(pre, PRE_APPROVAL_KIND)
    decide(pre, "sales-manager", Role.SALES_MANAGER)
    return pre


def test_bi_21_a_pre_approved_sales_expense_goes_the_ordinary_chain() -> None:
    pre = pre_approved()
    assert (pre.status, pre.approved_by) == (PreApprovalStatus.APPROVED, "sales-manager")
    claim_id = uuid4()
    assert pre.use(claim_id, "salesperson", Decimal("480"), TODAY, UTC)
    assert (pre.status, pre.claim_id) == (PreApprovalStatus.USED, claim_id)
    ordinary = claim(employee="salesperson", sales_expense=True)
    assert steps(ordinary) == ["dept_head", "finance", "leadership"]


def test_bi_21_a_pre_approval_given_after_the_expense_or_below_it_does_not_cover() -> None:
    yesterday = TODAY - timedelta(days=1)
    assert not pre_approved().use(uuid4(), "salesperson", Decimal("100"), yesterday, UTC)
    assert not pre_approved().use(uuid4(), "salesperson", Decimal("501"), TODAY, UTC)


def test_bi_21_without_pre_approval_is_flagged_and_the_sales_manager_approves_first() -> None:
    flagged = claim(employee="salesperson", sales_expense=True, without_pre_approval=True)
    assert steps(flagged) == ["sales_manager_exception", "dept_head", "finance", "leadership"]
    with pytest.raises(RuleViolation) as not_manager:
        decide(flagged, "dept-head", Role.DEPT_HEAD)
    assert not_manager.value.rule == "XC-07"
    decide(flagged, "sales-manager", Role.SALES_MANAGER)
    decide(flagged, "dept-head", Role.DEPT_HEAD)
    decide(flagged, "finance", Role.FINANCE)
    decide(flagged, "gm", Role.LEADERSHIP_GM)
    assert flagged.status is ClaimStatus.APPROVED


def test_bi_21_refuses_a_pre_approval_not_granted_not_ones_own_or_used() -> None:
    pending = ExpensePreApproval.request("salesperson", "trade fair stand", Decimal("900"))
    request(pending, PRE_APPROVAL_KIND)
    used = pre_approved()
    used.use(uuid4(), "salesperson", Decimal("10"), TODAY, UTC)
    for pre, employee in (
        (pending, "salesperson"),
        (pre_approved(), "salesperson-2"),
        (used, "salesperson"),
    ):
        with pytest.raises(RuleViolation) as refused:
            pre.use(uuid4(), employee, Decimal("10"), TODAY, UTC)
        assert refused.value.rule == "BI-21"


# -- BI-22: the annual budget


def test_bi_22_budget_is_in_force_once_finance_reviewed_and_management_approved() -> None:
    budget = ExpenseBudget.draft("service", 2026, [BudgetLine("travel", Decimal(900))], "dh")
    request(budget, BUDGET_KIND)
    assert steps(budget) == ["finance_review", "management"]
    decide(budget, "finance", Role.FINANCE)
    with pytest.raises(RuleViolation) as not_yet:
        budget.would_exceed("travel", Decimal(1))
    assert not_yet.value.rule == "BI-22"
    decide(budget, "management", Role.MANAGEMENT)
    assert budget.status is BudgetStatus.IN_FORCE
    assert not budget.would_exceed("travel", Decimal(900))


def test_bi_22_a_budget_sent_back_is_revised_and_reviewed_again() -> None:
    budget = ExpenseBudget.draft("service", 2026, [BudgetLine("travel", Decimal(900))], "dh")
    request(budget, BUDGET_KIND)
    with pytest.raises(RuleViolation) as not_rejected:
        budget.revise([BudgetLine("travel", Decimal(800))], "dh")
    assert not_rejected.value.rule == "BI-22"
    decide(budget, "finance", Role.FINANCE, reject="travel is twice last year's")
    assert (budget.status, budget.rejection_reason) == (
        BudgetStatus.REJECTED,
        "travel is twice last year's",
    )
    budget.revise([BudgetLine("travel", Decimal(450))], "dh")
    request(budget, BUDGET_KIND)
    assert budget.status is BudgetStatus.DRAFTED
    assert budget.lines == (BudgetLine("travel", Decimal(450)),)


@pytest.mark.parametrize(
    "lines",
    [
        [],
        [BudgetLine("travel", Decimal(1)), BudgetLine("travel", Decimal(2))],
        [BudgetLine("travel", Decimal(0))],
    ],
)
def test_bi_22_a_budget_has_named_positive_lines(lines: list[BudgetLine]) -> None:
    with pytest.raises(RuleViolation) as refused:
        ExpenseBudget.draft("service", 2026, lines, "dh")
    assert refused.value.rule == "BI-22"


# -- BI-23: spending against the budget


def charged_events(budget: ExpenseBudget) -> list[object]:
    return [
        e
        for e in budget.collect_events()
        if isinstance(e, ExpenseBudget.ExpenseCharged | ExpenseBudget.BudgetThresholdExceeded)
    ]


def test_bi_23_spending_is_charged_and_finance_alerted_once_when_crossing_the_threshold() -> None:
    budget = budget_in_force("1000")
    budget.collect_events()
    budget.charge(uuid4(), "travel", Decimal(700), False, 80, 1)
    assert [type(e) for e in charged_events(budget)] == [ExpenseBudget.ExpenseCharged]
    budget.charge(uuid4(), "travel", Decimal(100), False, 80, 1)
    crossing = charged_events(budget)
    assert isinstance(crossing[1], ExpenseBudget.BudgetThresholdExceeded)
    assert (
        crossing[1].spent,
        crossing[1].threshold_percent,
        crossing[1].rule_parameters_version,
    ) == (Decimal(800), 80, 1)
    budget.charge(uuid4(), "travel", Decimal(100), False, 80, 1)
    assert len(charged_events(budget)) == 1
    assert budget.remaining("travel") == Decimal(100)


def test_bi_23_over_the_line_only_with_leaderships_over_budget_approval() -> None:
    budget = budget_in_force("1000")
    assert budget.would_exceed("travel", Decimal("1000.01"))
    with pytest.raises(RuleViolation) as refused:
        budget.charge(uuid4(), "travel", Decimal("1000.01"), False, 80, 1)
    assert refused.value.rule == "BI-23"
    budget.charge(uuid4(), "travel", Decimal("1000.01"), True, 80, 1)
    assert budget.remaining("travel") == Decimal("-0.01")
    with pytest.raises(RuleViolation) as no_line:
        budget.would_exceed("entertainment", Decimal(1))
    assert no_line.value.rule == "BI-23"


def test_bi_23_an_approved_claim_its_line_no_longer_covers_is_approved_again_over_budget() -> None:
    within = approved(claim())
    with pytest.raises(RuleViolation) as still_covered:
        within.declare_over_budget("finance", line_exceeded=False)
    assert still_covered.value.rule == "BI-23"
    within.declare_over_budget("finance", line_exceeded=True)
    assert (within.status, within.over_budget) == (ClaimStatus.SUBMITTED, True)
    invalidated = within.approval
    assert invalidated is not None and invalidated.status == "invalidated"
    request(within, CLAIM_KIND, within.approval_conditions())
    approved(within)
    assert within.status is ClaimStatus.APPROVED
    with pytest.raises(RuleViolation) as twice:
        within.declare_over_budget("finance", line_exceeded=True)
    assert twice.value.rule == "BI-23"


def test_bi_23_a_claim_over_budget_tells_the_chain() -> None:
    assert claim(over_budget=True).approval_conditions() == ("over_budget",)
    assert claim().approval_conditions() == ()


# -- BI-24: cash advances


def account_with(*amounts: str) -> tuple[AdvanceAccount, list[UUID]]:
    account = AdvanceAccount.open("technician")
    ids = [uuid4() for _ in amounts]
    for advance_id, amount in zip(ids, amounts, strict=True):
        account.issue(advance_id, Decimal(amount), "call 42 Ningbo", "accountant")
    return account, ids


def test_bi_24_open_advances_are_netted_oldest_first_off_the_reimbursement() -> None:
    account, (first, second) = account_with("300", "400")
    paid = approved(claim(line("500")))
    paid.reimburse("accountant", ["accountant"], account)
    assert (paid.advance_netted, paid.paid_out) == (Decimal(500), Decimal(0))
    assert account.advances[first].outstanding == Decimal(0)
    assert account.advances[second].outstanding == Decimal(200)
    account.repay(second, Decimal(200), "accountant")
    assert account.outstanding == Decimal(0)


def test_bi_24_what_the_advances_do_not_cover_is_paid_out() -> None:
    account, (advance,) = account_with("300")
    paid = approved(claim(line("500")))
    paid.reimburse("accountant", ["accountant"], account)
    reimbursed = [e for e in paid.collect_events() if isinstance(e, ExpenseClaim.Reimbursed)]
    assert reimbursed[0].nettings == (Netting(advance, Decimal(300)),)
    assert (paid.advance_netted, paid.paid_out) == (Decimal(300), Decimal(200))


def test_bi_24_advances_are_positive_for_a_trip_repaid_within_what_is_open() -> None:
    account, (advance,) = account_with("300")
    refusals = [
        (lambda: account.issue(uuid4(), Decimal(0), "trip", "accountant"), "BI-24"),
        (lambda: account.issue(uuid4(), Decimal(10), " ", "accountant"), "BI-24"),
        (lambda: account.issue(uuid4(), Decimal(10), "trip", "technician"), "XC-05"),
        (lambda: account.repay(advance, Decimal("300.01"), "accountant"), "BI-24"),
        (lambda: account.repay(uuid4(), Decimal(1), "accountant"), "BI-24"),
    ]
    for attempt, rule in refusals:
        with pytest.raises(RuleViolation) as refused:
            attempt()
        assert refused.value.rule == rule


# -- BI-25: receipts claimed once; forgeries


def test_bi_25_a_receipt_is_claimed_once_unless_its_claim_was_rejected() -> None:
    first = uuid4()
    registration = ReceiptRegistration.register("sha256:abc", first)
    assert ReceiptRegistration.id_for("sha256:abc") == registration.id
    with pytest.raises(RuleViolation) as refused:
        registration.reattach(uuid4(), ClaimStatus.APPROVED)
    assert refused.value.rule == "BI-25"
    assert refused.value.details["claim_id"] == str(first)
    second = uuid4()
    registration.reattach(second, ClaimStatus.REJECTED)
    assert registration.claim_id == second


def test_bi_25_the_same_receipt_twice_in_one_claim_is_refused() -> None:
    with pytest.raises(RuleViolation) as refused:
        claim(line("1", "r1"), line("2", "r1"))
    assert refused.value.rule == "BI-25"
    assert claim(line("1", "r1"), line("2", "r2")).receipt_keys() == [
        "sha256:" + "r1" * 8,
        "number:No.r1",
        "sha256:" + "r2" * 8,
        "number:No.r2",
    ]


def test_bi_25_a_forged_claim_is_void_even_if_its_chain_completes() -> None:
    forged = claim()
    with pytest.raises(RuleViolation) as own:
        forged.declare_forged("technician", "own claim")
    assert own.value.rule == "XC-05"
    with pytest.raises(RuleViolation) as no_evidence:
        forged.declare_forged("finance", " ")
    assert no_evidence.value.rule == "BI-25"
    forged.declare_forged("finance", "the hotel has no such invoice number")
    approved(forged)
    assert forged.status is ClaimStatus.FORGED
    with pytest.raises(RuleViolation) as unpaid:
        forged.reimburse("accountant", ["accountant"], None)
    assert unpaid.value.rule == "BI-20"
