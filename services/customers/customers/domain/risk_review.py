"""The dangerous-customer review (CU-06): opened by an abnormality (CU-13) or by hand on one of
the rule's triggers; the account owner completes the problem-customer checklist, finance adds the
payment history and the exposure, the sales manager decides (leadership when the authority matrix
classes the matter as major). A decided hold or blacklisting is lifted only by an approved
release, requested on the review that decided it."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self
from uuid import UUID

from kernel.approvals.domain import LEADERSHIP, Approvable, ApprovalState
from kernel.roles import Role
from runtime.aggregate import RuleViolation

HOLD_RELEASE_KIND = "credit_hold_release"
BLACKLIST_KIND = "blacklist"
"""The authority matrix's chains for the review's decision and for lifting a blacklisting."""


class Trigger(StrEnum):
    """CU-06: what opens a dangerous-customer review."""

    ABNORMALITY = "abnormality"
    OVERDUE_RECEIVABLES = "overdue_receivables"
    BOUNCED_INSTRUMENT = "bounced_instrument"
    REPEATED_CLAIMS = "repeated_claims"
    FAILED_CREDIT_RECHECK = "failed_credit_recheck"


class Decision(StrEnum):
    WATCH = "watch"
    CREDIT_HOLD = "credit_hold"
    BLACKLISTED = "blacklisted"
    CLEARED = "cleared"


RESTRICTIVE = (Decision.CREDIT_HOLD, Decision.BLACKLISTED)


class RiskReview(Approvable):
    document_type = "risk_review"

    def __init__(self) -> None:
        self.customer_id: UUID
        self.trigger: str
        self.opened_by: str
        self.checklist: str | None = None
        self.checklist_by: str | None = None
        self.payment_history: str | None = None
        self.exposure: Decimal | None = None
        self.assessed_by: str | None = None
        self.decision: Decision | None = None
        self.decision_reason: str | None = None
        self.decided_by: str | None = None
        self.release_reason: str | None = None
        self.release_approval_id: UUID | None = None
        self.released = False

    class Opened(Approvable.Created):
        customer_id: UUID
        trigger: str
        opened_by: str

    class ChecklistCompleted(Approvable.Event):
        checklist: str
        completed_by: str

        def apply(self, review: RiskReview) -> None:
            review.checklist, review.checklist_by = self.checklist, self.completed_by

    class FinanceAssessed(Approvable.Event):
        payment_history: str
        exposure: Decimal
        assessed_by: str

        def apply(self, review: RiskReview) -> None:
            review.payment_history, review.exposure = self.payment_history, self.exposure
            review.assessed_by = self.assessed_by

    class Decided(Approvable.Event):
        decision: str
        reason: str
        decided_by: str
        decider_role: str

        def apply(self, review: RiskReview) -> None:
            review.decision, review.decision_reason = Decision(self.decision), self.reason
            review.decided_by = self.decided_by

    class ReleaseRequested(Approvable.Event):
        reason: str
        requested_by: str

        def apply(self, review: RiskReview) -> None:
            review.release_reason = self.reason

    class ReleaseApproved(Approvable.Event):
        approval_id: UUID

        def apply(self, review: RiskReview) -> None:
            review.release_approval_id = self.approval_id

    class Released(Approvable.Event):
        released_by: str

        def apply(self, review: RiskReview) -> None:
            review.released = True

    @classmethod
    def open(cls, customer_id: UUID, trigger: Trigger, opened_by: str) -> Self:
        return cls._create(
            cls.Opened, customer_id=customer_id, trigger=trigger.value, opened_by=opened_by
        )

    def approval_content(self) -> Mapping[str, Any]:
        # What the release's approvers vouch for: the decision lifted and why.
        return {
            "customer_id": str(self.customer_id),
            "decision": self.decision,
            "exposure": str(self.exposure),
            "release_reason": self.release_reason,
        }

    def interested_parties(self) -> set[str]:
        # XC-05: the account owner who filled in the checklist never approves lifting it.
        return {self.checklist_by} if self.checklist_by else set()

    def on_approved(self, approval: ApprovalState) -> None:
        self.trigger_event(self.ReleaseApproved, approval_id=approval.approval_id)

    def _undecided(self) -> None:
        if self.decision is not None:
            raise RuleViolation("CU-06", "the review is decided", decision=self.decision)

    def complete_checklist(
        self, checklist: str, completed_by: str, owners: Collection[str]
    ) -> None:
        # CU-06: the account owner completes the problem-customer checklist.
        self._undecided()
        if completed_by not in owners:
            raise RuleViolation(
                "CU-06",
                "the account owner completes the problem-customer checklist",
                owners=sorted(owners),
            )
        if not checklist.strip():
            raise RuleViolation("CU-06", "the checklist is filled in")
        self.trigger_event(self.ChecklistCompleted, checklist=checklist, completed_by=completed_by)

    def assess(
        self,
        payment_history: str,
        exposure: Decimal,
        assessed_by: str,
        roles: Collection[str],
    ) -> None:
        # CU-06: finance adds the payment history and the exposure.
        self._undecided()
        if Role.FINANCE not in roles:
            raise RuleViolation("CU-06", "finance adds the payment history and the exposure")
        if exposure < 0 or not payment_history.strip():
            raise RuleViolation(
                "CU-06", "the payment history is stated and the exposure is not negative"
            )
        self.trigger_event(
            self.FinanceAssessed,
            payment_history=payment_history,
            exposure=exposure,
            assessed_by=assessed_by,
        )

    def decide(
        self,
        decision: Decision,
        reason: str,
        decided_by: str,
        roles: Collection[str],
        why_major: tuple[str, ...],
    ) -> None:
        """``why_major``: why the authority matrix gives the decision to leadership, if it does
        (grade A, or the exposure at or above its amount)."""
        self._undecided()
        # CU-06: the decision rests on the owner's checklist and finance's assessment.
        if self.checklist is None or self.exposure is None:
            raise RuleViolation(
                "CU-06",
                "the review is decided once the checklist and finance's assessment are in",
                checklist=self.checklist is not None,
                assessed=self.exposure is not None,
            )
        # CU-06: the sales manager decides; leadership when the customer is grade A or the
        # exposure is high.
        deciders = LEADERSHIP if why_major else (Role.SALES_MANAGER,)
        role = next((r for r in deciders if r in roles), None)
        if role is None:
            raise RuleViolation(
                "CU-06",
                "the review is decided by " + ("leadership" if why_major else "the sales manager"),
                required_roles=list(deciders),
                why_major=list(why_major),
            )
        if not reason.strip():
            raise RuleViolation("CU-06", "a review's decision gives its reasons")
        self.trigger_event(
            self.Decided,
            decision=decision.value,
            reason=reason,
            decided_by=decided_by,
            decider_role=role,
        )

    def request_release(self, reason: str, requested_by: str) -> str:
        """Returns the approval kind of the matrix that approves this release."""
        # CU-06: only a decided hold or blacklisting is released, and once.
        if self.decision not in RESTRICTIVE or self.released:
            raise RuleViolation(
                "CU-06",
                "only a hold or a blacklisting in force is released",
                decision=self.decision,
                released=self.released,
            )
        if not reason.strip():
            raise RuleViolation("CU-06", "a release gives its reason")
        self.trigger_event(self.ReleaseRequested, reason=reason, requested_by=requested_by)
        return BLACKLIST_KIND if self.decision is Decision.BLACKLISTED else HOLD_RELEASE_KIND

    def release(self, released_by: str) -> UUID:
        """Returns the approval that allowed it."""
        # CU-06: releasing a hold or removing from the blacklist needs an approval.
        if self.release_approval_id is None or self.released:
            raise RuleViolation(
                "CU-06",
                "a hold or a blacklisting is lifted only once its release is approved",
                released=self.released,
            )
        self.trigger_event(self.Released, released_by=released_by)
        return self.release_approval_id
