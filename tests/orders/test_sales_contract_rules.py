"""The sales contract's rules at the aggregates that guard them (RULES §4.2): its content (OR-10),
negotiation notes (OR-06), deviations from the quote (OR-08) and non-standard terms (OR-07), the
review chain with leadership for major contracts (OR-10, OR-06), review issues confirmed before
signing (OR-09), both parties' signatures on the approved version (OR-10), filing (OR-11), custody
(OR-13) and the monthly volume (OR-12), allowed and refused."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from kernel.approvals.domain import Approvable, Capacity, Method, SignatureCapture
from kernel.calendar import Calendar
from kernel.roles import Role
from kernel.settings import KernelSettings
from orders.application.sales_contracts import archive_due, filing_due, month_bounds
from orders.domain.quote import Quote
from orders.domain.sales_contract import (
    CONTRACT,
    DEVIATION,
    IMPORTANT_OR_COMPLEX,
    NON_STANDARD_TERMS,
    ContractLine,
    ContractStatus,
    ContractVolume,
    Deviation,
    SalesContract,
)
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting
from tests.orders.test_quote_rules import MATRIX, customer, grant, issued, refused
from tests.signers import on_paper

STANDARD_DAYS = 30
LIABILITY = "0.05% of the amount due for each day late"
CLERK = frozenset({Role.SALES_CLERK})
SALESPERSON = frozenset({Role.SALESPERSON})
CALENDAR = Calendar.load(KernelSettings().calendar_file)


@pytest.fixture(autouse=True)
def command_context() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def won() -> Quote:
    quote = issued()
    quote.win("the customer accepts", "salesperson")
    return quote


def drafted(
    lines: tuple[ContractLine, ...] | None = None,
    days: int = STANDARD_DAYS,
    special: tuple[str, ...] = (),
    important: bool = False,
) -> SalesContract:
    return SalesContract.draft(
        won(),
        None,
        customer(),
        "CNY",
        lines,
        days,
        12,
        LIABILITY,
        special,
        important,
        "salesperson",
    )


def submitted(contract: SalesContract, flags: tuple[str, ...] = ()) -> None:
    rule = MATRIX.rule(CONTRACT)
    why = rule.why_major(contract.total, flags)
    contract.submit(customer(), STANDARD_DAYS, why, "salesperson")
    contract.request_approval(uuid4(), rule, 1, "salesperson", contract.total, flags)


def steps(document: Approvable) -> list[str]:
    approval = document.approval
    assert approval is not None
    return [s.step.name for s in approval.steps]


def approved() -> SalesContract:
    contract = drafted()
    submitted(contract)
    grant(contract, "department_review", "finance", Role.FINANCE)
    grant(contract, "sales_manager", "manager", Role.SALES_MANAGER)
    return contract


def company_seal(at: datetime | None = None, method: Method = Method.SEAL) -> SignatureCapture:
    return SignatureCapture(
        signer_id="gm",
        signer_name="Wu Hao",
        capacity=Capacity.EMPLOYEE,
        signer_org="Countersign",
        method=method,
        image_hash=hashlib.sha256(b"the company seal").hexdigest(),
        place="Shanghai",
        signed_at=at or datetime.now(tz=UTC),
    )


def sign(contract: SalesContract, capture: SignatureCapture, by: str) -> None:
    contract.capture_signature(uuid4(), capture, by, "seal", datetime.now(tz=UTC))


def signed() -> SalesContract:
    contract = approved()
    sign(contract, company_seal(), "gm")
    sign(contract, on_paper(), "sales-clerk")
    return contract


def events_of(contract: SalesContract, kind: type) -> list[object]:
    return [e for e in contract.collect_events() if isinstance(e, kind)]


# OR-10: content


def test_or_10_a_contract_states_its_goods_payment_terms_term_and_liability() -> None:
    contract = drafted()
    assert contract.lines == (ContractLine("P-1", "pump", 10, Decimal("120.00")),)
    assert (contract.payment_terms_days, contract.term_months) == (STANDARD_DAYS, 12)
    assert contract.quote_id is not None and contract.deviations == ()
    with pytest.raises(RuleViolation) as no_liability:
        SalesContract.draft(won(), None, None, "CNY", None, 30, 12, " ", (), False, "sp")
    refused("OR-10", no_liability)
    with pytest.raises(RuleViolation) as no_term:
        SalesContract.draft(won(), None, None, "CNY", None, 30, 0, LIABILITY, (), False, "sp")
    refused("OR-10", no_term)
    with pytest.raises(RuleViolation) as no_customer:
        SalesContract.draft(None, None, None, "CNY", None, 30, 12, LIABILITY, (), False, "sp")
    refused("OR-10", no_customer)


def test_or_08_a_contract_follows_a_won_quote() -> None:
    with pytest.raises(RuleViolation) as open_quote:
        SalesContract.draft(issued(), None, None, "CNY", None, 30, 12, LIABILITY, (), False, "s")
    refused("OR-08", open_quote)
    with pytest.raises(RuleViolation) as blacklisted:
        SalesContract.draft(
            won(), None, customer(blacklisted=True), "CNY", None, 30, 12, LIABILITY, (), False, "s"
        )
    refused("CU-06", blacklisted)


def test_cu_02_a_contract_without_a_quote_is_with_a_known_customer() -> None:
    line = (ContractLine("P-1", "pump", 1, Decimal("100")),)
    with pytest.raises(RuleViolation) as unknown:
        SalesContract.draft(None, uuid4(), None, "CNY", line, 30, 12, LIABILITY, (), False, "s")
    refused("CU-02", unknown)
    known = customer()
    contract = SalesContract.draft(
        None, known.id, known, "CNY", line, 30, 12, LIABILITY, (), False, "s"
    )
    assert (contract.quote_id, contract.customer_id, contract.deviations) == (None, known.id, ())


# OR-06: negotiation


def test_or_06_the_negotiation_is_reported_to_the_manager_until_signed() -> None:
    contract = drafted()
    contract.log_negotiation_note("Customer asks for delivery in two lots", "salesperson")
    (note,) = events_of(contract, SalesContract.NegotiationNoteLogged)
    assert isinstance(note, SalesContract.NegotiationNoteLogged) and note.reported_to_manager
    with pytest.raises(RuleViolation) as empty:
        contract.log_negotiation_note(" ", "salesperson")
    refused("OR-06", empty)
    done = signed()
    with pytest.raises(RuleViolation) as after:
        done.log_negotiation_note("one more thing", "salesperson")
    refused("OR-06", after)


def test_or_06_a_major_contract_goes_to_leadership() -> None:
    ordinary = drafted()
    submitted(ordinary)
    assert steps(ordinary) == ["department_review", "sales_manager"]
    large = drafted(lines=(ContractLine("P-1", "pump", 5000, Decimal("120.00")),))
    large.propose_deviations(STANDARD_DAYS, "salesperson")
    large.request_approval(uuid4(), MATRIX.rule(DEVIATION), 1, "salesperson", large.total)
    grant(large, "sales_manager", "manager", Role.SALES_MANAGER)
    grant(large, "leadership", "gm", Role.LEADERSHIP_GM)
    submitted(large, (IMPORTANT_OR_COMPLEX,))
    assert large.why_major == ("amount 600000.00 >= 500000.00",)
    assert steps(large) == ["department_review", "legal_expert", "sales_manager", "leadership"]
    grant(large, "department_review", "finance", Role.FINANCE)
    grant(large, "legal_expert", "lawyer", Role.LEGAL_EXPERT)
    grant(large, "sales_manager", "manager", Role.SALES_MANAGER)
    assert large.status is ContractStatus.UNDER_REVIEW  # leadership has not approved yet
    with pytest.raises(RuleViolation) as unsigned:
        sign(large, company_seal(), "gm")
    refused("OR-10", unsigned)
    grant(large, "leadership", "dgm", Role.LEADERSHIP_DGM)
    assert large.status is ContractStatus.READY_TO_SIGN


# OR-08, OR-07: deviations and non-standard terms


def test_or_08_a_deviation_from_the_quote_is_confirmed_again_before_review() -> None:
    cheaper = (ContractLine("P-1", "pump", 10, Decimal("110.00")),)
    contract = drafted(lines=cheaper)
    assert contract.deviations == (Deviation("line P-1 unit price", "120.00", "110.00"),)
    with pytest.raises(RuleViolation) as unconfirmed:
        contract.submit(customer(), STANDARD_DAYS, (), "salesperson")
    refused("OR-08", unconfirmed)
    assert contract.propose_deviations(STANDARD_DAYS, "salesperson") == DEVIATION
    contract.request_approval(uuid4(), MATRIX.rule(DEVIATION), 1, "salesperson", contract.total)
    assert steps(contract) == ["sales_manager"]
    grant(contract, "sales_manager", "manager", Role.SALES_MANAGER)
    assert contract.confirmed_hash == contract.version_hash
    submitted(contract)
    assert contract.status is ContractStatus.UNDER_REVIEW


def test_or_08_a_change_after_the_confirmation_is_confirmed_again() -> None:
    contract = drafted(lines=(ContractLine("P-1", "pump", 12, Decimal("120.00")),))
    contract.propose_deviations(STANDARD_DAYS, "salesperson")
    contract.request_approval(uuid4(), MATRIX.rule(DEVIATION), 1, "salesperson", contract.total)
    grant(contract, "sales_manager", "manager", Role.SALES_MANAGER)
    contract.revise(
        (ContractLine("P-1", "pump", 14, Decimal("120.00")),),
        STANDARD_DAYS,
        12,
        LIABILITY,
        (),
        False,
        "salesperson",
    )
    with pytest.raises(RuleViolation) as stale:
        contract.submit(customer(), STANDARD_DAYS, (), "salesperson")
    refused("OR-08", stale)
    with pytest.raises(RuleViolation) as nothing:
        drafted().propose_deviations(STANDARD_DAYS, "salesperson")
    refused("OR-08", nothing)


def test_or_07_terms_outside_the_norm_need_the_managers_consent_first() -> None:
    contract = drafted(days=60, special=("Free training for 5 operators",))
    assert contract.non_standard_terms(STANDARD_DAYS) == (
        "payment terms of 60 days",
        "special clause: Free training for 5 operators",
    )
    with pytest.raises(RuleViolation) as no_consent:
        contract.submit(customer(), STANDARD_DAYS, (), "salesperson")
    refused("OR-07", no_consent)
    assert contract.propose_deviations(STANDARD_DAYS, "salesperson") == NON_STANDARD_TERMS
    rule = MATRIX.rule(NON_STANDARD_TERMS)
    contract.request_approval(uuid4(), rule, 1, "salesperson", contract.total)
    grant(contract, "sales_manager", "manager", Role.SALES_MANAGER)
    submitted(contract, (NON_STANDARD_TERMS,))
    assert steps(contract)[-1] == "leadership"  # non-standard terms make it major


# OR-09: review issues


def test_or_09_every_review_issue_is_confirmed_before_signing() -> None:
    contract = drafted()
    submitted(contract)
    issue_id = uuid4()
    with pytest.raises(RuleViolation) as not_reviewer:
        contract.raise_issue(issue_id, "the penalty is unbounded", "sp", SALESPERSON)
    refused("OR-10", not_reviewer)
    contract.raise_issue(
        issue_id, "the penalty is unbounded", "lawyer", frozenset({"legal_expert"})
    )
    grant(contract, "department_review", "finance", Role.FINANCE)
    grant(contract, "sales_manager", "manager", Role.SALES_MANAGER)
    with pytest.raises(RuleViolation) as open_issue:
        sign(contract, company_seal(), "gm")
    refused("OR-09", open_issue)
    with pytest.raises(RuleViolation) as not_manager:
        contract.confirm_issue(issue_id, "capped at 10%", "sp", SALESPERSON)
    refused("OR-09", not_manager)
    contract.confirm_issue(issue_id, "capped at 10%", "manager", frozenset({"sales_manager"}))
    with pytest.raises(RuleViolation) as twice:
        contract.confirm_issue(issue_id, "again", "manager", frozenset({"sales_manager"}))
    refused("OR-09", twice)
    sign(contract, company_seal(), "gm")
    assert contract.open_issues == []


# OR-10: signing


def test_or_10_both_parties_sign_the_approved_version_the_company_with_its_seal() -> None:
    draft = drafted()
    with pytest.raises(RuleViolation) as unapproved:
        sign(draft, on_paper(), "sales-clerk")
    refused("OR-10", unapproved)
    contract = approved()
    with pytest.raises(RuleViolation) as no_seal:
        sign(contract, company_seal(method=Method.HANDWRITTEN), "gm")
    refused("OR-10", no_seal)
    sign(contract, company_seal(), "gm")
    assert contract.status is ContractStatus.READY_TO_SIGN  # the customer has not signed yet
    sign(contract, on_paper(), "sales-clerk")
    assert contract.status is ContractStatus.SIGNED
    (event,) = events_of(contract, SalesContract.Signed)
    assert isinstance(event, SalesContract.Signed)
    assert (event.payment_terms_days, event.amount, event.sealed) == (30, Decimal("1200.00"), True)
    assert event.version_hash == contract.approved_hash
    with pytest.raises(RuleViolation) as again:
        sign(contract, on_paper(), "sales-clerk")
    refused("OR-10", again)
    with pytest.raises(RuleViolation) as changed:
        contract.revise(contract.lines, 30, 12, LIABILITY, (), False, "salesperson")
    refused("OR-10", changed)


# OR-11, OR-13: filing and custody


def test_or_11_the_sales_clerk_files_the_signed_contract_the_same_day() -> None:
    contract = signed()
    now = datetime.now(tz=UTC)
    with pytest.raises(RuleViolation) as unsigned:
        approved().file("sales-clerk", CLERK, now, now + timedelta(hours=1))
    refused("OR-11", unsigned)
    contract.file("sales-clerk", CLERK, now, now + timedelta(hours=1))
    assert (contract.status, contract.custodian, contract.filing_missed) == (
        ContractStatus.ACTIVE,
        "sales-clerk",
        False,
    )
    late = signed()
    assert late.flag_late(now, now + timedelta(hours=1), now + timedelta(days=30)) is False
    assert late.flag_late(now, now - timedelta(hours=1), now + timedelta(days=30)) is True
    assert late.filing_missed
    assert late.flag_late(now, now - timedelta(hours=1), now + timedelta(days=30)) is False
    late.file("sales-clerk", CLERK, now, now - timedelta(hours=1))
    assert late.filing_missed and late.status is ContractStatus.ACTIVE


def test_or_11_filing_is_due_by_the_close_of_the_signing_day() -> None:
    monday_morning = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    assert filing_due(CALENDAR, 0, monday_morning) == datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    saturday = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    assert filing_due(CALENDAR, 0, saturday) == datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    assert archive_due(CALENDAR, 5, monday_morning) == datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
    assert month_bounds(CALENDAR, "2026-12") == (
        datetime(2026, 11, 30, 16, 0, tzinfo=UTC),
        datetime(2026, 12, 31, 16, 0, tzinfo=UTC),
    )


def test_or_13_salespeople_may_not_keep_contracts() -> None:
    contract = signed()
    now = datetime.now(tz=UTC)
    with pytest.raises(RuleViolation) as salesperson:
        contract.file("salesperson", SALESPERSON, now, now)
    refused("OR-13", salesperson)
    assert contract.custodian is None
    with pytest.raises(RuleViolation) as volume:
        ContractVolume.bind("2026-10", True, "V-1", (), "salesperson", SALESPERSON)
    refused("OR-13", volume)


# OR-12: the monthly volume


def test_or_12_the_months_contracts_are_numbered_into_a_volume_once_all_are_filed() -> None:
    now = datetime.now(tz=UTC)
    filed, unfiled = signed(), signed()
    filed.file("sales-clerk", CLERK, now, now)
    with pytest.raises(RuleViolation) as missing:
        ContractVolume.bind("2026-10", True, "V-1", (filed, unfiled), "sales-clerk", CLERK)
    refused("OR-12", missing)
    assert missing.value.details["not_filed"] == [str(unfiled.id)]
    with pytest.raises(RuleViolation) as too_soon:
        ContractVolume.bind("2026-10", False, "V-1", (filed,), "sales-clerk", CLERK)
    refused("OR-12", too_soon)
    volume = ContractVolume.bind("2026-10", True, "V-1", (filed,), "sales-clerk", CLERK)
    assert (volume.count, volume.contract_ids) == (1, (filed.id,))
    filed.archive("2026-10", "V-1", 1, "sales-clerk", now, now + timedelta(days=1))
    assert (filed.volume_no, filed.archive_number, filed.archive_missed) == ("V-1", 1, False)
    with pytest.raises(RuleViolation) as twice:
        filed.archive("2026-10", "V-1", 1, "sales-clerk", now, now + timedelta(days=1))
    refused("OR-12", twice)
    late = signed()
    assert late.flag_late(now, now + timedelta(hours=1), now - timedelta(days=1)) is True
    assert late.archive_missed
