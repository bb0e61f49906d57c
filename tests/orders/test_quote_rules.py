"""The sales pipeline's rules at the aggregates that guard them: leads (OR-35), inquiries and the
decision to bid (OR-01), the departments' input (OR-02), the quote's pricing (OR-04), approval and
issue (OR-03), its follow-up (OR-05) and the blacklist (CU-06), allowed and refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from kernel.approvals.domain import Approvable, ApprovalStatus, Approver
from kernel.approvals.matrix import AuthorityMatrix
from kernel.roles import Role
from kernel.settings import KernelSettings
from orders.domain.inquiry import (
    BID_PARTICIPATION,
    Department,
    Inquiry,
    InquiryKind,
    InquiryStatus,
)
from orders.domain.known_customer import KnownCustomer
from orders.domain.lead import Lead, LeadStatus
from orders.domain.quote import QUOTE, Quote, QuoteLine, QuoteStatus, margin_percent
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting

MATRIX = AuthorityMatrix.load(KernelSettings().authority_matrix_file)
MANAGER = frozenset({Role.SALES_MANAGER})
SALESPERSON = frozenset({Role.SALESPERSON})
TECHNICAL = frozenset({Role.TECHNICAL_DEPARTMENT})
PURCHASING = frozenset({Role.PURCHASING_DEPARTMENT})
LINE = QuoteLine("P-1", "pump", 10, Decimal("120.00"), Decimal("100.00"))
SOON = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def command_context() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def refused(rule: str, excinfo: pytest.ExceptionInfo[RuleViolation]) -> None:
    assert excinfo.value.rule == rule, excinfo.value


def customer(blacklisted: bool = False) -> KnownCustomer:
    known = KnownCustomer.learn(uuid4(), "ACME")
    known.blacklist(blacklisted)
    return known


def grant(document: Approvable, step: str, user: str, role: str) -> None:
    document.grant(step, Approver(user, frozenset({role}), document.version_hash, "signature"))


def reject(document: Approvable, step: str, user: str, role: str, reason: str) -> None:
    document.reject(
        step, Approver(user, frozenset({role}), document.version_hash, "signature"), reason
    )


def registered(
    kind: InquiryKind = InquiryKind.INQUIRY,
    needs: tuple[Department, ...] = (),
    value: Decimal = Decimal("10000"),
    flags: tuple[str, ...] = (),
    known: KnownCustomer | None = None,
) -> Inquiry:
    """An inquiry registered and reported: the go / no-go decision requested from the matrix."""
    rule = MATRIX.rule(BID_PARTICIPATION)
    inquiry = Inquiry.register(
        known or customer(),
        kind,
        "200 valves DN50, PN16",
        value,
        SOON if kind is InquiryKind.TENDER else None,
        needs,
        None,
        rule.why_major(value, flags),
        "salesperson",
    )
    inquiry.request_approval(uuid4(), rule, 1, "salesperson", value, flags)
    return inquiry


def preparing(needs: tuple[Department, ...] = ()) -> Inquiry:
    inquiry = registered(needs=needs)
    grant(inquiry, "sales_manager", "manager", Role.SALES_MANAGER)
    return inquiry


def drafted(inquiry: Inquiry | None = None, lines: tuple[QuoteLine, ...] = (LINE,)) -> Quote:
    inquiry = inquiry or preparing()
    return Quote.draft(inquiry, customer(), "CNY", lines, "COST-7", "MKT-2026-11", "salesperson")


def submitted(
    quote: Quote, inquiry: Inquiry, flags: tuple[str, ...] = (), known: KnownCustomer | None = None
) -> None:
    rule = MATRIX.rule(QUOTE)
    why = rule.why_major(quote.total, flags)
    quote.submit(inquiry, known or customer(), why, "salesperson")
    quote.request_approval(uuid4(), rule, 1, "salesperson", quote.total, flags)


def approved() -> Quote:
    inquiry = preparing()
    quote = drafted(inquiry)
    submitted(quote, inquiry)
    grant(quote, "sales_manager", "manager", Role.SALES_MANAGER)
    return quote


def issued() -> Quote:
    quote = approved()
    quote.issue(customer(), "sales-clerk", SOON, SOON + timedelta(days=30))
    return quote


def decided(inquiry: Inquiry) -> list[Inquiry.BidParticipationDecided]:
    return [e for e in inquiry.collect_events() if isinstance(e, Inquiry.BidParticipationDecided)]


# OR-35: leads


def test_or_35_a_lead_is_reported_with_its_facts_and_material() -> None:
    lead = Lead.register(None, "trade fair", "Plant expansion 2027", "brochure; notes", "sp")
    assert lead.status is LeadStatus.REPORTED
    with pytest.raises(RuleViolation) as excinfo:
        Lead.register(None, "trade fair", "Plant expansion 2027", " ", "sp")
    refused("OR-35", excinfo)


def test_or_35_the_sales_manager_judges_a_lead_and_plans_the_action() -> None:
    lead = Lead.register(None, "call", "New line planned", "minutes of the call", "sp")
    with pytest.raises(RuleViolation) as not_manager:
        lead.qualify(True, "Visit the plant", SOON, "sp", SALESPERSON)
    refused("OR-35", not_manager)
    with pytest.raises(RuleViolation) as no_plan:
        lead.qualify(True, "", None, "manager", MANAGER)
    refused("OR-35", no_plan)
    lead.qualify(True, "Visit the plant", SOON, "manager", MANAGER)
    assert (lead.status, lead.act_by) == (LeadStatus.QUALIFIED, SOON)
    with pytest.raises(RuleViolation) as twice:
        lead.qualify(False, "", None, "manager", MANAGER)
    refused("OR-35", twice)


def test_or_35_only_a_valuable_lead_turns_into_an_inquiry_once() -> None:
    dismissed = Lead.register(None, "call", "Rumour", "notes", "sp")
    dismissed.qualify(False, "", None, "manager", MANAGER)
    with pytest.raises(RuleViolation) as excinfo:
        dismissed.acted_on(uuid4())
    refused("OR-35", excinfo)

    lead = Lead.register(None, "call", "New line planned", "notes", "sp")
    lead.qualify(True, "Quote", SOON, "manager", MANAGER)
    inquiry_id = uuid4()
    lead.acted_on(inquiry_id)
    assert (lead.status, lead.inquiry_id) == (LeadStatus.ACTED_ON, inquiry_id)
    with pytest.raises(RuleViolation) as again:
        lead.acted_on(uuid4())
    refused("OR-35", again)


# OR-01: registered, reported at once, decided by the manager (leadership when major)


def test_or_01_registering_reports_the_inquiry_to_the_manager_at_once() -> None:
    inquiry = registered()
    assert inquiry.status is InquiryStatus.AWAITING_DECISION
    assert inquiry.reported_to_manager_at == inquiry.created_on
    approval = inquiry.approval
    assert approval is not None
    assert [s.step.name for s in approval.steps] == ["sales_manager"]


def test_or_01_an_inquiry_states_the_requirements_and_a_tender_its_deadline() -> None:
    with pytest.raises(RuleViolation) as blank:
        Inquiry.register(customer(), InquiryKind.INQUIRY, " ", Decimal(1), None, (), None, (), "sp")
    refused("OR-01", blank)
    with pytest.raises(RuleViolation) as no_deadline:
        Inquiry.register(
            customer(), InquiryKind.TENDER, "valves", Decimal(1), None, (), None, (), "sp"
        )
    refused("OR-01", no_deadline)


def test_or_01_the_managers_grant_is_the_go_and_a_rejection_the_no_go() -> None:
    go = preparing()
    assert go.status is InquiryStatus.PREPARING
    assert [(e.decision, e.major) for e in decided(go)] == [("go", False)]

    no_go = registered()
    with pytest.raises(RuleViolation) as salesperson:
        grant(no_go, "sales_manager", "salesperson-2", Role.SALESPERSON)
    refused("XC-07", salesperson)
    reject(no_go, "sales_manager", "manager", Role.SALES_MANAGER, "outside our range")
    assert no_go.status is InquiryStatus.DECLINED
    assert [(e.decision, e.reason) for e in decided(no_go)] == [("no_go", "outside our range")]


@pytest.mark.parametrize(
    ("value", "flags"), [(Decimal("500000"), ()), (Decimal("1000"), ("a_grade",))]
)
def test_or_01_a_major_bid_is_decided_by_leadership_as_well(
    value: Decimal, flags: tuple[str, ...]
) -> None:
    inquiry = registered(value=value, flags=flags)
    grant(inquiry, "sales_manager", "manager", Role.SALES_MANAGER)
    assert inquiry.status is InquiryStatus.AWAITING_DECISION  # leadership still to decide
    grant(inquiry, "leadership", "gm", Role.LEADERSHIP_GM)
    assert inquiry.status is InquiryStatus.PREPARING
    assert [e.major for e in decided(inquiry)] == [True]


def test_or_01_no_quote_before_the_decision_to_bid() -> None:
    with pytest.raises(RuleViolation) as excinfo:
        drafted(registered())
    refused("OR-01", excinfo)


# OR-02: the technical and purchasing input


def test_or_02_a_tender_needs_both_departments_input() -> None:
    tender = registered(InquiryKind.TENDER)
    assert set(tender.needs) == {Department.TECHNICAL, Department.PURCHASING}


def test_or_02_each_department_gives_its_own_input_to_a_bid_being_prepared() -> None:
    waiting = registered(needs=(Department.TECHNICAL,))
    with pytest.raises(RuleViolation) as too_early:
        waiting.provide_input(Department.TECHNICAL, "TECH-1", "tech", TECHNICAL)
    refused("OR-02", too_early)

    inquiry = preparing((Department.TECHNICAL, Department.PURCHASING))
    with pytest.raises(RuleViolation) as wrong_department:
        inquiry.provide_input(Department.TECHNICAL, "TECH-1", "buyer", PURCHASING)
    refused("OR-02", wrong_department)
    inquiry.provide_input(Department.TECHNICAL, "TECH-1 model and parameters", "tech", TECHNICAL)
    assert inquiry.missing_inputs() == (Department.PURCHASING,)


def test_or_02_the_bid_is_submitted_once_the_needed_input_is_in() -> None:
    inquiry = preparing((Department.TECHNICAL, Department.PURCHASING))
    quote = drafted(inquiry)
    inquiry.provide_input(Department.TECHNICAL, "TECH-1", "tech", TECHNICAL)
    with pytest.raises(RuleViolation) as excinfo:
        submitted(quote, inquiry)
    refused("OR-02", excinfo)
    assert excinfo.value.details["missing"] == ["purchasing"]
    inquiry.provide_input(Department.PURCHASING, "PUR-3 steel prices, 6 weeks", "buyer", PURCHASING)
    submitted(quote, inquiry)
    assert quote.status is QuoteStatus.PENDING_APPROVAL


# OR-04: pricing


def test_or_04_a_quote_is_priced_from_its_costs_against_the_market() -> None:
    inquiry = preparing()
    with pytest.raises(RuleViolation) as no_sheet:
        Quote.draft(inquiry, customer(), "CNY", (LINE,), "", "MKT", "sp")
    refused("OR-04", no_sheet)
    uncosted = QuoteLine("P-2", "valve", 1, Decimal("50"), Decimal(0))
    with pytest.raises(RuleViolation) as no_cost:
        drafted(inquiry, (LINE, uncosted))
    refused("OR-04", no_cost)
    assert no_cost.value.details["lines"] == ["P-2"]
    with pytest.raises(RuleViolation) as no_lines:
        drafted(inquiry, ())
    refused("OR-04", no_lines)
    quote = drafted(inquiry)
    assert (quote.total, quote.margin_percent) == (Decimal("1200.00"), Decimal("16.67"))


def test_or_04_a_price_under_the_margin_floor_goes_to_leadership() -> None:
    thin = QuoteLine("P-1", "pump", 10, Decimal("104.00"), Decimal("100.00"))
    assert margin_percent((thin,)) < 10
    inquiry = preparing()
    quote = drafted(inquiry, (thin,))
    submitted(quote, inquiry, ("below_margin_floor",))
    approval = quote.approval
    assert approval is not None
    assert [s.step.name for s in approval.steps] == ["sales_manager", "leadership"]


# OR-03: approved, then bound and sealed in the approved version


def test_or_03_the_sales_manager_approves_before_the_quote_is_issued() -> None:
    inquiry = preparing()
    quote = drafted(inquiry)
    with pytest.raises(RuleViolation) as draft:
        quote.issue(customer(), "clerk", SOON, SOON)
    refused("OR-03", draft)
    submitted(quote, inquiry)
    with pytest.raises(RuleViolation) as drafter:
        grant(quote, "sales_manager", "salesperson", Role.SALES_MANAGER)
    refused("XC-05", drafter)
    grant(quote, "sales_manager", "manager", Role.SALES_MANAGER)
    assert quote.status is QuoteStatus.APPROVED
    quote.issue(customer(), "sales-clerk", SOON, SOON + timedelta(days=30))
    issue = [e for e in quote.collect_events() if isinstance(e, Quote.Issued)]
    assert [(e.version_hash, e.sealed, e.bound) for e in issue] == [
        (quote.version_hash, True, True)
    ]


def test_or_03_a_major_quote_needs_leadership_too() -> None:
    inquiry = preparing()
    quote = drafted(inquiry)
    submitted(quote, inquiry, ("a_grade",))
    grant(quote, "sales_manager", "manager", Role.SALES_MANAGER)
    with pytest.raises(RuleViolation) as excinfo:
        quote.issue(customer(), "clerk", SOON, SOON)
    refused("OR-03", excinfo)
    grant(quote, "leadership", "gm", Role.LEADERSHIP_GM)
    assert quote.status is QuoteStatus.APPROVED


def test_or_03_a_change_after_approval_voids_it() -> None:
    quote = approved()
    cheaper = QuoteLine("P-1", "pump", 10, Decimal("115.00"), Decimal("100.00"))
    quote.revise((cheaper,), "COST-7", "MKT-2026-11", "salesperson")
    approval = quote.approval
    assert approval is not None and approval.status is ApprovalStatus.INVALIDATED
    assert (quote.status, quote.revision) == (QuoteStatus.DRAFT, 2)
    with pytest.raises(RuleViolation) as excinfo:
        quote.issue(customer(), "clerk", SOON, SOON)
    refused("OR-03", excinfo)


def test_or_03_a_rejected_quote_goes_back_to_draft() -> None:
    inquiry = preparing()
    quote = drafted(inquiry)
    submitted(quote, inquiry)
    reject(quote, "sales_manager", "manager", Role.SALES_MANAGER, "price too low for the spec")
    assert quote.status is QuoteStatus.DRAFT
    submitted(quote, inquiry)  # resubmitted, as it stands or revised
    assert quote.status is QuoteStatus.PENDING_APPROVAL


def test_or_03_an_issued_quote_is_not_changed() -> None:
    quote = issued()
    with pytest.raises(RuleViolation) as excinfo:
        quote.revise((LINE,), "COST-7", "MKT", "salesperson")
    refused("OR-03", excinfo)


# CU-06 (RULES §7 row 2): no quote for a blacklisted customer


def test_cu_06_a_blacklisted_customer_receives_no_quote() -> None:
    inquiry = preparing()
    with pytest.raises(RuleViolation) as draft:
        Quote.draft(inquiry, customer(True), "CNY", (LINE,), "C", "M", "sp")
    refused("CU-06", draft)
    quote = drafted(inquiry)
    with pytest.raises(RuleViolation) as submit:
        submitted(quote, inquiry, known=customer(True))
    refused("CU-06", submit)
    ready = approved()
    with pytest.raises(RuleViolation) as issue:
        ready.issue(customer(True), "clerk", SOON, SOON)
    refused("CU-06", issue)
    with pytest.raises(RuleViolation) as inquire:
        registered(known=customer(True))
    refused("CU-06", inquire)


# OR-05: following up


def test_or_05_an_issued_quote_is_followed_up_until_won_or_lost() -> None:
    with pytest.raises(RuleViolation) as not_issued:
        approved().follow_up("they liked it", "sp")
    refused("OR-05", not_issued)
    quote = issued()
    assert quote.follow_up_due_at == SOON
    with pytest.raises(RuleViolation) as blank:
        quote.follow_up(" ", "sp")
    refused("OR-05", blank)
    quote.follow_up("comparing with two other bids", "sp")
    assert quote.last_feedback == "comparing with two other bids"
    with pytest.raises(RuleViolation) as no_reason:
        quote.lose("", "sp")
    refused("OR-05", no_reason)
    quote.win("order promised for next week", "sp")
    assert quote.status is QuoteStatus.WON
    with pytest.raises(RuleViolation) as closed:
        quote.lose("too late", "sp")
    refused("OR-05", closed)


def test_or_05_an_unanswered_quote_expires_after_its_validity() -> None:
    quote = issued()
    assert quote.valid_until is not None
    assert not quote.expire(quote.valid_until - timedelta(seconds=1))
    assert quote.expire(quote.valid_until)
    assert quote.status is QuoteStatus.EXPIRED
    assert not quote.expire(quote.valid_until + timedelta(days=1))
