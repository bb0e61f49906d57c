"""The customer-information policy (CU-19): drafted by the customer-service department, which
defines what is collected on the information survey; reviewed by the customer-service director
and approved by the general manager through the authority matrix's chain."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from enum import StrEnum
from typing import Any, Self

from kernel.approvals.domain import Approvable, ApprovalState, ApprovalStatus
from kernel.roles import Role
from runtime.aggregate import RuleViolation

APPROVAL_KIND = "customer_info_policy"

MAX_COLLECTED_ITEMS = 100
"""CU-19: a survey collects at most this many items."""

DRAFTERS = frozenset({Role.SERVICE_DEPARTMENT, Role.CS_MANAGER})
"""CU-19: the customer-service department drafts; its manager defines what is collected."""


class PolicyStatus(StrEnum):
    DRAFT = "draft"
    IN_FORCE = "in_force"


class InformationPolicy(Approvable):
    document_type = "customer_info_policy"

    def __init__(self) -> None:
        self.title: str
        self.collected_items: tuple[str, ...]
        self.drafted_by: str
        self.status = PolicyStatus.DRAFT
        self.approved_by: str | None = None
        self.rejection_reason: str | None = None

    class Drafted(Approvable.Created):
        title: str
        collected_items: tuple[str, ...]
        drafted_by: str

        def apply(self, policy: InformationPolicy) -> None:
            super().apply(policy)
            policy.collected_items = tuple(self.collected_items)

    class Revised(Approvable.Event):
        title: str
        collected_items: tuple[str, ...]
        revised_by: str

        def apply(self, policy: InformationPolicy) -> None:
            policy.title, policy.collected_items = self.title, tuple(self.collected_items)

    class Submitted(Approvable.Event):
        submitted_by: str

    class Rejected(Approvable.Event):
        """CU-19: the director or the GM sent the draft back; it may be revised and resubmitted."""

        reason: str
        rejected_by: str

        def apply(self, policy: InformationPolicy) -> None:
            policy.rejection_reason = self.reason

    class PutInForce(Approvable.Event):
        approved_by: str

        def apply(self, policy: InformationPolicy) -> None:
            policy.status, policy.approved_by = PolicyStatus.IN_FORCE, self.approved_by

    @classmethod
    def draft(
        cls, title: str, collected_items: Sequence[str], drafted_by: str, roles: Collection[str]
    ) -> Self:
        _check_drafter(roles)
        _check_content(title, collected_items)
        return cls._create(
            cls.Drafted, title=title, collected_items=tuple(collected_items), drafted_by=drafted_by
        )

    def revise(
        self, title: str, collected_items: Sequence[str], revised_by: str, roles: Collection[str]
    ) -> None:
        _check_drafter(roles)
        # CU-19: a policy in force changes only as a new policy, approved again.
        if self.status is PolicyStatus.IN_FORCE:
            raise RuleViolation("CU-19", "a policy in force is not revised; draft a new one")
        _check_content(title, collected_items)
        self.trigger_event(
            self.Revised, title=title, collected_items=tuple(collected_items), revised_by=revised_by
        )
        # XC-01: what the reviewers saw is no longer what the policy says.
        self.content_changed()

    def submit(self, submitted_by: str) -> None:
        # CU-19: a draft goes to the director's review and then the GM's approval, once at a time.
        if self.status is PolicyStatus.IN_FORCE:
            raise RuleViolation("CU-19", "the policy is already in force")
        if self.approval is not None and self.approval.status is ApprovalStatus.IN_PROGRESS:
            raise RuleViolation("CU-19", "the policy is already under review")
        self.trigger_event(self.Submitted, submitted_by=submitted_by)

    def approval_content(self) -> Mapping[str, Any]:
        return {"title": self.title, "collected_items": list(self.collected_items)}

    def interested_parties(self) -> set[str]:
        return {self.drafted_by}

    def on_approved(self, approval: ApprovalState) -> None:
        self.trigger_event(self.PutInForce, approved_by=approval.steps[-1].decided_by or "")

    def on_rejected(self, approval: ApprovalState, reason: str) -> None:
        rejected_by = next((s.decided_by for s in reversed(approval.steps) if s.decided_by), "")
        self.trigger_event(self.Rejected, reason=reason, rejected_by=rejected_by)


def _check_drafter(roles: Collection[str]) -> None:
    # CU-19: the customer-service department drafts the policy, not sales.
    if DRAFTERS.isdisjoint(roles):
        raise RuleViolation("CU-19", "the customer-service department drafts the policy")


def _check_content(title: str, collected_items: Sequence[str]) -> None:
    # CU-19: the policy says what the information survey collects, each item once.
    if not title.strip():
        raise RuleViolation("CU-19", "the policy has a title")
    if not collected_items or len(collected_items) > MAX_COLLECTED_ITEMS:
        raise RuleViolation("CU-19", "the policy lists what is collected", most=MAX_COLLECTED_ITEMS)
    if len(set(collected_items)) < len(collected_items) or not all(
        item.strip() for item in collected_items
    ):
        raise RuleViolation("CU-19", "each collected item is named once")
