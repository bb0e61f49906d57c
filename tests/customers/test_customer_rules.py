"""The customer file's rules, with their refusal paths, at the aggregate that guards them."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from uuid import uuid4

import pytest

from customers.domain.customer import APPROVAL_KIND, Customer, CustomerStatus, Grade
from kernel.approvals.domain import Approver
from kernel.approvals.matrix import AuthorityMatrix
from kernel.roles import Role
from kernel.settings import KernelSettings
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting

MATRIX = AuthorityMatrix.load(KernelSettings().authority_matrix_file)


@pytest.fixture(autouse=True)
def command_context() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def submitted(limit: str = "500") -> Customer:
    customer = Customer.register("ACME", owner_id="owner", registered_by="registrar")
    customer.submit_for_approval(Decimal(limit), "CNY", "registrar")
    customer.request_approval(
        uuid4(),
        MATRIX.rule(APPROVAL_KIND),
        1,
        "registrar",
        Decimal(limit),
        customer.approval_conditions(),
    )
    return customer


def grant(customer: Customer, step: str, user: str, role: str) -> None:
    customer.grant(step, Approver(user, frozenset({role}), customer.version_hash, "signature"))


def test_cu02_customer_is_opened_once_the_chain_has_approved() -> None:
    customer = submitted("500")
    assert customer.status is CustomerStatus.PENDING_APPROVAL
    grant(customer, "finance", "f1", "finance")  # CU-12: finance reviews the credit first
    assert customer.status is CustomerStatus.PENDING_APPROVAL
    grant(customer, "sales_manager", "m1", "sales_manager")
    assert customer.status is CustomerStatus.ACTIVE
    assert customer.credit_limit == Decimal(500)
    with pytest.raises(RuleViolation) as again:
        customer.submit_for_approval(Decimal(900), "CNY", "registrar")
    assert again.value.rule == "CU-02"


def test_cu02_cash_only_customer_needs_no_finance_step() -> None:
    customer = submitted("0")
    grant(customer, "sales_manager", "m1", "sales_manager")
    assert customer.status is CustomerStatus.ACTIVE


@pytest.mark.parametrize("approver", ["registrar", "owner"])
def test_xc05_registrar_or_owner_cannot_approve(approver: str) -> None:
    customer = submitted("0")
    with pytest.raises(RuleViolation) as refused:
        grant(customer, "sales_manager", approver, "sales_manager")
    assert refused.value.rule == "XC-05"
    assert customer.status is CustomerStatus.PENDING_APPROVAL


def test_cu12_credit_limit_cannot_be_negative() -> None:
    customer = Customer.register("ACME", owner_id="owner", registered_by="registrar")
    with pytest.raises(RuleViolation) as refused:
        customer.submit_for_approval(Decimal(-1), "CNY", "registrar")
    assert refused.value.rule == "CU-12"


def test_events_record_who_acted_in_which_conversation() -> None:
    customer = Customer.register("ACME", owner_id="o", registered_by="r")
    assert customer.collect_events()[0].meta["actor"] == "tester"


# CU-05: the grade review a trigger makes due; CU-11 with it at the reconciliation (BI-08)


def graded() -> Customer:
    customer = Customer.register("ACME", owner_id="owner", registered_by="registrar")
    customer.decide_grade(Grade.B, "ordinary demand", "m1", {Role.SALES_MANAGER})
    return customer


def test_cu_05_a_trigger_makes_the_grade_review_due_once_until_the_grade_is_decided() -> None:
    customer = graded()
    assert customer.note_grade_review_due("two complaints")
    assert customer.grade_review_due_since is not None
    assert not customer.note_grade_review_due("a third complaint")
    customer.decide_grade(Grade.B, "kept after the complaints", "m1", {Role.SALES_MANAGER})
    assert customer.grade_review_due_since is None
    assert customer.note_grade_review_due("two more complaints")


def test_cu_05_cu_11_the_reconciliation_makes_grade_and_credit_reviews_due_once() -> None:
    customer = graded()
    customer.schedule_reviews("the 2026 H2 reconciliation")
    customer.schedule_reviews("the 2026 H2 reconciliation")
    due = [
        type(e).__name__
        for e in customer.collect_events()
        if isinstance(e, Customer.GradeReviewDue | Customer.CreditReviewDue)
    ]
    assert due == ["GradeReviewDue", "CreditReviewDue"]
    assert customer.grade_review_due_since is not None
    assert customer.credit_review_due_since is not None
