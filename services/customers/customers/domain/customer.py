"""The customer file: registered by sales, opened only once the approval chain has signed; what
sales learn of the customer (CU-01), its grade (CU-03, CU-05) and its owners (CU-15)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self
from uuid import UUID

from kernel.approvals.domain import Approvable, ApprovalState, ApprovalStatus, StepStatus
from kernel.roles import Role
from runtime.aggregate import RuleViolation

APPROVAL_KIND = "customer_approval"
CREDIT_LIMIT_KIND = "credit_limit"
"""CU-12: the matrix's chain for a change of credit limit after onboarding."""

MAX_CONTACTS = 20
MAX_PREMISES = 10
"""CU-01: a file lists at most this many responsible persons and premises."""


class Grade(StrEnum):
    """CU-03: demand-based. A: large and urgent; B: ordinary, intends to buy; C: potential."""

    A = "A"
    B = "B"
    C = "C"


@dataclass(frozen=True)
class Contact:
    """CU-01: a responsible person at the customer."""

    name: str
    role: str
    phone: str


class CustomerStatus(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    ACTIVE = "active"
    REJECTED = "rejected"


class Customer(Approvable):
    document_type = "customer"

    def __init__(self) -> None:
        self.legal_name: str
        self.owner_id: str
        self.registered_by: str
        self.status = CustomerStatus.PENDING_APPROVAL
        self.credit_limit = Decimal(0)
        self.currency = ""
        self.approved_by: str | None = None
        # CU-01: the file's content, as sales last recorded it.
        self.important = False
        self.org_structure = ""
        self.contacts: tuple[Contact, ...] = ()
        self.premises: tuple[str, ...] = ()
        self.industry_standing = ""
        self.business_notes = ""
        # CU-03, CU-05: the grade the sales manager decided, and the pending proposal.
        self.grade: Grade | None = None
        self.grade_reason: str | None = None
        self.grade_decided_by: str | None = None
        self.grade_decided_at: datetime | None = None
        self.proposed_grade: Grade | None = None
        self.proposed_by: str | None = None
        # CU-15: the deputy account owner (the primary is ``owner_id``).
        self.deputy_id: str | None = None
        # CU-02: why the approval chain last refused to open the file.
        self.rejection_reason: str | None = None
        # CU-07, CU-11: the last completed credit investigation; CU-12: a limit awaiting approval.
        self.credit_investigation_id: UUID | None = None
        self.credit_reviewed_at: datetime | None = None
        self.credit_review_due_since: datetime | None = None
        self.credit_terms_allowed = False
        self.proposed_credit_limit: Decimal | None = None

    class Registered(Approvable.Created):
        legal_name: str
        owner_id: str
        registered_by: str

    class SubmittedForApproval(Approvable.Event):
        credit_limit: Decimal
        currency: str
        submitted_by: str

        def apply(self, customer: Customer) -> None:
            customer.credit_limit, customer.currency = self.credit_limit, self.currency
            customer.status = CustomerStatus.PENDING_APPROVAL  # CU-02: also when resubmitted

    class Approved(Approvable.Event):
        approved_by: str
        credit_limit: Decimal
        currency: str

        def apply(self, customer: Customer) -> None:
            customer.status, customer.approved_by = CustomerStatus.ACTIVE, self.approved_by

    class FileRecorded(Approvable.Event):
        """CU-01: the file's content after what ``recorded_by`` learned."""

        org_structure: str
        contacts: tuple[Contact, ...]
        premises: tuple[str, ...]
        industry_standing: str
        business_notes: str
        recorded_by: str

        def apply(self, customer: Customer) -> None:
            customer.org_structure = self.org_structure
            customer.contacts = tuple(self.contacts)
            customer.premises = tuple(self.premises)
            customer.industry_standing = self.industry_standing
            customer.business_notes = self.business_notes

    class ImportanceFlagged(Approvable.Event):
        important: bool
        flagged_by: str

        def apply(self, customer: Customer) -> None:
            customer.important = self.important

    class GradeProposed(Approvable.Event):
        grade: str
        reason: str
        proposed_by: str

        def apply(self, customer: Customer) -> None:
            customer.proposed_grade, customer.proposed_by = Grade(self.grade), self.proposed_by

    class GradeChanged(Approvable.Event):
        """CU-03 (the first grade: no ``old_grade``), CU-05 (an upgrade or a downgrade)."""

        old_grade: str | None
        new_grade: str
        reason: str
        decided_by: str

        def apply(self, customer: Customer) -> None:
            customer.grade = Grade(self.new_grade)
            customer._grade_decided(self.reason, self.decided_by, self.timestamp)

    class GradeReviewed(Approvable.Event):
        """CU-05: the sales manager reviewed the grade and kept it."""

        grade: str
        reason: str
        decided_by: str

        def apply(self, customer: Customer) -> None:
            customer._grade_decided(self.reason, self.decided_by, self.timestamp)

    class OwnersAssigned(Approvable.Event):
        """CU-15: the primary account owner and the deputy."""

        owner_id: str
        deputy_id: str | None
        reason: str
        assigned_by: str

        def apply(self, customer: Customer) -> None:
            customer.owner_id, customer.deputy_id = self.owner_id, self.deputy_id

    class Rejected(Approvable.Event):
        """CU-02: the approval chain refused to open the file; sales may correct and resubmit."""

        reason: str
        rejected_by: str

        def apply(self, customer: Customer) -> None:
            customer.status, customer.rejection_reason = CustomerStatus.REJECTED, self.reason

    class CreditInvestigated(Approvable.Event):
        """CU-07, CU-11: a credit investigation of the customer was completed."""

        investigation_id: UUID
        completed_by: str

        def apply(self, customer: Customer) -> None:
            customer.credit_investigation_id = self.investigation_id
            customer.credit_reviewed_at, customer.credit_review_due_since = self.timestamp, None

    class CreditTermsChanged(Approvable.Event):
        """CU-07: whether the customer may now buy on credit terms, not only cash or prepayment."""

        credit_terms_allowed: bool
        credit_limit: Decimal
        currency: str

        def apply(self, customer: Customer) -> None:
            customer.credit_terms_allowed = self.credit_terms_allowed

    class CreditLimitChangeRequested(Approvable.Event):
        """CU-12: a new limit proposed, with the reason, for the matrix's chain to approve."""

        proposed_credit_limit: Decimal
        reason: str
        requested_by: str

        def apply(self, customer: Customer) -> None:
            customer.proposed_credit_limit = self.proposed_credit_limit

    class CreditLimitChanged(Approvable.Event):
        """CU-12: the chain approved the new limit."""

        old_credit_limit: Decimal
        new_credit_limit: Decimal
        currency: str
        approval_id: UUID
        approved_by: tuple[str, ...]
        credit_terms_allowed: bool

        def apply(self, customer: Customer) -> None:
            customer.credit_limit, customer.proposed_credit_limit = self.new_credit_limit, None
            customer.credit_reviewed_at, customer.credit_review_due_since = self.timestamp, None

    class CreditLimitChangeRejected(Approvable.Event):
        """CU-12: the chain refused the proposed limit; the limit in force stays."""

        proposed_credit_limit: Decimal
        reason: str

        def apply(self, customer: Customer) -> None:
            customer.proposed_credit_limit = None

    class CreditReviewDue(Approvable.Event):
        """CU-11: the periodic credit re-investigation and limit review fell due."""

        last_reviewed_at: datetime

        def apply(self, customer: Customer) -> None:
            customer.credit_review_due_since = self.timestamp

    def _grade_decided(self, reason: str, decided_by: str, at: datetime) -> None:
        self.grade_reason, self.grade_decided_by, self.grade_decided_at = reason, decided_by, at
        self.proposed_grade = self.proposed_by = None

    @classmethod
    def register(cls, legal_name: str, owner_id: str, registered_by: str) -> Self:
        return cls._create(
            cls.Registered, legal_name=legal_name, owner_id=owner_id, registered_by=registered_by
        )

    def approval_content(self) -> Mapping[str, Any]:
        # What the approvers vouch for: who the customer is and the credit the company grants.
        content = {
            "legal_name": self.legal_name,
            "owner_id": self.owner_id,
            "credit_limit": str(self.credit_limit),
            "currency": self.currency,
        }
        # CU-12: a proposed change of limit is what its approvers vouch for too.
        if self.proposed_credit_limit is not None:
            content["proposed_credit_limit"] = str(self.proposed_credit_limit)
        return content

    def interested_parties(self) -> set[str]:
        return {self.registered_by, self.owner_id}

    def submit_for_approval(self, credit_limit: Decimal, currency: str, submitted_by: str) -> None:
        # CU-02: the file is opened once, by approval, before any trade; a rejected one may be
        # corrected and submitted again.
        if self.status is CustomerStatus.ACTIVE:
            raise RuleViolation("CU-02", "the customer is already approved", status=self.status)
        # CU-12: a credit limit is an amount the company is prepared to lose, never negative.
        if credit_limit < 0:
            raise RuleViolation("CU-12", "the credit limit cannot be negative")
        self.trigger_event(
            self.SubmittedForApproval,
            credit_limit=credit_limit,
            currency=currency,
            submitted_by=submitted_by,
        )
        self.content_changed()

    def approval_conditions(self) -> tuple[str, ...]:
        # CU-02 / CU-12: finance gives its opinion whenever credit is requested.
        return ("credit",) if self.credit_limit > 0 else ()

    def on_approved(self, approval: ApprovalState) -> None:
        if approval.kind == CREDIT_LIMIT_KIND:
            self._credit_limit_approved(approval)
            return
        self.trigger_event(
            self.Approved,
            approved_by=approval.steps[-1].decided_by or "",
            credit_limit=self.credit_limit,
            currency=self.currency,
        )
        self._settle_credit_terms()

    def on_rejected(self, approval: ApprovalState, reason: str) -> None:
        if approval.kind == CREDIT_LIMIT_KIND:
            assert self.proposed_credit_limit is not None
            self.trigger_event(
                self.CreditLimitChangeRejected,
                proposed_credit_limit=self.proposed_credit_limit,
                reason=reason,
            )
            return
        rejecting = next(s for s in approval.steps if s.status is StepStatus.REJECTED)
        self.trigger_event(self.Rejected, reason=reason, rejected_by=rejecting.decided_by or "")

    # -- CU-01: the file's content

    def record_file(
        self,
        recorded_by: str,
        *,
        org_structure: str | None = None,
        contacts: Collection[Contact] | None = None,
        premises: Collection[str] | None = None,
        industry_standing: str | None = None,
        business_notes: str | None = None,
    ) -> None:
        """Record what ``recorded_by`` learned; a section not given keeps its content."""
        contacts = self.contacts if contacts is None else tuple(contacts)
        premises = self.premises if premises is None else tuple(premises)
        # CU-01: a bounded file: every responsible person named and reachable, no repeats.
        if len(contacts) > MAX_CONTACTS:
            raise RuleViolation(
                "CU-01", "too many contacts", count=len(contacts), most=MAX_CONTACTS
            )
        if len(premises) > MAX_PREMISES:
            raise RuleViolation(
                "CU-01", "too many premises", count=len(premises), most=MAX_PREMISES
            )
        for contact in contacts:
            if not (contact.name.strip() and contact.phone.strip()):
                raise RuleViolation(
                    "CU-01", "a contact needs a name and a phone", name=contact.name
                )
        if len({(c.name, c.phone) for c in contacts}) < len(contacts):
            raise RuleViolation("CU-01", "a contact is listed twice")
        if len(set(premises)) < len(premises) or not all(p.strip() for p in premises):
            raise RuleViolation("CU-01", "premises must be named once each")
        self.trigger_event(
            self.FileRecorded,
            org_structure=self.org_structure if org_structure is None else org_structure,
            contacts=contacts,
            premises=premises,
            industry_standing=(
                self.industry_standing if industry_standing is None else industry_standing
            ),
            business_notes=self.business_notes if business_notes is None else business_notes,
            recorded_by=recorded_by,
        )

    def flag_importance(self, important: bool, flagged_by: str) -> None:
        # CU-01: important or not important for trading; recorded only when it changes.
        if important != self.important:
            self.trigger_event(self.ImportanceFlagged, important=important, flagged_by=flagged_by)

    # -- CU-03, CU-05: the grade

    def propose_grade(self, grade: Grade, reason: str, proposed_by: str) -> None:
        # CU-03: anyone in sales may propose a grade; only the sales manager decides it.
        if not reason.strip():
            raise RuleViolation("CU-03", "a grade proposal gives its reasons")
        self.trigger_event(
            self.GradeProposed, grade=grade.value, reason=reason, proposed_by=proposed_by
        )

    def decide_grade(
        self, grade: Grade, reason: str, decided_by: str, roles: Collection[str]
    ) -> None:
        first = self.grade is None
        rule = "CU-03" if first else "CU-05"
        # CU-03: the sales manager assigns the grade; CU-05: and decides every later change.
        if Role.SALES_MANAGER not in roles:
            raise RuleViolation(rule, "only the sales manager decides a customer's grade")
        # CU-05: a review records why the grade is changed or kept.
        if not first and not reason.strip():
            raise RuleViolation("CU-05", "a grade review gives its reasons", grade=self.grade)
        if grade == self.grade:
            self.trigger_event(
                self.GradeReviewed, grade=grade.value, reason=reason, decided_by=decided_by
            )
        else:
            self.trigger_event(
                self.GradeChanged,
                old_grade=None if self.grade is None else self.grade.value,
                new_grade=grade.value,
                reason=reason,
                decided_by=decided_by,
            )

    # -- CU-15: the account owners

    def assign_owners(
        self,
        owner_id: str,
        deputy_id: str | None,
        reason: str,
        assigned_by: str,
        roles: Collection[str],
    ) -> None:
        # CU-15: the sales manager allocates the accounts.
        if Role.SALES_MANAGER not in roles:
            raise RuleViolation("CU-15", "only the sales manager assigns account owners")
        # CU-15: one primary owner and one deputy, two different people.
        if deputy_id == owner_id:
            raise RuleViolation("CU-15", "the deputy cannot be the primary owner", owner=owner_id)
        if (owner_id, deputy_id) == (self.owner_id, self.deputy_id):
            raise RuleViolation("CU-15", "these are already the account's owners")
        if not reason.strip():
            raise RuleViolation("CU-15", "a change of owner gives its reason")
        self.trigger_event(
            self.OwnersAssigned,
            owner_id=owner_id,
            deputy_id=deputy_id,
            reason=reason,
            assigned_by=assigned_by,
        )
        # XC-01: an approval in progress vouched for the old owner; it starts again.
        if self.approval is not None and self.approval.status is ApprovalStatus.IN_PROGRESS:
            self.content_changed()

    # -- CU-07, CU-11, CU-12: credit

    def record_credit_investigation(self, investigation_id: UUID, completed_by: str) -> None:
        """CU-07, CU-11: a completed investigation of this customer (the application checks it)."""
        self.trigger_event(
            self.CreditInvestigated, investigation_id=investigation_id, completed_by=completed_by
        )
        self._settle_credit_terms()

    def credit_conditions(self) -> tuple[str, ...]:
        # CU-12: leadership approves a limit for grade-A exposure (the matrix's ``major_if``).
        return ("a_grade",) if self.grade is Grade.A else ()

    def request_credit_limit_change(
        self, new_limit: Decimal, reason: str, requested_by: str
    ) -> None:
        # CU-12: after onboarding the limit changes only through an approved change request.
        if self.status is not CustomerStatus.ACTIVE:
            raise RuleViolation(
                "CU-12", "the limit of a customer not yet opened is set by its approval"
            )
        if new_limit < 0:
            raise RuleViolation("CU-12", "the credit limit cannot be negative")
        if new_limit == self.credit_limit:
            raise RuleViolation("CU-12", "this is already the credit limit", limit=str(new_limit))
        if not reason.strip():
            raise RuleViolation("CU-12", "a change of credit limit gives its reason")
        # CU-12: one change at a time; one whose approval was invalidated may be proposed anew.
        if self.approval is not None and self.approval.status is ApprovalStatus.IN_PROGRESS:
            raise RuleViolation(
                "CU-12",
                "a change of credit limit is already awaiting approval",
                proposed=str(self.proposed_credit_limit),
            )
        # CU-12 (CU-07): a limit follows a completed credit investigation.
        if self.credit_investigation_id is None:
            raise RuleViolation(
                "CU-12", "the credit limit changes only after a completed credit investigation"
            )
        self.trigger_event(
            self.CreditLimitChangeRequested,
            proposed_credit_limit=new_limit,
            reason=reason,
            requested_by=requested_by,
        )

    def _credit_limit_approved(self, approval: ApprovalState) -> None:
        assert self.proposed_credit_limit is not None
        new_limit = self.proposed_credit_limit
        self.trigger_event(
            self.CreditLimitChanged,
            old_credit_limit=self.credit_limit,
            new_credit_limit=new_limit,
            currency=self.currency,
            approval_id=approval.approval_id,
            approved_by=tuple(s.decided_by for s in approval.steps if s.decided_by),
            credit_terms_allowed=self._credit_terms_earned(new_limit),
        )
        self._settle_credit_terms()

    def _credit_terms_earned(self, limit: Decimal) -> bool:
        # CU-07: credit terms need an opened file, a completed investigation and a limit.
        return (
            self.status is CustomerStatus.ACTIVE
            and self.credit_investigation_id is not None
            and limit > 0
        )

    def _settle_credit_terms(self) -> None:
        allowed = self._credit_terms_earned(self.credit_limit)
        if allowed != self.credit_terms_allowed:
            self.trigger_event(
                self.CreditTermsChanged,
                credit_terms_allowed=allowed,
                credit_limit=self.credit_limit,
                currency=self.currency,
            )

    def note_credit_review_due(self, interval: timedelta, now: datetime) -> bool:
        """CU-11: once trading on an investigated credit began, record once per cycle that the
        credit review is due; returns whether it did."""
        reviewed_at = self.credit_reviewed_at
        if reviewed_at is None or self.credit_review_due_since is not None:
            return False
        if now < reviewed_at + interval:
            return False
        self.trigger_event(self.CreditReviewDue, last_reviewed_at=reviewed_at)
        return True
