"""The customer file's content (CU-01), its grade (CU-03, CU-05) and its owners (CU-15), allowed
and refused, at the aggregate that guards them."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from uuid import uuid4

import pytest

from customers.domain.customer import (
    APPROVAL_KIND,
    MAX_CONTACTS,
    MAX_PREMISES,
    Contact,
    Customer,
    Grade,
)
from kernel.approvals.domain import ApprovalStatus
from kernel.approvals.matrix import AuthorityMatrix
from kernel.roles import Role
from kernel.settings import KernelSettings
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting

MANAGER = frozenset({Role.SALES_MANAGER})
SALESPERSON = frozenset({Role.SALESPERSON})
ALICE = Contact("Alice Wang", "Purchasing manager", "+86 21 5555 0101")


@pytest.fixture(autouse=True)
def command_context() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def registered() -> Customer:
    return Customer.register("ACME", owner_id="owner", registered_by="registrar")


def graded(grade: Grade = Grade.B) -> Customer:
    customer = registered()
    customer.decide_grade(grade, "survey of Q1", "manager", MANAGER)
    return customer


def refused(rule: str, excinfo: pytest.ExceptionInfo[RuleViolation]) -> None:
    assert excinfo.value.rule == rule, excinfo.value


# CU-01: the file's content and the importance flag


def test_cu01_sales_record_what_they_learn_section_by_section() -> None:
    customer = registered()
    customer.record_file(
        "salesperson",
        org_structure="Holding with two plants",
        contacts=[ALICE],
        premises=["1 Harbour Road, Ningbo"],
        industry_standing="Second-largest valve maker in the region",
    )
    customer.record_file("sales-clerk", business_notes="Pays in 60 days; expanding line 2")
    assert customer.org_structure == "Holding with two plants"  # kept: not given the second time
    assert customer.contacts == (ALICE,)
    assert customer.premises == ("1 Harbour Road, Ningbo",)
    assert customer.industry_standing.startswith("Second-largest")
    assert customer.business_notes == "Pays in 60 days; expanding line 2"
    recorded = [e for e in customer.collect_events() if isinstance(e, Customer.FileRecorded)]
    assert [e.recorded_by for e in recorded] == ["salesperson", "sales-clerk"]


def test_cu01_customer_is_flagged_important_or_not() -> None:
    customer = registered()
    assert customer.important is False
    customer.flag_importance(True, "salesperson")
    customer.flag_importance(True, "salesperson")  # no news: nothing recorded
    assert customer.important is True
    flags = [e for e in customer.collect_events() if isinstance(e, Customer.ImportanceFlagged)]
    assert [(e.important, e.flagged_by) for e in flags] == [(True, "salesperson")]
    customer.flag_importance(False, "sales-clerk")
    assert customer.important is False


@pytest.mark.parametrize(
    ("contacts", "premises"),
    [
        ([ALICE] * 2, None),
        ([Contact(f"P{i}", "staff", f"555-{i:04}") for i in range(MAX_CONTACTS + 1)], None),
        ([Contact("  ", "buyer", "555-0000")], None),
        ([Contact("Bob", "buyer", " ")], None),
        (None, [f"Plant {i}" for i in range(MAX_PREMISES + 1)]),
        (None, ["Plant 1", "Plant 1"]),
        (None, ["   "]),
    ],
    ids=["repeated", "too-many-contacts", "unnamed", "no-phone", "too-many", "twice", "blank"],
)
def test_cu01_refuses_an_unbounded_or_unusable_file(
    contacts: list[Contact] | None, premises: list[str] | None
) -> None:
    customer = registered()
    with pytest.raises(RuleViolation) as excinfo:
        customer.record_file("salesperson", contacts=contacts, premises=premises)
    refused("CU-01", excinfo)
    assert customer.contacts == () and customer.premises == ()
    assert not [e for e in customer.collect_events() if isinstance(e, Customer.FileRecorded)]


# CU-03: a salesperson proposes the grade, the sales manager assigns it


def test_cu03_salesperson_proposes_and_sales_manager_assigns_the_grade() -> None:
    customer = registered()
    customer.propose_grade(Grade.A, "Urgent tender for 40 pumps", "salesperson")
    assert (customer.grade, customer.proposed_grade) == (None, Grade.A)
    customer.decide_grade(Grade.A, "", "manager", MANAGER)
    assert (customer.grade, customer.proposed_grade, customer.proposed_by) == (Grade.A, None, None)
    assert customer.grade_decided_by == "manager"
    assert customer.grade_decided_at is not None
    changed = [e for e in customer.collect_events() if isinstance(e, Customer.GradeChanged)]
    assert [(e.old_grade, e.new_grade) for e in changed] == [(None, "A")]


def test_cu03_salesperson_cannot_set_grade() -> None:
    customer = registered()
    with pytest.raises(RuleViolation) as excinfo:
        customer.decide_grade(Grade.A, "I say so", "salesperson", SALESPERSON)
    refused("CU-03", excinfo)
    assert customer.grade is None


def test_cu03_a_proposal_gives_its_reasons() -> None:
    customer = registered()
    with pytest.raises(RuleViolation) as excinfo:
        customer.propose_grade(Grade.B, "  ", "salesperson")
    refused("CU-03", excinfo)
    assert customer.proposed_grade is None


def test_cu04_grade_is_kept_apart_from_the_credit_limit() -> None:
    customer = graded(Grade.C)
    customer.submit_for_approval(Decimal(900), "CNY", "registrar")
    assert (customer.grade, customer.credit_limit) == (Grade.C, Decimal(900))
    customer.decide_grade(Grade.A, "large urgent order announced", "manager", MANAGER)
    assert customer.credit_limit == Decimal(900)


# CU-05: upgrades, downgrades and reviews are the sales manager's decision, with reasons


def test_cu05_sales_manager_changes_the_grade_with_a_reason() -> None:
    customer = graded(Grade.B)
    customer.propose_grade(Grade.A, "Volume doubled this quarter", "owner")
    customer.decide_grade(Grade.A, "Volume doubled; urgent expansion", "manager-2", MANAGER)
    changed = [e for e in customer.collect_events() if isinstance(e, Customer.GradeChanged)]
    assert [(e.old_grade, e.new_grade, e.decided_by) for e in changed] == [
        (None, "B", "manager"),
        ("B", "A", "manager-2"),
    ]
    assert (customer.grade_reason, customer.grade_decided_by) == (
        "Volume doubled; urgent expansion",
        "manager-2",
    )
    customer.decide_grade(Grade.C, "Project cancelled", "manager", MANAGER)  # downgrade
    assert customer.grade is Grade.C


def test_cu05_a_review_that_keeps_the_grade_is_recorded() -> None:
    customer = graded(Grade.B)
    first = customer.grade_decided_at
    customer.decide_grade(Grade.B, "Quarterly review: demand unchanged", "manager", MANAGER)
    reviewed = [e for e in customer.collect_events() if isinstance(e, Customer.GradeReviewed)]
    assert [(e.grade, e.reason) for e in reviewed] == [("B", "Quarterly review: demand unchanged")]
    assert customer.grade is Grade.B
    assert first is not None and customer.grade_decided_at is not None
    assert customer.grade_decided_at >= first


def test_cu05_salesperson_cannot_change_the_grade() -> None:
    customer = graded(Grade.B)
    customer.propose_grade(Grade.A, "Big order coming", "owner")
    with pytest.raises(RuleViolation) as excinfo:
        customer.decide_grade(Grade.A, "Big order coming", "owner", SALESPERSON)
    refused("CU-05", excinfo)
    assert (customer.grade, customer.proposed_grade) == (Grade.B, Grade.A)


def test_cu05_a_grade_change_without_a_reason_is_refused() -> None:
    customer = graded(Grade.B)
    with pytest.raises(RuleViolation) as excinfo:
        customer.decide_grade(Grade.C, " ", "manager", MANAGER)
    refused("CU-05", excinfo)
    assert customer.grade is Grade.B


# CU-15: one primary owner and one deputy, allocated by the sales manager


def test_cu15_sales_manager_names_the_owner_and_a_different_deputy() -> None:
    customer = registered()
    customer.assign_owners("owner", "salesperson-2", "business grew", "manager", MANAGER)
    assert (customer.owner_id, customer.deputy_id) == ("owner", "salesperson-2")
    customer.assign_owners("salesperson-2", "owner", "rebalancing accounts", "manager", MANAGER)
    assert (customer.owner_id, customer.deputy_id) == ("salesperson-2", "owner")
    assigned = [e for e in customer.collect_events() if isinstance(e, Customer.OwnersAssigned)]
    assert [(e.assigned_by, e.reason) for e in assigned] == [
        ("manager", "business grew"),
        ("manager", "rebalancing accounts"),
    ]


def test_cu15_salesperson_cannot_change_the_owners() -> None:
    customer = registered()
    with pytest.raises(RuleViolation) as excinfo:
        customer.assign_owners("owner", "salesperson-2", "my friend", "owner", SALESPERSON)
    refused("CU-15", excinfo)
    assert customer.deputy_id is None


def test_cu15_the_deputy_cannot_be_the_owner() -> None:
    customer = registered()
    with pytest.raises(RuleViolation) as excinfo:
        customer.assign_owners("owner", "owner", "both hats", "manager", MANAGER)
    refused("CU-15", excinfo)
    assert (customer.owner_id, customer.deputy_id) == ("owner", None)


def test_cu15_an_unchanged_assignment_or_one_without_reason_is_refused() -> None:
    customer = registered()
    for owner, reason in [("owner", "again"), ("salesperson-2", "")]:
        with pytest.raises(RuleViolation) as excinfo:
            customer.assign_owners(owner, None, reason, "manager", MANAGER)
        refused("CU-15", excinfo)
    assert customer.owner_id == "owner"


def test_cu15_xc01_a_new_owner_restarts_the_approval_in_progress() -> None:
    matrix = AuthorityMatrix.load(KernelSettings().authority_matrix_file)
    customer = registered()
    customer.submit_for_approval(Decimal(0), "CNY", "registrar")
    customer.request_approval(uuid4(), matrix.rule(APPROVAL_KIND), 1, "registrar", Decimal(0), ())
    customer.assign_owners("salesperson-2", None, "owner left", "manager", MANAGER)
    assert customer.approval is not None
    assert customer.approval.status is ApprovalStatus.INVALIDATED
