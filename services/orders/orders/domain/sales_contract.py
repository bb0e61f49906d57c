"""The sales contract (RULES §4.2; OR-06 … OR-13), from negotiation to the monthly archive.

Drafted from a won quote when there is one, it states the goods, the price, the payment terms,
the term, the liability for breach and any special clauses (OR-10). The salesperson reports the
negotiation as it goes (OR-06). Whatever differs from the quote is confirmed again (OR-08), and
terms outside the norm are consented to by the sales manager first (OR-07), both through the
authority matrix's chains, before the draft goes to review. The departments concerned review it,
the legal expert too when it is important or complex, then the sales manager and, when major,
leadership (OR-10, OR-06); issues raised in review are each confirmed (OR-09). Only the approved
version is signed, by the customer through their own channel and by the company with its seal
(OR-10); both signatures make it ``Signed``. The sales clerk files it the same day (OR-11) and
binds the month's contracts into a numbered volume by the 5th of the next month (OR-12); the
clerk, never a salesperson, keeps the originals (OR-13)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self
from uuid import UUID, uuid5

from kernel.approvals.domain import ApprovalState, Capacity, Method, SignatureCapture
from kernel.roles import Role
from kernel.signing.domain import Signable, SigningSheet
from orders.domain.known_customer import KnownCustomer
from orders.domain.lines import signed_line
from orders.domain.quote import Quote, QuoteStatus
from runtime.aggregate import Aggregate, RuleViolation

CONTRACT = "contract"
"""The authority matrix's chain for the contract's review and approval (OR-10)."""
DEVIATION = "deviation"
"""The matrix's chain re-confirming what differs from the quote (OR-08)."""
NON_STANDARD_TERMS = "non_standard_terms"
"""The matrix's chain for terms outside the norm (OR-07), and its flag (``major_if``)."""
IMPORTANT_OR_COMPLEX = "important_or_complex"
"""The matrix's flag that brings in the legal expert (OR-10)."""

REVIEWERS = frozenset(
    {
        Role.FINANCE,
        Role.TECHNICAL_DEPARTMENT,
        Role.LEGAL_EXPERT,
        Role.SALES_MANAGER,
        Role.LEADERSHIP_GM,
        Role.LEADERSHIP_DGM,
    }
)
"""OR-10: who reviews a contract and may raise an issue on it."""
CONFIRMERS = (Role.SALES_MANAGER, Role.LEADERSHIP_GM, Role.LEADERSHIP_DGM)
"""OR-09: who confirms an issue raised in review."""


@dataclass(frozen=True)
class ContractLine:
    product_code: str
    description: str
    quantity: int
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class Deviation:
    """OR-08: one term of the contract that differs from the quote."""

    clause: str
    original: str
    proposed: str


def total(lines: Iterable[ContractLine]) -> Decimal:
    return sum((line.amount for line in lines), Decimal(0))


def _priced(line: ContractLine) -> str:
    return f"{line.quantity} x {line.unit_price}"


def deviations(
    quoted: tuple[ContractLine, ...], lines: tuple[ContractLine, ...]
) -> tuple[Deviation, ...]:
    """OR-08: what the contract's lines change from the quote's (nothing without a quote)."""
    if not quoted:
        return ()
    before = {line.product_code: line for line in quoted}
    after = {line.product_code: line for line in lines}
    found: list[Deviation] = []
    for code in sorted(before.keys() | after.keys()):
        old, new = before.get(code), after.get(code)
        if old is None:
            assert new is not None
            found.append(Deviation(f"line {code}", "not quoted", _priced(new)))
        elif new is None:
            found.append(Deviation(f"line {code}", _priced(old), "removed"))
        else:
            if old.quantity != new.quantity:
                found.append(
                    Deviation(f"line {code} quantity", str(old.quantity), str(new.quantity))
                )
            if old.unit_price != new.unit_price:
                found.append(
                    Deviation(f"line {code} unit price", str(old.unit_price), str(new.unit_price))
                )
    return tuple(found)


class ContractStatus(StrEnum):
    DRAFT = "draft"
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    """OR-07, OR-08: its deviations or non-standard terms are at the sales manager."""
    UNDER_REVIEW = "under_review"
    READY_TO_SIGN = "ready_to_sign"
    SIGNED = "signed"
    ACTIVE = "active"
    """Filed by the sales clerk (OR-11)."""


_CHANGEABLE = (
    ContractStatus.DRAFT,
    ContractStatus.AWAITING_CONFIRMATION,
    ContractStatus.UNDER_REVIEW,
    ContractStatus.READY_TO_SIGN,
)


@dataclass
class ReviewIssue:
    issue_id: UUID
    issue: str
    raised_by: str
    resolution: str | None = None
    confirmed_by: str | None = None


def _stated(
    lines: tuple[ContractLine, ...], payment_terms_days: int, term_months: int, liability: str
) -> None:
    # OR-10: a contract states the goods and price, the payment terms, the term and the liability.
    if not lines:
        raise RuleViolation("OR-10", "a contract states at least one line of goods")
    if any(line.quantity <= 0 or line.unit_price < 0 for line in lines):
        raise RuleViolation("OR-10", "every line states a positive quantity and its price")
    if payment_terms_days < 0 or term_months < 1:
        raise RuleViolation(
            "OR-10",
            "a contract states its payment terms (days) and its term (months)",
            payment_terms_days=payment_terms_days,
            term_months=term_months,
        )
    if not liability.strip():
        raise RuleViolation("OR-10", "a contract states the liability for breach")


def _not_blacklisted(customer: KnownCustomer | None, customer_id: UUID) -> None:
    # RULES §7 row 2, CU-06: no contract with a blacklisted customer.
    if customer is not None and customer.blacklisted:
        raise RuleViolation("CU-06", "the customer is blacklisted", customer_id=str(customer_id))


class SalesContract(Signable):
    document_type = "sales_contract"

    def __init__(self) -> None:
        self.customer_id: UUID
        self.quote_id: UUID | None
        self.currency: str
        self.lines: tuple[ContractLine, ...]
        self.quoted_lines: tuple[ContractLine, ...]
        self.payment_terms_days: int
        self.term_months: int
        self.liability_clause: str
        self.special_clauses: tuple[str, ...]
        self.important_or_complex: bool
        self.drafted_by: str
        self.revision = 1
        self.status = ContractStatus.DRAFT
        self.negotiation_notes = 0
        self.confirmed_hash: str | None = None
        """OR-07, OR-08: the version whose deviations and non-standard terms were confirmed."""
        self.why_major: tuple[str, ...] = ()
        self.approved_hash: str | None = None
        self.issues: dict[UUID, ReviewIssue] = {}
        self.signed_at: datetime | None = None
        self.signed_hash: str | None = None
        self.filed_at: datetime | None = None
        self.custodian: str | None = None
        self.filing_missed = False
        self.archive_missed = False
        self.archived_at: datetime | None = None
        self.volume_no: str | None = None
        self.archive_number: int | None = None

    class Drafted(Aggregate.Created):
        customer_id: UUID
        quote_id: UUID | None
        currency: str
        lines: tuple[ContractLine, ...]
        quoted_lines: tuple[ContractLine, ...]
        payment_terms_days: int
        term_months: int
        liability_clause: str
        special_clauses: tuple[str, ...]
        important_or_complex: bool
        drafted_by: str

        def apply(self, contract: SalesContract) -> None:
            super().apply(contract)
            contract.special_clauses = tuple(self.special_clauses)  # a list once stored as JSON

    class NegotiationNoteLogged(Aggregate.Event):
        """OR-06: how the negotiation goes, reported to the sales manager as it goes."""

        note: str
        logged_by: str
        reported_to_manager: bool

        def apply(self, contract: SalesContract) -> None:
            contract.negotiation_notes += 1

    class Revised(Aggregate.Event):
        revision: int
        lines: tuple[ContractLine, ...]
        payment_terms_days: int
        term_months: int
        liability_clause: str
        special_clauses: tuple[str, ...]
        important_or_complex: bool
        revised_by: str

        def apply(self, contract: SalesContract) -> None:
            contract.revision, contract.lines = self.revision, self.lines
            contract.payment_terms_days, contract.term_months = (
                self.payment_terms_days,
                self.term_months,
            )
            contract.liability_clause = self.liability_clause
            contract.special_clauses = tuple(self.special_clauses)
            contract.important_or_complex = self.important_or_complex
            contract.status, contract.approved_hash = ContractStatus.DRAFT, None

    class DeviationsProposed(Aggregate.Event):
        """OR-07, OR-08 (``TermsDeviationProposed``): what differs from the quote and what lies
        outside the norm, sent to be confirmed."""

        revision: int
        deviations: tuple[Deviation, ...]
        non_standard_terms: tuple[str, ...]
        proposed_by: str

        def apply(self, contract: SalesContract) -> None:
            contract.status = ContractStatus.AWAITING_CONFIRMATION

    class DeviationsApproved(Aggregate.Event):
        revision: int
        version_hash: str
        approval_ids: tuple[UUID, ...]

        def apply(self, contract: SalesContract) -> None:
            contract.status, contract.confirmed_hash = ContractStatus.DRAFT, self.version_hash

    class DeviationsRejected(Aggregate.Event):
        revision: int
        approval_ids: tuple[UUID, ...]
        reason: str

        def apply(self, contract: SalesContract) -> None:
            contract.status = ContractStatus.DRAFT

    class SubmittedForReview(Aggregate.Event):
        revision: int
        total: Decimal
        major: bool
        why_major: tuple[str, ...]
        submitted_by: str

        def apply(self, contract: SalesContract) -> None:
            contract.status, contract.why_major = ContractStatus.UNDER_REVIEW, tuple(self.why_major)

    class ReviewIssueRaised(Aggregate.Event):
        issue_id: UUID
        issue: str
        raised_by: str

        def apply(self, contract: SalesContract) -> None:
            contract.issues[self.issue_id] = ReviewIssue(self.issue_id, self.issue, self.raised_by)

    class ReviewIssueConfirmed(Aggregate.Event):
        issue_id: UUID
        resolution: str
        confirmed_by: str
        confirmer_role: str

        def apply(self, contract: SalesContract) -> None:
            issue = contract.issues[self.issue_id]
            issue.resolution, issue.confirmed_by = self.resolution, self.confirmed_by

    class Approved(Aggregate.Event):
        """OR-10 (``ContractApproved``): the version the review and approval chain covers."""

        revision: int
        version_hash: str
        approval_ids: tuple[UUID, ...]

        def apply(self, contract: SalesContract) -> None:
            contract.status, contract.approved_hash = (
                ContractStatus.READY_TO_SIGN,
                self.version_hash,
            )

    class Rejected(Aggregate.Event):
        revision: int
        approval_ids: tuple[UUID, ...]
        reason: str

        def apply(self, contract: SalesContract) -> None:
            contract.status = ContractStatus.DRAFT

    class Signed(Aggregate.Event):
        """OR-09, OR-10 (``ContractSigned``): the customer and the company (with its seal) signed
        the approved version."""

        version_hash: str
        customer_id: UUID
        customer_signature_id: UUID
        company_signature_id: UUID
        sealed: bool
        amount: Decimal
        currency: str
        payment_terms_days: int
        signed_at: datetime

        def apply(self, contract: SalesContract) -> None:
            contract.status, contract.signed_at = ContractStatus.SIGNED, self.signed_at
            contract.signed_hash = self.version_hash

    class Filed(Aggregate.Event):
        """OR-11, OR-13 (``ContractFiled``): the sales clerk took the original into custody."""

        custodian: str
        due_at: datetime
        on_time: bool

        def apply(self, contract: SalesContract) -> None:
            contract.status, contract.custodian = ContractStatus.ACTIVE, self.custodian
            contract.filed_at = self.timestamp
            contract.filing_missed = contract.filing_missed or not self.on_time

    class FilingMissed(Aggregate.Event):
        """OR-11: not filed by the close of the day it was signed."""

        due_at: datetime

        def apply(self, contract: SalesContract) -> None:
            contract.filing_missed = True

    class Archived(Aggregate.Event):
        """OR-12: numbered into the month's volume."""

        month: str
        volume_no: str
        number: int
        archived_by: str
        due_at: datetime
        on_time: bool

        def apply(self, contract: SalesContract) -> None:
            contract.archived_at, contract.volume_no = self.timestamp, self.volume_no
            contract.archive_number = self.number
            contract.archive_missed = contract.archive_missed or not self.on_time

    class ArchiveMissed(Aggregate.Event):
        """OR-12: not in its month's volume by the 5th of the next month."""

        due_at: datetime

        def apply(self, contract: SalesContract) -> None:
            contract.archive_missed = True

    @property
    def total(self) -> Decimal:
        return total(self.lines)

    @property
    def deviations(self) -> tuple[Deviation, ...]:
        return deviations(self.quoted_lines, self.lines)

    def non_standard_terms(self, standard_payment_terms_days: int) -> tuple[str, ...]:
        """OR-07: payment terms longer than the norm, and every special clause."""
        found = (
            [f"payment terms of {self.payment_terms_days} days"]
            if self.payment_terms_days > standard_payment_terms_days
            else []
        )
        return (*found, *(f"special clause: {clause}" for clause in self.special_clauses))

    @property
    def review_issues(self) -> list[ReviewIssue]:
        return list(self.issues.values())

    @property
    def open_issues(self) -> list[UUID]:
        return [i for i, issue in self.issues.items() if issue.confirmed_by is None]

    @classmethod
    def draft(
        cls,
        quote: Quote | None,
        customer_id: UUID | None,
        customer: KnownCustomer | None,
        currency: str,
        lines: tuple[ContractLine, ...] | None,
        payment_terms_days: int,
        term_months: int,
        liability_clause: str,
        special_clauses: tuple[str, ...],
        important_or_complex: bool,
        drafted_by: str,
    ) -> Self:
        quoted: tuple[ContractLine, ...] = ()
        if quote is not None:
            # RULES §4.1: a quote that was won starts the contract; its terms are the basis the
            # contract is compared with (OR-08).
            if quote.status is not QuoteStatus.WON:
                raise RuleViolation(
                    "OR-08", "a contract is drafted from a won quote", quote_status=quote.status
                )
            if customer_id is not None and customer_id != quote.customer_id:
                raise RuleViolation(
                    "OR-08",
                    "the contract is with the customer the quote was won from",
                    quote_customer_id=str(quote.customer_id),
                )
            customer_id, currency = quote.customer_id, quote.currency
            quoted = tuple(
                ContractLine(q.product_code, q.description, q.quantity, q.unit_price)
                for q in quote.lines
            )
        if customer_id is None:
            raise RuleViolation("OR-10", "a contract names its customer, or the quote it follows")
        # CU-02: no transaction with a customer who has no customer file.
        if quote is None and customer is None:
            raise RuleViolation(
                "CU-02", "unknown customer: no customer file exists", customer_id=str(customer_id)
            )
        chosen = quoted if lines is None else lines
        _not_blacklisted(customer, customer_id)
        _stated(chosen, payment_terms_days, term_months, liability_clause)
        return cls._create(
            cls.Drafted,
            customer_id=customer_id,
            quote_id=None if quote is None else quote.id,
            currency=currency,
            lines=chosen,
            quoted_lines=quoted,
            payment_terms_days=payment_terms_days,
            term_months=term_months,
            liability_clause=liability_clause,
            special_clauses=special_clauses,
            important_or_complex=important_or_complex,
            drafted_by=drafted_by,
        )

    # -- negotiation (OR-06)

    def log_negotiation_note(self, note: str, logged_by: str) -> None:
        # OR-06: the negotiation is reported as it goes, until the contract is signed.
        if self.status not in _CHANGEABLE:
            raise RuleViolation(
                "OR-06", "the negotiation of a signed contract is over", status=self.status
            )
        if not note.strip():
            raise RuleViolation("OR-06", "a negotiation note says what was negotiated")
        self.trigger_event(
            self.NegotiationNoteLogged, note=note, logged_by=logged_by, reported_to_manager=True
        )

    def revise(
        self,
        lines: tuple[ContractLine, ...],
        payment_terms_days: int,
        term_months: int,
        liability_clause: str,
        special_clauses: tuple[str, ...],
        important_or_complex: bool,
        revised_by: str,
    ) -> None:
        # OR-10: the signed contract is the approved one; it is not changed afterwards.
        if self.status not in _CHANGEABLE:
            raise RuleViolation("OR-10", "a signed contract is not changed", status=self.status)
        _stated(lines, payment_terms_days, term_months, liability_clause)
        self.trigger_event(
            self.Revised,
            revision=self.revision + 1,
            lines=lines,
            payment_terms_days=payment_terms_days,
            term_months=term_months,
            liability_clause=liability_clause,
            special_clauses=special_clauses,
            important_or_complex=important_or_complex,
            revised_by=revised_by,
        )
        # XC-01, OR-08: what was confirmed or approved covered the previous version only.
        self.content_changed()

    # -- deviations and non-standard terms (OR-07, OR-08)

    def propose_deviations(self, standard_payment_terms_days: int, proposed_by: str) -> str:
        """Records what must be confirmed; returns the matrix chain that confirms it."""
        if self.status is not ContractStatus.DRAFT:
            raise RuleViolation(
                "OR-08", "only a draft's deviations are sent for confirmation", status=self.status
            )
        found = self.deviations
        non_standard = self.non_standard_terms(standard_payment_terms_days)
        if not found and not non_standard:
            raise RuleViolation(
                "OR-08", "nothing in the draft differs from the quote or the standard terms"
            )
        self.trigger_event(
            self.DeviationsProposed,
            revision=self.revision,
            deviations=found,
            non_standard_terms=non_standard,
            proposed_by=proposed_by,
        )
        return DEVIATION if found else NON_STANDARD_TERMS

    def _confirmed(self, standard_payment_terms_days: int) -> None:
        if self.confirmed_hash == self.version_hash:
            return
        # OR-08: every difference from the quote is confirmed again before it goes further.
        found = self.deviations
        if found:
            raise RuleViolation(
                "OR-08",
                "the draft differs from the quote: the sales manager confirms the deviations first",
                deviations=[vars(d) for d in found],
            )
        # OR-07: terms outside the norm need the sales manager's consent before they are offered.
        non_standard = self.non_standard_terms(standard_payment_terms_days)
        if non_standard:
            raise RuleViolation(
                "OR-07",
                "terms outside the norm need the sales manager's consent first",
                non_standard_terms=list(non_standard),
            )

    # -- review and approval (OR-10, OR-06)

    def submit(
        self,
        customer: KnownCustomer | None,
        standard_payment_terms_days: int,
        why_major: tuple[str, ...],
        submitted_by: str,
    ) -> None:
        if self.status is not ContractStatus.DRAFT:
            raise RuleViolation("OR-10", "only a draft is submitted for review", status=self.status)
        self._confirmed(standard_payment_terms_days)
        _not_blacklisted(customer, self.customer_id)
        self.trigger_event(
            self.SubmittedForReview,
            revision=self.revision,
            total=self.total,
            major=bool(why_major),
            why_major=why_major,
            submitted_by=submitted_by,
        )

    def raise_issue(
        self, issue_id: UUID, issue: str, raised_by: str, roles: frozenset[str]
    ) -> None:
        # OR-10: the departments concerned, the legal expert and the managers review it.
        if not roles & REVIEWERS:
            raise RuleViolation(
                "OR-10",
                "review issues are raised by the reviewing departments, the legal expert or "
                "the managers",
                reviewers=sorted(REVIEWERS),
            )
        if self.status not in (ContractStatus.UNDER_REVIEW, ContractStatus.READY_TO_SIGN):
            raise RuleViolation(
                "OR-10", "issues are raised while the contract is reviewed", status=self.status
            )
        if not issue.strip():
            raise RuleViolation("OR-10", "a review issue says what is wrong")
        self.trigger_event(
            self.ReviewIssueRaised, issue_id=issue_id, issue=issue, raised_by=raised_by
        )

    def confirm_issue(
        self, issue_id: UUID, resolution: str, confirmed_by: str, roles: frozenset[str]
    ) -> None:
        issue = self.issues.get(issue_id)
        if issue is None:
            raise RuleViolation("OR-09", "no such review issue", issue_id=str(issue_id))
        # OR-09: the sales manager or leadership confirms every issue, once.
        role = next((r for r in CONFIRMERS if r in roles), None)
        if role is None:
            raise RuleViolation(
                "OR-09",
                "review issues are confirmed by the sales manager or leadership",
                required_roles=list(CONFIRMERS),
            )
        if issue.confirmed_by is not None:
            raise RuleViolation("OR-09", "the issue was already confirmed", by=issue.confirmed_by)
        if not resolution.strip():
            raise RuleViolation("OR-09", "a confirmation says how the issue was settled")
        self.trigger_event(
            self.ReviewIssueConfirmed,
            issue_id=issue_id,
            resolution=resolution,
            confirmed_by=confirmed_by,
            confirmer_role=role,
        )

    # -- signing (OR-09, OR-10)

    def signature_allowed(self, capacity: Capacity) -> None:
        # OR-10: only the approved version is signed, once.
        if self.status in (ContractStatus.SIGNED, ContractStatus.ACTIVE):
            raise RuleViolation("OR-10", "the contract is already signed")
        if self.status is not ContractStatus.READY_TO_SIGN or (
            self.approved_hash != self.version_hash
        ):
            raise RuleViolation(
                "OR-10",
                "a contract is signed only in the version its review and approval cover",
                status=self.status,
            )
        # OR-09: and only once every issue raised in review is confirmed.
        if self.open_issues:
            raise RuleViolation(
                "OR-09",
                "every review issue is confirmed before the contract is signed",
                open_issues=[str(i) for i in self.open_issues],
            )

    def capture_signature(
        self,
        signature_id: UUID,
        capture: SignatureCapture,
        captured_by: str,
        seal: str,
        now: datetime,
    ) -> None:
        # OR-10: the company signs with its authorised signatory's seal.
        if capture.capacity is Capacity.EMPLOYEE and capture.method is not Method.SEAL:
            raise RuleViolation(
                "OR-10", "the company signs a contract with its seal", method=capture.method
            )
        super().capture_signature(signature_id, capture, captured_by, seal, now)
        if capture.capacity is Capacity.EMPLOYEE:
            self._signed_if_complete()

    def on_customer_signed(self, signed_at: datetime) -> None:
        self._signed_if_complete()

    def _signed_if_complete(self) -> None:
        """OR-10: both parties signed the approved version: the contract is signed."""
        valid = [
            (signature_id, signature)
            for signature_id, signature in self.signatures.items()
            if not signature.voided and signature.document_version_hash == self.approved_hash
        ]
        customer = next((s for s in valid if s[1].capacity == Capacity.CUSTOMER), None)
        company = next(
            (s for s in valid if s[1].capacity == Capacity.EMPLOYEE and s[1].method == Method.SEAL),
            None,
        )
        if customer is None or company is None or self.approved_hash is None:
            return
        self.trigger_event(
            self.Signed,
            version_hash=self.approved_hash,
            customer_id=self.customer_id,
            customer_signature_id=customer[0],
            company_signature_id=company[0],
            sealed=True,
            amount=self.total,
            currency=self.currency,
            payment_terms_days=self.payment_terms_days,
            signed_at=max(customer[1].signed_at, company[1].signed_at),
        )

    # -- custody, filing and the archive (OR-11, OR-12, OR-13)

    def file(self, custodian: str, roles: frozenset[str], now: datetime, due_at: datetime) -> None:
        # OR-13: the sales clerk keeps the originals; a salesperson never does.
        if Role.SALES_CLERK not in roles:
            raise RuleViolation(
                "OR-13",
                "contracts are kept by the sales clerk; salespeople may not keep them",
                custodian=custodian,
            )
        # OR-11: what is filed is the signed original, once.
        if self.status is not ContractStatus.SIGNED:
            raise RuleViolation(
                "OR-11", "only a signed contract not yet filed is filed", status=self.status
            )
        self.trigger_event(self.Filed, custodian=custodian, due_at=due_at, on_time=now <= due_at)

    def flag_late(self, now: datetime, filing_due_at: datetime, archive_due_at: datetime) -> bool:
        """OR-11, OR-12: records, once each, a filing or an archiving past its time."""
        flagged = False
        if self.status is ContractStatus.SIGNED and not self.filing_missed and now > filing_due_at:
            self.trigger_event(self.FilingMissed, due_at=filing_due_at)
            flagged = True
        if (
            self.signed_at is not None
            and self.archived_at is None
            and not self.archive_missed
            and now > archive_due_at
        ):
            self.trigger_event(self.ArchiveMissed, due_at=archive_due_at)
            flagged = True
        return flagged

    def archive(
        self,
        month: str,
        volume_no: str,
        number: int,
        archived_by: str,
        now: datetime,
        due_at: datetime,
    ) -> None:
        if self.archived_at is not None:
            raise RuleViolation(
                "OR-12", "the contract is already archived", volume_no=self.volume_no
            )
        self.trigger_event(
            self.Archived,
            month=month,
            volume_no=volume_no,
            number=number,
            archived_by=archived_by,
            due_at=due_at,
            on_time=now <= due_at,
        )

    # -- the approvals (OR-07, OR-08, OR-10)

    def approval_content(self) -> Mapping[str, Any]:
        return {
            "customer_id": str(self.customer_id),
            "quote_id": None if self.quote_id is None else str(self.quote_id),
            "currency": self.currency,
            "lines": [signed_line(line) for line in self.lines],
            "payment_terms_days": self.payment_terms_days,
            "term_months": self.term_months,
            "liability_clause": self.liability_clause,
            "special_clauses": list(self.special_clauses),
        }

    def interested_parties(self) -> set[str]:
        return {self.drafted_by}

    def on_approved(self, approval: ApprovalState) -> None:
        if approval.kind == CONTRACT:
            self.trigger_event(
                self.Approved,
                revision=self.revision,
                version_hash=approval.subject_version_hash,
                approval_ids=(approval.approval_id,),
            )
        else:
            self.trigger_event(
                self.DeviationsApproved,
                revision=self.revision,
                version_hash=approval.subject_version_hash,
                approval_ids=(approval.approval_id,),
            )

    def on_rejected(self, approval: ApprovalState, reason: str) -> None:
        event = self.Rejected if approval.kind == CONTRACT else self.DeviationsRejected
        self.trigger_event(
            event, revision=self.revision, approval_ids=(approval.approval_id,), reason=reason
        )

    def signing_sheet(self) -> SigningSheet:
        return SigningSheet(
            title="Sales contract",
            facts=(
                ("Contract", str(self.id)),
                ("Customer", str(self.customer_id)),
                ("Total", f"{self.total:,.2f} {self.currency}"),
                ("Payment terms", f"{self.payment_terms_days} days"),
                ("Term", f"{self.term_months} months"),
                ("Liability for breach", self.liability_clause),
                *(("Special clause", clause) for clause in self.special_clauses),
            ),
            table_headers=("Product", "Description", "Quantity", "Unit price"),
            table_rows=tuple(
                (
                    line.product_code,
                    line.description,
                    str(line.quantity),
                    f"{line.unit_price:,.2f}",
                )
                for line in self.lines
            ),
        )


class ContractVolume(Aggregate):
    """OR-12: a month's original sales contracts, numbered and bound into a volume."""

    def __init__(self) -> None:
        self.month: str
        self.volume_no: str
        self.contract_ids: tuple[UUID, ...]
        self.archived_by: str
        self.count: int

    class MonthlyArchived(Aggregate.Created):
        """``ContractsMonthlyArchived``."""

        month: str
        volume_no: str
        contract_ids: tuple[UUID, ...]
        archived_by: str
        count: int

    @staticmethod
    def id_for(month: str) -> UUID:
        return uuid5(UUID(int=0x12), f"contract-volume:{month}")

    @classmethod
    def bind(
        cls,
        month: str,
        month_over: bool,
        volume_no: str,
        contracts: tuple[SalesContract, ...],
        archived_by: str,
        roles: frozenset[str],
    ) -> Self:
        # OR-13: the sales clerk keeps and archives the originals.
        if Role.SALES_CLERK not in roles:
            raise RuleViolation("OR-13", "the month's contracts are archived by the sales clerk")
        # OR-12: a month is archived once it is over.
        if not month_over:
            raise RuleViolation("OR-12", "a month is archived once it is over", month=month)
        # OR-12: a missing original blocks the volume.
        unfiled = [str(c.id) for c in contracts if c.custodian is None]
        if unfiled:
            raise RuleViolation(
                "OR-12",
                "every original of the month is filed before the volume is bound",
                not_filed=unfiled,
            )
        volume = cls._create(
            cls.MonthlyArchived,
            id=cls.id_for(month),
            month=month,
            volume_no=volume_no,
            contract_ids=tuple(c.id for c in contracts),
            archived_by=archived_by,
            count=len(contracts),
        )
        return volume
