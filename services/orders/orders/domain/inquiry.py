"""A customer's inquiry or tender notice (OR-01, OR-02).

Registering it reports it to the sales manager at once: the go / no-go decision is the
``bid_participation`` approval, requested in the same command, and leadership's as well when the
authority matrix classes the bid as major. A bid being prepared collects the technical and
purchasing departments' input before its quote can be submitted."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self
from uuid import UUID

from kernel.approvals.domain import Approvable, ApprovalState
from kernel.roles import Role
from orders.domain.known_customer import KnownCustomer
from runtime.aggregate import RuleViolation

BID_PARTICIPATION = "bid_participation"
"""The authority matrix's chain for the go / no-go decision."""


class InquiryKind(StrEnum):
    INQUIRY = "inquiry"
    """A price comparison (比价)."""
    TENDER = "tender"


class Department(StrEnum):
    TECHNICAL = "technical"
    PURCHASING = "purchasing"


CONTRIBUTORS = {
    Department.TECHNICAL: Role.TECHNICAL_DEPARTMENT,
    Department.PURCHASING: Role.PURCHASING_DEPARTMENT,
}


class InquiryStatus(StrEnum):
    AWAITING_DECISION = "awaiting_decision"
    PREPARING = "preparing"
    DECLINED = "declined"


class Decision(StrEnum):
    GO = "go"
    NO_GO = "no_go"


class Inquiry(Approvable):
    document_type = "inquiry"

    def __init__(self) -> None:
        self.customer_id: UUID
        self.kind: InquiryKind
        self.requirements: str
        self.estimated_value: Decimal
        self.deadline: datetime | None
        self.needs: tuple[Department, ...]
        self.lead_id: UUID | None
        self.why_major: tuple[str, ...]
        self.registered_by: str
        self.reported_to_manager_at: datetime
        self.status = InquiryStatus.AWAITING_DECISION
        self.decision_reason: str | None = None
        self.inputs: dict[Department, str] = {}

    class Registered(Approvable.Created):
        customer_id: UUID
        kind: InquiryKind
        requirements: str
        estimated_value: Decimal
        deadline: datetime | None
        needs: tuple[Department, ...]
        """OR-02: whose input the bid needs (both departments' for a tender)."""
        lead_id: UUID | None
        why_major: tuple[str, ...]
        """XC-06: why the matrix in force gives the decision to leadership as well, if it does."""
        registered_by: str

        def apply(self, inquiry: Inquiry) -> None:
            super().apply(inquiry)
            inquiry.kind = InquiryKind(self.kind)
            inquiry.needs = tuple(Department(d) for d in self.needs)
            inquiry.why_major = tuple(self.why_major)  # a list once stored as JSON
            # OR-01: registering is the report; the manager's approval is requested with it.
            inquiry.reported_to_manager_at = self.timestamp

    class BidParticipationDecided(Approvable.Event):
        decision: Decision
        major: bool
        approval_ids: tuple[UUID, ...]
        reason: str

        def apply(self, inquiry: Inquiry) -> None:
            go = self.decision == Decision.GO
            inquiry.status = InquiryStatus.PREPARING if go else InquiryStatus.DECLINED
            inquiry.decision_reason = self.reason

    class BidInputProvided(Approvable.Event):
        department: Department
        content_ref: str
        provided_by: str

        def apply(self, inquiry: Inquiry) -> None:
            inquiry.inputs[Department(self.department)] = self.content_ref

    @classmethod
    def register(
        cls,
        customer: KnownCustomer | None,
        kind: InquiryKind,
        requirements: str,
        estimated_value: Decimal,
        deadline: datetime | None,
        needs: Collection[Department],
        lead_id: UUID | None,
        why_major: tuple[str, ...],
        registered_by: str,
    ) -> Self:
        # CU-02: inquiries are registered against a customer file the customers service keeps.
        if customer is None:
            raise RuleViolation("CU-02", "unknown customer: register the customer's file first")
        # CU-06: no new business with a blacklisted customer.
        if customer.blacklisted:
            raise RuleViolation(
                "CU-06", "the customer is blacklisted", customer_id=str(customer.id)
            )
        # OR-01: the inquiry or tender is registered with what the customer asks for.
        if not requirements.strip():
            raise RuleViolation(
                "OR-01", "an inquiry is registered with the customer's requirements"
            )
        if kind is InquiryKind.TENDER and deadline is None:
            raise RuleViolation("OR-01", "a tender is registered with its deadline")
        if estimated_value < 0:
            raise RuleViolation("OR-01", "the estimated value is not negative")
        # OR-02: a tender always takes both departments' input; an inquiry where it needs it.
        wanted = set(Department) if kind is InquiryKind.TENDER else set(needs)
        return cls._create(
            cls.Registered,
            customer_id=customer.id,
            kind=kind,
            requirements=requirements,
            estimated_value=estimated_value,
            deadline=deadline,
            needs=tuple(sorted(wanted)),
            lead_id=lead_id,
            why_major=why_major,
            registered_by=registered_by,
        )

    # -- the go / no-go decision (OR-01): the outcome of the bid_participation approval

    def approval_content(self) -> Mapping[str, Any]:
        return {
            "customer_id": str(self.customer_id),
            "kind": self.kind.value,
            "requirements": self.requirements,
            "estimated_value": str(self.estimated_value),
            "deadline": None if self.deadline is None else self.deadline.isoformat(),
            "needs": [d.value for d in self.needs],
        }

    def interested_parties(self) -> set[str]:
        return {self.registered_by}

    def on_approved(self, approval: ApprovalState) -> None:
        self.trigger_event(
            self.BidParticipationDecided,
            decision=Decision.GO,
            major=bool(self.why_major),
            approval_ids=(approval.approval_id,),
            reason="",
        )

    def on_rejected(self, approval: ApprovalState, reason: str) -> None:
        self.trigger_event(
            self.BidParticipationDecided,
            decision=Decision.NO_GO,
            major=bool(self.why_major),
            approval_ids=(approval.approval_id,),
            reason=reason,
        )

    # -- preparing the bid (OR-02)

    def provide_input(
        self, department: Department, content_ref: str, provided_by: str, roles: Collection[str]
    ) -> None:
        # OR-02: input goes into a bid the manager decided to make.
        if self.status is not InquiryStatus.PREPARING:
            raise RuleViolation(
                "OR-02", "input is given to a bid being prepared", status=self.status
            )
        # OR-02: each department gives its own input.
        if CONTRIBUTORS[department] not in roles:
            raise RuleViolation(
                "OR-02",
                f"the {department.value} input is given by the {department.value} department",
                required_role=CONTRIBUTORS[department].value,
            )
        if not content_ref.strip():
            raise RuleViolation("OR-02", "the input says what was contributed")
        self.trigger_event(
            self.BidInputProvided,
            department=department,
            content_ref=content_ref,
            provided_by=provided_by,
        )

    def missing_inputs(self) -> tuple[Department, ...]:
        return tuple(d for d in self.needs if d not in self.inputs)
