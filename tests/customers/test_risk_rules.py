"""A customer's risk at the aggregates that guard it: abnormalities (CU-13), the dangerous-customer
review, its decision and the release of what it decided (CU-06), allowed and refused."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import get_args
from uuid import uuid4

import pytest

from contracts.customers import CustomerAbnormalityReported
from customers.domain.customer import Customer, Grade, Severity, Standing
from customers.domain.risk_review import Decision, RiskReview, Trigger
from kernel.roles import Role
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting

MANAGER = frozenset({Role.SALES_MANAGER})
FINANCE = frozenset({Role.FINANCE})
SALESPERSON = frozenset({Role.SALESPERSON})
GM = frozenset({Role.LEADERSHIP_GM})
MAJOR = ("a_grade",)


@pytest.fixture(autouse=True)
def command_context() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def under_review() -> tuple[Customer, RiskReview]:
    """A customer an abnormality report put under review."""
    customer = Customer.register("ACME", owner_id="owner", registered_by="registrar")
    review = RiskReview.open(customer.id, Trigger.ABNORMALITY, "clerk")
    customer.review_opened(review.id, Trigger.ABNORMALITY, "clerk")
    customer.report_abnormality(uuid4(), "billing", "Cheque bounced", Severity.HIGH, "clerk")
    return customer, review


def prepared() -> tuple[Customer, RiskReview]:
    """Under review, with the owner's checklist and finance's assessment in."""
    customer, review = under_review()
    review.complete_checklist("Late twice; new owner", "owner", {"owner"})
    review.assess("60 days late on average", Decimal("5000.00"), "finance", FINANCE)
    return customer, review


def decided(decision: Decision) -> tuple[Customer, RiskReview]:
    customer, review = prepared()
    review.decide(decision, "pattern of late payment", "manager", MANAGER, ())
    customer.review_decided(decision, "pattern of late payment", "manager")
    return customer, review


def refused(rule: str, excinfo: pytest.ExceptionInfo[RuleViolation]) -> None:
    assert excinfo.value.rule == rule, excinfo.value


# CU-13: abnormalities and the provisional hold


def test_cu_13_an_abnormality_is_recorded_with_its_facts_and_joins_the_review() -> None:
    customer, review = under_review()
    reported = [e for e in customer.collect_events() if isinstance(e, Customer.AbnormalityReported)]
    assert [(e.source, e.severity, e.review_id) for e in reported] == [
        ("billing", "high", review.id)
    ]
    assert customer.open_review_id == review.id


def test_cu_13_an_abnormality_states_its_facts() -> None:
    customer, _ = under_review()
    with pytest.raises(RuleViolation) as excinfo:
        customer.report_abnormality(uuid4(), "sales", " ", Severity.LOW, "clerk")
    refused("CU-13", excinfo)


@pytest.mark.parametrize("roles", [MANAGER, FINANCE])
def test_cu_13_sales_manager_or_finance_place_a_provisional_hold(roles: frozenset[str]) -> None:
    customer, _ = under_review()
    customer.place_provisional_hold("Bounced cheque", "holder", roles)
    assert customer.standing is Standing.PROVISIONAL_HOLD


@pytest.mark.parametrize("roles", [SALESPERSON, GM])
def test_cu_13_only_sales_manager_or_finance_place_a_provisional_hold(
    roles: frozenset[str],
) -> None:
    customer, _ = under_review()
    with pytest.raises(RuleViolation) as excinfo:
        customer.place_provisional_hold("Bounced cheque", "someone", roles)
    refused("CU-13", excinfo)
    assert customer.standing is Standing.GOOD


def test_cu_13_a_provisional_hold_needs_a_review_under_way() -> None:
    customer = Customer.register("ACME", owner_id="owner", registered_by="registrar")
    with pytest.raises(RuleViolation) as excinfo:
        customer.place_provisional_hold("Rumours", "manager", MANAGER)
    refused("CU-13", excinfo)


@pytest.mark.parametrize("decision", [Decision.CLEARED, Decision.WATCH])
def test_cu_13_a_provisional_hold_ends_with_the_review(decision: Decision) -> None:
    customer, review = prepared()
    customer.place_provisional_hold("Bounced cheque", "finance", FINANCE)
    review.decide(decision, "paid in full since", "manager", MANAGER, ())
    customer.review_decided(decision, "paid in full since", "manager")
    expected = Standing.WATCH if decision is Decision.WATCH else Standing.GOOD
    assert (customer.standing, customer.open_review_id) == (expected, None)
    released = [e for e in customer.collect_events() if isinstance(e, Customer.CreditHoldReleased)]
    assert [e.approval_id for e in released] == [None]


# CU-06: the review


def test_cu_06_one_review_at_a_time() -> None:
    customer, _ = under_review()
    with pytest.raises(RuleViolation) as excinfo:
        customer.review_opened(uuid4(), Trigger.REPEATED_CLAIMS, "manager")
    refused("CU-06", excinfo)


def test_cu_06_the_account_owner_completes_the_checklist() -> None:
    _, review = under_review()
    with pytest.raises(RuleViolation) as excinfo:
        review.complete_checklist("Looks bad", "salesperson-2", {"owner", "deputy"})
    refused("CU-06", excinfo)
    review.complete_checklist("Looks bad", "deputy", {"owner", "deputy"})
    assert review.checklist_by == "deputy"


def test_cu_06_finance_adds_payment_history_and_exposure() -> None:
    _, review = under_review()
    with pytest.raises(RuleViolation) as excinfo:
        review.assess("late", Decimal("10.00"), "manager", MANAGER)
    refused("CU-06", excinfo)
    review.assess("late", Decimal("10.00"), "finance", FINANCE)
    assert (review.exposure, review.assessed_by) == (Decimal("10.00"), "finance")


def test_cu_06_a_review_is_decided_once_checklist_and_assessment_are_in() -> None:
    _, review = under_review()
    with pytest.raises(RuleViolation) as excinfo:
        review.decide(Decision.WATCH, "unclear", "manager", MANAGER, ())
    refused("CU-06", excinfo)


@pytest.mark.parametrize(
    ("decision", "standing"),
    [
        (Decision.WATCH, Standing.WATCH),
        (Decision.CREDIT_HOLD, Standing.CREDIT_HOLD),
        (Decision.BLACKLISTED, Standing.BLACKLISTED),
        (Decision.CLEARED, Standing.GOOD),
    ],
)
def test_cu_06_the_sales_manager_decides_the_standing(
    decision: Decision, standing: Standing
) -> None:
    customer, review = decided(decision)
    assert (review.decision, review.decided_by) == (decision, "manager")
    assert (customer.standing, customer.open_review_id) == (standing, None)


@pytest.mark.parametrize("roles", [SALESPERSON, FINANCE, GM])
def test_cu_06_only_the_sales_manager_decides_an_ordinary_review(roles: frozenset[str]) -> None:
    _, review = prepared()
    with pytest.raises(RuleViolation) as excinfo:
        review.decide(Decision.BLACKLISTED, "late", "someone", roles, ())
    refused("CU-06", excinfo)
    assert review.decision is None


def test_cu_06_leadership_decides_for_grade_a_or_high_exposure() -> None:
    _, review = prepared()
    with pytest.raises(RuleViolation) as excinfo:
        review.decide(Decision.BLACKLISTED, "late", "manager", MANAGER, MAJOR)
    refused("CU-06", excinfo)
    assert excinfo.value.details["why_major"] == ["a_grade"]
    review.decide(Decision.BLACKLISTED, "late", "gm", GM, MAJOR)
    assert review.decision is Decision.BLACKLISTED


def test_cu_06_a_decided_review_is_not_decided_again() -> None:
    _, review = decided(Decision.WATCH)
    with pytest.raises(RuleViolation) as excinfo:
        review.decide(Decision.CLEARED, "fine now", "manager", MANAGER, ())
    refused("CU-06", excinfo)


def test_cu_06_a_later_review_never_lightens_a_decided_hold() -> None:
    customer, _ = decided(Decision.CREDIT_HOLD)
    later = RiskReview.open(customer.id, Trigger.REPEATED_CLAIMS, "manager")
    customer.review_opened(later.id, Trigger.REPEATED_CLAIMS, "manager")
    customer.review_decided(Decision.CLEARED, "claims settled", "manager")
    assert customer.standing is Standing.CREDIT_HOLD


# CU-06: releasing a hold or a blacklisting takes an approval


@pytest.mark.parametrize(
    ("decision", "kind", "event"),
    [
        (Decision.CREDIT_HOLD, "credit_hold_release", Customer.CreditHoldReleased),
        (Decision.BLACKLISTED, "blacklist", Customer.RemovedFromBlacklist),
    ],
)
def test_cu_06_a_release_is_lifted_once_approved(
    decision: Decision, kind: str, event: type[Customer.Event]
) -> None:
    customer, review = decided(decision)
    assert review.request_release("Debt settled in full", "owner") == kind
    with pytest.raises(RuleViolation) as excinfo:
        review.release("owner")
    refused("CU-06", excinfo)

    approval_id = uuid4()
    review.trigger_event(RiskReview.ReleaseApproved, approval_id=approval_id)
    customer.release(decision, "Debt settled in full", "owner", review.release("owner"))
    assert customer.standing is Standing.GOOD
    lifted = [e for e in customer.collect_events() if isinstance(e, event)]
    assert [e.approval_id for e in lifted] == [approval_id]  # type: ignore[attr-defined]


@pytest.mark.parametrize("decision", [Decision.WATCH, Decision.CLEARED])
def test_cu_06_only_a_hold_or_blacklisting_is_released(decision: Decision) -> None:
    _, review = decided(decision)
    with pytest.raises(RuleViolation) as excinfo:
        review.request_release("fine", "owner")
    refused("CU-06", excinfo)


def test_cu_06_a_release_lifts_only_what_the_review_decided() -> None:
    customer, _ = decided(Decision.BLACKLISTED)
    with pytest.raises(RuleViolation) as excinfo:
        customer.release(Decision.CREDIT_HOLD, "settled", "owner", uuid4())
    refused("CU-06", excinfo)
    assert customer.standing is Standing.BLACKLISTED


def test_cu_13_the_published_severities_are_the_domains() -> None:
    published = CustomerAbnormalityReported.model_fields["severity"].annotation
    assert set(get_args(published)) == {severity.value for severity in Severity}


# CU-05: an abnormality report and a dangerous-customer outcome are grade review triggers


def _graded() -> Customer:
    customer = Customer.register("ACME", owner_id="owner", registered_by="registrar")
    customer.decide_grade(Grade.B, "steady demand", "manager", MANAGER)
    return customer


def test_cu_05_an_abnormality_report_makes_the_grade_review_due() -> None:
    customer = _graded()
    assert customer.grade_review_due_since is None
    review = RiskReview.open(customer.id, Trigger.ABNORMALITY, "clerk")
    customer.review_opened(review.id, Trigger.ABNORMALITY, "clerk")
    customer.report_abnormality(uuid4(), "sales", "Management changed", Severity.MEDIUM, "clerk")
    assert customer.grade_review_due_since is not None
    [due] = [e for e in customer.collect_events() if isinstance(e, Customer.GradeReviewDue)]
    assert due.reason == "an abnormality was reported by sales"


@pytest.mark.parametrize("decision", list(Decision))
def test_cu_05_every_dangerous_customer_outcome_makes_the_grade_review_due(
    decision: Decision,
) -> None:
    customer, review = prepared()
    customer.decide_grade(Grade.B, "reviewed after the report", "manager", MANAGER)
    assert customer.grade_review_due_since is None  # the report's trigger was answered
    review.decide(decision, "pattern of late payment", "manager", MANAGER, ())
    customer.review_decided(decision, "pattern of late payment", "manager")
    assert customer.grade_review_due_since is not None


def test_cu_05_a_grade_review_already_due_is_not_noted_twice() -> None:
    customer, review = prepared()  # the report made it due
    review.decide(Decision.WATCH, "pattern of late payment", "manager", MANAGER, ())
    customer.review_decided(Decision.WATCH, "pattern of late payment", "manager")
    dues = [e for e in customer.collect_events() if isinstance(e, Customer.GradeReviewDue)]
    assert len(dues) == 1
