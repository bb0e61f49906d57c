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

from customers.domain.risk_review import Decision
from kernel.approvals.domain import Approvable, ApprovalState, ApprovalStatus, StepStatus
from kernel.roles import Role
from runtime.aggregate import RuleViolation

APPROVAL_KIND = "customer_approval"
CREDIT_LIMIT_KIND = "credit_limit"
"""CU-12: the matrix's chain for a change of credit limit after onboarding."""

MAX_CONTACTS = 20
MAX_PREMISES = 10
"""CU-01: a file lists at most this many responsible persons and premises."""

FILE_REFRESH_INTERVAL_DAYS = 91
"""CU-20: a file not recorded or confirmed for three months is stale. A rule parameter (XC-07)
once the kernel's ``RuleParameters.customers`` has a field for it."""


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


class Standing(StrEnum):
    """CU-06, CU-13: how far the company trusts the customer while trading."""

    GOOD = "good"
    WATCH = "watch"
    PROVISIONAL_HOLD = "provisional_hold"
    """CU-13: held at once on an abnormality, until the review ends."""
    CREDIT_HOLD = "credit_hold"
    """CU-06: cash or payment before delivery, no new credit."""
    BLACKLISTED = "blacklisted"
    """CU-06: no new quotes, contracts or orders."""


class Severity(StrEnum):
    """CU-13: how grave the reporter judges an abnormality."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


HOLDS = (Standing.PROVISIONAL_HOLD, Standing.CREDIT_HOLD)
LIGHTER_THAN_HOLD = (Standing.GOOD, Standing.WATCH, Standing.PROVISIONAL_HOLD)


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
        # CU-06, CU-13: the customer's standing and the dangerous-customer review under way.
        self.standing = Standing.GOOD
        self.open_review_id: UUID | None = None
        # CU-02: why the approval chain last refused to open the file.
        self.rejection_reason: str | None = None
        # CU-07, CU-11: the last completed credit investigation; CU-12: a limit awaiting approval.
        self.credit_investigation_id: UUID | None = None
        self.credit_reviewed_at: datetime | None = None
        self.credit_review_due_since: datetime | None = None
        self.credit_terms_allowed = False
        self.proposed_credit_limit: Decimal | None = None

        # CU-20: when sales last recorded or confirmed the file; None: not since registration.
        self.file_refreshed_at: datetime | None = None

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
            customer.file_refreshed_at = self.timestamp

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

    class RiskReviewOpened(Approvable.Event):
        """CU-06: a dangerous-customer review of this customer is under way."""

        review_id: UUID
        trigger: str
        opened_by: str

        def apply(self, customer: Customer) -> None:
            customer.open_review_id = self.review_id

    class AbnormalityReported(Approvable.Event):
        """CU-13: trouble in the customer's business or payments, recorded at once."""

        abnormality_id: UUID
        review_id: UUID
        source: str
        facts: str
        severity: str
        reported_by: str

    class CreditHoldPlaced(Approvable.Event):
        """CU-13 (``provisional``, until the review ends), CU-06 (the review's decision)."""

        reason: str
        provisional: bool
        placed_by: str
        review_id: UUID

        def apply(self, customer: Customer) -> None:
            customer.standing = (
                Standing.PROVISIONAL_HOLD if self.provisional else Standing.CREDIT_HOLD
            )

    class CreditHoldReleased(Approvable.Event):
        """CU-06: a decided hold is released by approval; a provisional one when the review
        decides no hold (no ``approval_id``)."""

        reason: str
        released_by: str
        approval_id: UUID | None

        def apply(self, customer: Customer) -> None:
            customer.standing = Standing.GOOD

    class Blacklisted(Approvable.Event):
        reason: str
        decided_by: str
        review_id: UUID

        def apply(self, customer: Customer) -> None:
            customer.standing = Standing.BLACKLISTED

    class RemovedFromBlacklist(Approvable.Event):
        reason: str
        released_by: str
        approval_id: UUID

        def apply(self, customer: Customer) -> None:
            customer.standing = Standing.GOOD

    class RiskReviewClosed(Approvable.Event):
        """CU-06: the review decided; ``standing`` is the customer's standing after it."""

        review_id: UUID
        decision: str
        decided_by: str
        standing: str

        def apply(self, customer: Customer) -> None:
            customer.open_review_id, customer.standing = None, Standing(self.standing)

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
        """CU-11: the periodic credit re-investigation and limit review fell due (or was
        scheduled with the reconciliation, BI-08, before any review: no ``last_reviewed_at``)."""

        last_reviewed_at: datetime | None

        def apply(self, customer: Customer) -> None:
            customer.credit_review_due_since = self.timestamp

    class FileRefreshed(Approvable.Event):
        """CU-20: sales checked the file against the customer and confirmed it is current."""

        how_checked: str
        refreshed_by: str

        def apply(self, customer: Customer) -> None:
            customer.file_refreshed_at = self.timestamp

    class GradeReviewDue(Approvable.Event):
        """CU-05: the grade is to be reviewed before its periodic turn: ``reason`` says why
        (a large order, repeated overdue payments or dissatisfaction, an abnormality report, a
        dangerous-customer outcome, the June or December reconciliation)."""

        reason: str

        def apply(self, customer: Customer) -> None:
            customer.grade_review_due_since = self.timestamp

    def _grade_decided(self, reason: str, decided_by: str, at: datetime) -> None:
        self.grade_reason, self.grade_decided_by, self.grade_decided_at = reason, decided_by, at
        self.proposed_grade = self.proposed_by = None
        self.grade_review_due_since = None

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
        # CU-14: once the file is opened, its master data changes only by an approved request.
        if self.status is CustomerStatus.ACTIVE and (contacts, premises) != (
            self.contacts,
            self.premises,
        ):
            raise RuleViolation(
                "CU-14",
                "an opened customer's contacts and premises change only by an approved "
                "master-data change request",
            )
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

    # The state added after customers were first snapshotted lives in the instance dictionary
    # with a default, as CU-17's does.

    @property
    def grade_review_due_since(self) -> datetime | None:
        """CU-05: when a trigger made the grade review due; None once the grade is decided."""
        found: datetime | None = self.__dict__.get("_grade_review_due_since")
        return found

    @grade_review_due_since.setter
    def grade_review_due_since(self, since: datetime | None) -> None:
        self.__dict__["_grade_review_due_since"] = since

    def note_grade_review_due(self, reason: str) -> bool:
        """CU-05: a trigger makes the grade review due, once until the grade is decided; returns
        whether it did."""
        if self.grade_review_due_since is not None:
            return False
        self.trigger_event(self.GradeReviewDue, reason=reason)
        return True

    def schedule_reviews(self, reason: str) -> None:
        """CU-05, CU-11: the grade and the credit are reviewed together, at the June and
        December reconciliation (BI-08); a review already due stays due."""
        self.note_grade_review_due(reason)
        if self.credit_review_due_since is None:
            self.trigger_event(self.CreditReviewDue, last_reviewed_at=self.credit_reviewed_at)

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

    # -- CU-06, CU-13: the customer's standing

    def review_opened(self, review_id: UUID, trigger: str, opened_by: str) -> None:
        # CU-06: one review at a time; what else comes up goes into the review under way.
        if self.open_review_id is not None:
            raise RuleViolation(
                "CU-06",
                "a dangerous-customer review of this customer is already under way",
                review_id=str(self.open_review_id),
            )
        self.trigger_event(
            self.RiskReviewOpened, review_id=review_id, trigger=trigger, opened_by=opened_by
        )

    def report_abnormality(
        self, abnormality_id: UUID, source: str, facts: str, severity: Severity, reported_by: str
    ) -> None:
        """CU-13: anyone records it at once; it joins the review under way (opened first)."""
        if not facts.strip():
            raise RuleViolation("CU-13", "an abnormality report states the facts")
        assert self.open_review_id is not None, "the review is opened before the report"
        self.trigger_event(
            self.AbnormalityReported,
            abnormality_id=abnormality_id,
            review_id=self.open_review_id,
            source=source,
            facts=facts,
            severity=severity.value,
            reported_by=reported_by,
        )
        self.note_grade_review_due(f"an abnormality was reported by {source}")

    def place_provisional_hold(self, reason: str, placed_by: str, roles: Collection[str]) -> None:
        # CU-13: the sales manager or finance hold the customer at once, until the review ends.
        if not {Role.SALES_MANAGER, Role.FINANCE} & set(roles):
            raise RuleViolation(
                "CU-13", "only the sales manager or finance place a provisional credit hold"
            )
        if self.open_review_id is None:
            raise RuleViolation(
                "CU-13", "a provisional hold lasts until a review ends: no review is under way"
            )
        if self.standing in (*HOLDS, Standing.BLACKLISTED):
            raise RuleViolation("CU-13", "the customer is already held", standing=self.standing)
        if not reason.strip():
            raise RuleViolation("CU-13", "a provisional hold gives its reason")
        self.trigger_event(
            self.CreditHoldPlaced,
            reason=reason,
            provisional=True,
            placed_by=placed_by,
            review_id=self.open_review_id,
        )

    def review_decided(self, decision: Decision, reason: str, decided_by: str) -> None:
        """CU-06: the review's decision becomes the customer's standing; a provisional hold ends
        with the review."""
        review_id = self.open_review_id
        assert review_id is not None, "a review decides only while it is under way"
        # CU-06: a review never lightens a decided hold or a blacklisting: that takes approval.
        if decision is Decision.CREDIT_HOLD and self.standing in LIGHTER_THAN_HOLD:
            self.trigger_event(
                self.CreditHoldPlaced,
                reason=reason,
                provisional=False,
                placed_by=decided_by,
                review_id=review_id,
            )
        elif decision is Decision.BLACKLISTED and self.standing is not Standing.BLACKLISTED:
            self.trigger_event(
                self.Blacklisted, reason=reason, decided_by=decided_by, review_id=review_id
            )
        elif decision in (Decision.WATCH, Decision.CLEARED) and (
            self.standing is Standing.PROVISIONAL_HOLD
        ):
            self.trigger_event(
                self.CreditHoldReleased, reason=reason, released_by=decided_by, approval_id=None
            )
        standing = self.standing
        if standing in (Standing.GOOD, Standing.WATCH):
            standing = Standing.WATCH if decision is Decision.WATCH else Standing.GOOD
        self.trigger_event(
            self.RiskReviewClosed,
            review_id=review_id,
            decision=decision.value,
            decided_by=decided_by,
            standing=standing.value,
        )
        self.note_grade_review_due(f"the dangerous-customer review decided {decision.value}")

    def release(self, decision: Decision, reason: str, released_by: str, approval_id: UUID) -> None:
        """CU-06: the approved release of the hold or the blacklisting a review decided."""
        if decision is Decision.BLACKLISTED and self.standing is Standing.BLACKLISTED:
            self.trigger_event(
                self.RemovedFromBlacklist,
                reason=reason,
                released_by=released_by,
                approval_id=approval_id,
            )
        elif decision is Decision.CREDIT_HOLD and self.standing is Standing.CREDIT_HOLD:
            self.trigger_event(
                self.CreditHoldReleased,
                reason=reason,
                released_by=released_by,
                approval_id=approval_id,
            )
        else:
            raise RuleViolation(
                "CU-06",
                "the customer's standing is no longer what the review decided",
                standing=self.standing,
                decided=decision,
            )

    # -- CU-22: the handover of the accounts

    class HandedOver(OwnersAssigned):
        """CU-22: the owners after a handover list that all three signed."""

        handover_id: UUID

    def check_held_by(self, transferor_id: str) -> None:
        # CU-22: the transferor hands over only an account they hold, as owner or deputy.
        if transferor_id not in (self.owner_id, self.deputy_id):
            raise RuleViolation(
                "CU-22",
                "the transferor holds no account of this customer",
                customer_id=str(self.id),
                transferor=transferor_id,
            )

    def hand_over(self, handover_id: UUID, transferor_id: str, receiver_id: str) -> None:
        self.check_held_by(transferor_id)
        # CU-15: the receiver takes the transferor's place; never owner and deputy at once.
        if transferor_id == self.owner_id:
            owner_id = receiver_id
            deputy_id = None if self.deputy_id == receiver_id else self.deputy_id
        else:
            owner_id, deputy_id = self.owner_id, receiver_id
            if owner_id == receiver_id:
                deputy_id = None
        self.trigger_event(
            self.HandedOver,
            owner_id=owner_id,
            deputy_id=deputy_id,
            reason=f"handover {handover_id}",
            assigned_by=transferor_id,
            handover_id=handover_id,
        )

    # -- CU-14: master data changes only through an approved change request

    class MasterDataChanged(Approvable.Event):
        """CU-14: the approved change applied; the old values stay in this event."""

        change_id: UUID
        old_legal_name: str
        legal_name: str
        old_contacts: tuple[Contact, ...]
        contacts: tuple[Contact, ...]
        old_premises: tuple[str, ...]
        premises: tuple[str, ...]
        applied_by: str
        approval_id: UUID | None = None
        """The approval of the change request (changes applied before CU-23 lack it)."""

        @property
        def changed_fields(self) -> list[str]:
            """CU-23: what the change altered, for the copies kept from the public event."""
            pairs = {
                "legal_name": (self.old_legal_name, self.legal_name),
                "contacts": (tuple(self.old_contacts), tuple(self.contacts)),
                "premises": (tuple(self.old_premises), tuple(self.premises)),
            }
            return [field for field, (old, new) in pairs.items() if old != new]

        def apply(self, customer: Customer) -> None:
            customer.legal_name = self.legal_name
            customer.contacts, customer.premises = tuple(self.contacts), tuple(self.premises)
            customer.file_refreshed_at = self.timestamp  # CU-20: an approved change refreshes

    def change_master_data(
        self,
        change_id: UUID,
        applied_by: str,
        legal_name: str | None,
        contacts: Collection[Contact] | None,
        premises: Collection[str] | None,
        approval_id: UUID,
    ) -> None:
        """Apply an approved change request (``MasterDataChange``); a field not given is kept."""
        self.trigger_event(
            self.MasterDataChanged,
            change_id=change_id,
            old_legal_name=self.legal_name,
            legal_name=self.legal_name if legal_name is None else legal_name,
            old_contacts=self.contacts,
            contacts=self.contacts if contacts is None else tuple(contacts),
            old_premises=self.premises,
            premises=self.premises if premises is None else tuple(premises),
            applied_by=applied_by,
            approval_id=approval_id,
        )

    # -- CU-16: the owners report changes in their accounts

    class AccountChangeReported(Approvable.Event):
        """CU-16: what the owner or deputy reported to their superior, how and how urgently."""

        report_id: UUID
        kind: str
        channel: str
        summary: str
        reported_by: str

    def report_change(
        self,
        report_id: UUID,
        kind: ReportKind,
        channel: ReportChannel,
        summary: str,
        reported_by: str,
    ) -> None:
        # CU-16: the account's owner, or the deputy acting for them, reports its changes.
        if reported_by not in (self.owner_id, self.deputy_id):
            raise RuleViolation(
                "CU-16",
                "only the account's owner or deputy reports changes in it",
                owner=self.owner_id,
                deputy=self.deputy_id,
            )
        # CU-16: routine reports are oral, urgent ones oral or by phone, periodic ones written
        # on the logistics situation record.
        if channel not in REPORT_CHANNELS[kind]:
            raise RuleViolation(
                "CU-16",
                f"a {kind.value} report is made {' or '.join(REPORT_CHANNELS[kind])}",
                channel=channel.value,
            )
        if not summary.strip():
            raise RuleViolation("CU-16", "a report says what changed")
        self.trigger_event(
            self.AccountChangeReported,
            report_id=report_id,
            kind=kind.value,
            channel=channel.value,
            summary=summary,
            reported_by=reported_by,
        )

    # -- CU-17: the original records, kept by the custodian, every access logged

    class OriginalRecordsFiled(Approvable.Event):
        """CU-17: the custodian took an original record into safekeeping."""

        description: str
        filed_by: str

        def apply(self, customer: Customer) -> None:
            customer.original_records = (*customer.original_records, self.description)

    class OriginalRecordsAccessed(Approvable.Event):
        """CU-17: who read the original records, in which role, why."""

        accessed_by: str
        role: str
        purpose: str

        def apply(self, customer: Customer) -> None:
            access = RecordAccess(self.accessed_by, self.role, self.purpose, self.timestamp)
            customer.record_accesses = (*customer.record_accesses, access)

    # The state of CU-17 lives in the instance dictionary with a default, as Approvable's does:
    # a snapshot taken before it existed still loads.

    @property
    def original_records(self) -> tuple[str, ...]:
        found: tuple[str, ...] = self.__dict__.get("_original_records", ())
        return found

    @original_records.setter
    def original_records(self, records: tuple[str, ...]) -> None:
        self.__dict__["_original_records"] = records

    @property
    def record_accesses(self) -> tuple[RecordAccess, ...]:
        found: tuple[RecordAccess, ...] = self.__dict__.get("_record_accesses", ())
        return found

    @record_accesses.setter
    def record_accesses(self, accesses: tuple[RecordAccess, ...]) -> None:
        self.__dict__["_record_accesses"] = accesses

    def file_original_record(self, description: str, filed_by: str, roles: Collection[str]) -> None:
        # CU-17: a designated custodian organises and keeps the original records.
        if Role.CUSTOMER_RECORDS_CUSTODIAN not in roles:
            raise RuleViolation("CU-17", "only the records custodian files original records")
        if not description.strip():
            raise RuleViolation("CU-17", "a filed record says what it is")
        self.trigger_event(self.OriginalRecordsFiled, description=description, filed_by=filed_by)

    def access_original_records(
        self, accessed_by: str, roles: Collection[str], purpose: str
    ) -> None:
        # CU-17: the custodian hands the records to the account's people and their manager;
        # every access is logged with its reason.
        role = next((r for r in ORIGINAL_RECORD_READERS if r in roles), None)
        if role is None and accessed_by in (self.owner_id, self.deputy_id):
            role = Role.SALESPERSON
        if role is None:
            raise RuleViolation(
                "CU-17",
                "the original records are read by the custodian, the sales manager or the "
                "account's owner or deputy",
            )
        if not purpose.strip():
            raise RuleViolation("CU-17", "an access to the original records gives its purpose")
        self.trigger_event(
            self.OriginalRecordsAccessed, accessed_by=accessed_by, role=role, purpose=purpose
        )

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

    # -- CU-20: the file kept fresh

    def confirm_file(self, how_checked: str, refreshed_by: str) -> None:
        """Sales checked the file against the customer and found it current; recording what
        changed (``record_file``) refreshes it as well."""
        # CU-20: only a file with content can be confirmed as current.
        if not (self.contacts or self.org_structure.strip()):
            raise RuleViolation("CU-20", "the file records nothing yet: record it first (CU-01)")
        # CU-20: a refresh says how the file was checked (a visit, a call, the customer's papers).
        if not how_checked.strip():
            raise RuleViolation("CU-20", "a refresh says how the file was checked")
        self.trigger_event(self.FileRefreshed, how_checked=how_checked, refreshed_by=refreshed_by)


class ReportKind(StrEnum):
    """CU-16: how urgently an owner reports a change in their account."""

    ROUTINE = "routine"
    URGENT = "urgent"
    PERIODIC = "periodic"


class ReportChannel(StrEnum):
    ORAL = "oral"
    PHONE = "phone"
    LOGISTICS_RECORD = "logistics_record"
    """The logistics situation record (periodic reports)."""


REPORT_CHANNELS = {
    ReportKind.ROUTINE: (ReportChannel.ORAL,),
    ReportKind.URGENT: (ReportChannel.ORAL, ReportChannel.PHONE),
    ReportKind.PERIODIC: (ReportChannel.LOGISTICS_RECORD,),
}
"""CU-16: routine reports are oral, urgent ones oral or by phone, periodic ones written."""

ORIGINAL_RECORD_READERS = (Role.CUSTOMER_RECORDS_CUSTODIAN, Role.SALES_MANAGER)
"""CU-17: besides the account's owner and deputy, who may read the original records."""


@dataclass(frozen=True)
class RecordAccess:
    """CU-17: one access to the original records."""

    accessed_by: str
    role: str
    purpose: str
    accessed_at: datetime
