"""The credit rules at the aggregates that guard them, allowed and refused: the onboarding chain
and its rejection (CU-02, CU-12), investigations (CU-08, CU-09, CU-10), credit terms (CU-07),
changes of limit (CU-12) and the periodic review (CU-11)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from customers.domain.credit_investigation import (
    FORM_ITEMS,
    CreditInvestigation,
    InvestigationMethod,
    InvestigationStatus,
)
from customers.domain.customer import (
    APPROVAL_KIND,
    CREDIT_LIMIT_KIND,
    Customer,
    CustomerStatus,
    Grade,
)
from kernel.approvals.domain import Approver
from kernel.approvals.matrix import AuthorityMatrix
from kernel.roles import Role
from kernel.settings import KernelSettings
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting

MATRIX = AuthorityMatrix.load(KernelSettings().authority_matrix_file)
MANAGER = frozenset({Role.SALES_MANAGER.value})
ANSWERS = {item: f"checked: {item}" for item in FORM_ITEMS}


@pytest.fixture(autouse=True)
def command_context() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def submitted(limit: str) -> Customer:
    customer = Customer.register("ACME", owner_id="owner", registered_by="registrar")
    customer.submit_for_approval(Decimal(limit), "CNY", "registrar")
    request(customer, APPROVAL_KIND, Decimal(limit), customer.approval_conditions())
    return customer


def request(
    customer: Customer, kind: str, amount: Decimal, conditions: tuple[str, ...] = ()
) -> None:
    customer.request_approval(uuid4(), MATRIX.rule(kind), 1, "registrar", amount, conditions)


def decide(customer: Customer, user: str, role: str, reject: str = "") -> None:
    approval = customer.approval
    assert approval is not None
    step = approval.next_step()
    assert step is not None
    approver = Approver(user, frozenset({role}), customer.version_hash, "signature")
    if reject:
        customer.reject(step.step.name, approver, reject)
    else:
        customer.grant(step.step.name, approver)


def steps(customer: Customer) -> list[str]:
    approval = customer.approval
    assert approval is not None
    return [state.step.name for state in approval.steps]


def investigated(customer: Customer) -> CreditInvestigation:
    investigation = CreditInvestigation.open(
        customer.id, False, InvestigationMethod.INTERNAL, "investigator", "manager", MANAGER
    )
    investigation.answer_form(ANSWERS, "investigator")
    investigation.complete("pays on time", "investigator")
    customer.record_credit_investigation(investigation.id, "investigator")
    return investigation


def opened(limit: str = "500") -> Customer:
    customer = submitted(limit)
    if Decimal(limit) > 0:
        decide(customer, "f1", Role.FINANCE)
    decide(customer, "m1", Role.SALES_MANAGER)
    assert customer.status is CustomerStatus.ACTIVE
    return customer


# -- CU-02, CU-12: the onboarding chain


def test_cu02_cu12_finance_reviews_the_requested_limit_before_the_sales_manager() -> None:
    customer = submitted("500")
    assert steps(customer) == ["finance", "sales_manager"]
    with pytest.raises(RuleViolation) as out_of_order:
        customer.grant("sales_manager", Approver("m1", MANAGER, customer.version_hash, "s"))
    assert out_of_order.value.rule == "XC-01"
    assert steps(submitted("0")) == ["sales_manager"]  # cash only: no finance opinion


def test_cu12_leadership_approves_a_limit_above_the_matrix_amount() -> None:
    rule = MATRIX.rule(APPROVAL_KIND)
    assert rule.major_amount is not None
    assert steps(submitted(str(rule.major_amount))) == ["finance", "sales_manager", "leadership"]


def test_cu02_rejected_customer_records_the_reason_and_can_be_resubmitted() -> None:
    customer = submitted("500")
    decide(customer, "f1", Role.FINANCE, reject="no credit rating form attached")
    assert (customer.status, customer.rejection_reason) == (
        CustomerStatus.REJECTED,
        "no credit rating form attached",
    )
    rejected = [e for e in customer.collect_events() if isinstance(e, Customer.Rejected)]
    assert [(e.reason, e.rejected_by) for e in rejected] == [
        ("no credit rating form attached", "f1")
    ]

    customer.submit_for_approval(Decimal(300), "CNY", "registrar")  # corrected
    request(customer, APPROVAL_KIND, Decimal(300), customer.approval_conditions())
    assert customer.status is CustomerStatus.PENDING_APPROVAL
    decide(customer, "f1", Role.FINANCE)
    decide(customer, "m1", Role.SALES_MANAGER)
    assert (customer.status, customer.credit_limit) == (CustomerStatus.ACTIVE, Decimal(300))


def test_cu02_an_opened_customer_cannot_be_submitted_again() -> None:
    with pytest.raises(RuleViolation) as refused:
        opened().submit_for_approval(Decimal(1), "CNY", "registrar")
    assert refused.value.rule == "CU-02"


# -- CU-08, CU-09, CU-10: the investigation


def test_cu09_sales_manager_must_personally_investigate_an_important_customer() -> None:
    customer_id = uuid4()
    with pytest.raises(RuleViolation) as delegated:
        CreditInvestigation.open(
            customer_id, True, InvestigationMethod.INTERNAL, "salesperson", "manager", MANAGER
        )
    assert delegated.value.rule == "CU-09"
    own = CreditInvestigation.open(
        customer_id, True, InvestigationMethod.INTERNAL, "manager", "manager", MANAGER
    )
    assert own.investigator_id == "manager"


def test_cu09_an_ordinary_customer_gets_the_designated_person_and_others_are_refused() -> None:
    with pytest.raises(RuleViolation) as not_manager:
        CreditInvestigation.open(
            uuid4(),
            False,
            InvestigationMethod.INTERNAL,
            "salesperson",
            "salesperson",
            {Role.SALESPERSON},
        )
    assert not_manager.value.rule == "CU-09"
    investigation = CreditInvestigation.open(
        uuid4(), False, InvestigationMethod.INTERNAL, "designated", "manager", MANAGER
    )
    for act in (
        lambda: investigation.answer_form(ANSWERS, "someone-else"),
        lambda: investigation.complete("fine", "manager"),
    ):
        with pytest.raises(RuleViolation) as refused:
            act()
        assert refused.value.rule == "CU-09"
    investigation.answer_form(ANSWERS, "designated")
    investigation.complete("fine", "designated")
    assert investigation.status is InvestigationStatus.COMPLETED


def test_cu08_the_standardised_form_is_answered_in_full_before_completion() -> None:
    investigation = CreditInvestigation.open(
        uuid4(), False, InvestigationMethod.INTERNAL, "designated", "manager", MANAGER
    )
    for answers in ({"favourite_colour": "blue"}, {"assets": " "}):
        with pytest.raises(RuleViolation) as bad:
            investigation.answer_form(answers, "designated")
        assert bad.value.rule == "CU-08"
    investigation.answer_form({"assets": "two plants"}, "designated")
    with pytest.raises(RuleViolation) as incomplete:
        investigation.complete("fine", "designated")
    assert incomplete.value.rule == "CU-08"
    assert "liabilities" in incomplete.value.details["missing"]
    investigation.answer_form(ANSWERS, "designated")
    investigation.complete("fine", "designated")
    assert investigation.status is InvestigationStatus.COMPLETED


def test_cu08_an_agency_report_is_never_adopted_without_the_managers_assessment() -> None:
    with pytest.raises(RuleViolation) as unexplained:
        CreditInvestigation.open(
            uuid4(), False, InvestigationMethod.BOTH, "designated", "manager", MANAGER, "Dun"
        )
    assert unexplained.value.rule == "CU-08"
    investigation = CreditInvestigation.open(
        uuid4(),
        False,
        InvestigationMethod.EXTERNAL_AGENCY,
        "designated",
        "manager",
        MANAGER,
        "Dun & Co",
        "coverage of the region's manufacturers",
    )
    investigation.answer_form(ANSWERS, "designated")
    investigation.receive_agency_report("rating BB, no litigation", "designated")
    with pytest.raises(RuleViolation) as as_is:
        investigation.complete("adopt the agency's rating", "designated")
    assert as_is.value.rule == "CU-08"
    with pytest.raises(RuleViolation) as not_manager:
        investigation.assess_agency_report("fine", "designated", {Role.SALESPERSON})
    assert not_manager.value.rule == "CU-08"
    investigation.assess_agency_report("BB matches our payment record", "manager", MANAGER)
    investigation.complete("limit 500 is safe", "designated")
    assert investigation.status is InvestigationStatus.COMPLETED


def test_cu10_open_doubt_blocks_completion_until_resolved() -> None:
    investigation = CreditInvestigation.open(
        uuid4(), False, InvestigationMethod.INTERNAL, "designated", "manager", MANAGER
    )
    investigation.answer_form(ANSWERS, "designated")
    first, second = uuid4(), uuid4()
    investigation.raise_doubt(first, "who owns the second plant?", "finance")
    investigation.raise_doubt(second, "why did sales drop in Q3?", "manager")
    investigation.resolve_doubt(first, "leased from the city, contract seen", "designated")
    with pytest.raises(RuleViolation) as blocked:
        investigation.complete("fine", "designated")
    assert (blocked.value.rule, blocked.value.details["open_doubts"]) == ("CU-10", [str(second)])
    with pytest.raises(RuleViolation) as unknown:
        investigation.resolve_doubt(first, "again", "designated")
    assert unknown.value.rule == "CU-10"
    investigation.resolve_doubt(second, "a plant was retooled", "designated")
    investigation.complete("fine", "designated")
    assert investigation.status is InvestigationStatus.COMPLETED


# -- CU-07: credit terms


def test_cu07_credit_terms_need_an_approved_limit_and_a_completed_investigation() -> None:
    customer = opened("500")
    assert not customer.credit_terms_allowed  # approved limit, no investigation yet
    investigated(customer)
    assert customer.credit_terms_allowed
    changed = [e for e in customer.collect_events() if isinstance(e, Customer.CreditTermsChanged)]
    assert [(e.credit_terms_allowed, e.credit_limit) for e in changed] == [(True, Decimal(500))]


def test_cu07_no_credit_terms_without_approval_or_without_a_limit() -> None:
    pending = submitted("500")
    investigated(pending)
    assert not pending.credit_terms_allowed  # investigated but not approved
    cash_only = opened("0")
    investigated(cash_only)
    assert not cash_only.credit_terms_allowed


# -- CU-12: changing the limit


def test_cu12_limit_change_goes_through_the_chain_and_records_old_new_and_approval() -> None:
    customer = opened("500")
    investigated(customer)
    customer.request_credit_limit_change(Decimal(800), "orders doubled", "owner")
    request(customer, CREDIT_LIMIT_KIND, Decimal(800), customer.credit_conditions())
    assert steps(customer) == ["finance", "sales_manager"]
    decide(customer, "f1", Role.FINANCE)
    assert customer.credit_limit == Decimal(500)  # not before the sales manager approves
    decide(customer, "m1", Role.SALES_MANAGER)
    approval = customer.approval
    assert approval is not None
    (changed,) = [
        e for e in customer.collect_events() if isinstance(e, Customer.CreditLimitChanged)
    ]
    assert (changed.old_credit_limit, changed.new_credit_limit) == (Decimal(500), Decimal(800))
    assert (changed.approval_id, changed.approved_by) == (approval.approval_id, ("f1", "m1"))
    assert changed.credit_terms_allowed
    assert (customer.credit_limit, customer.proposed_credit_limit) == (Decimal(800), None)


def test_cu12_grade_a_or_a_large_limit_goes_to_leadership_too() -> None:
    customer = opened("500")
    investigated(customer)
    customer.decide_grade(Grade.A, "urgent, large", "m1", MANAGER)
    customer.request_credit_limit_change(Decimal(600), "tender won", "owner")
    request(customer, CREDIT_LIMIT_KIND, Decimal(600), customer.credit_conditions())
    assert steps(customer) == ["finance", "sales_manager", "leadership"]


@pytest.mark.parametrize(
    ("limit", "reason"), [("-1", "refused"), ("500", "no change"), ("800", " ")]
)
def test_cu12_negative_unchanged_or_unexplained_limits_are_refused(limit: str, reason: str) -> None:
    customer = opened("500")
    investigated(customer)
    with pytest.raises(RuleViolation) as refused:
        customer.request_credit_limit_change(Decimal(limit), reason, "owner")
    assert refused.value.rule == "CU-12"
    assert customer.proposed_credit_limit is None


def test_cu12_limit_changes_need_an_opened_file_and_a_completed_investigation() -> None:
    with pytest.raises(RuleViolation) as uninvestigated:
        opened("500").request_credit_limit_change(Decimal(800), "orders doubled", "owner")
    assert uninvestigated.value.rule == "CU-12"
    with pytest.raises(RuleViolation) as pending:
        submitted("500").request_credit_limit_change(Decimal(800), "orders doubled", "owner")
    assert pending.value.rule == "CU-12"


def test_cu12_a_rejected_change_keeps_the_limit_in_force() -> None:
    customer = opened("500")
    investigated(customer)
    customer.request_credit_limit_change(Decimal(900), "orders doubled", "owner")
    request(customer, CREDIT_LIMIT_KIND, Decimal(900))
    with pytest.raises(RuleViolation) as twice:
        customer.request_credit_limit_change(Decimal(700), "or less", "owner")
    assert twice.value.rule == "CU-12"
    decide(customer, "f1", Role.FINANCE, reject="overdue invoices")
    assert (customer.credit_limit, customer.proposed_credit_limit) == (Decimal(500), None)
    assert customer.status is CustomerStatus.ACTIVE


# -- CU-11: the periodic review


def test_cu11_credit_review_falls_due_once_per_cycle() -> None:
    customer = opened("500")
    interval = timedelta(days=182)
    assert not customer.note_credit_review_due(interval, customer.created_on + interval * 2)
    investigated(customer)
    reviewed = customer.credit_reviewed_at
    assert reviewed is not None
    assert not customer.note_credit_review_due(interval, reviewed + interval / 2)
    assert customer.note_credit_review_due(interval, reviewed + interval)
    assert not customer.note_credit_review_due(interval, reviewed + interval * 2)  # once
    investigated(customer)
    assert customer.credit_review_due_since is None  # a new cycle begins


def test_cu12_a_change_whose_approval_was_invalidated_can_be_proposed_again() -> None:
    customer = opened("500")
    investigated(customer)
    customer.request_credit_limit_change(Decimal(900), "orders doubled", "owner")
    request(customer, CREDIT_LIMIT_KIND, Decimal(900))
    customer.assign_owners("owner-2", None, "rebalancing", "m1", MANAGER)  # XC-01: invalidated
    customer.request_credit_limit_change(Decimal(700), "orders doubled", "owner-2")
    request(customer, CREDIT_LIMIT_KIND, Decimal(700))
    decide(customer, "f1", Role.FINANCE)
    decide(customer, "m1", Role.SALES_MANAGER)
    assert (customer.credit_limit, customer.proposed_credit_limit) == (Decimal(700), None)
