"""A breach of a signed sales contract, or a dispute over it (OR-32).

Every dispute is reported to leadership as it is registered (``DisputeReported``). The sales
manager personally drafts the countermeasures, never a subordinate; and nothing is waived or
settled casually, whichever side caused it: leadership decides the outcome, once the sales
manager's countermeasure is on file (``DisputeResolved``)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol, Self
from uuid import UUID

from kernel.approvals.domain import LEADERSHIP
from kernel.roles import SALES, Role
from orders.domain.staff import acting_as
from runtime.aggregate import Aggregate, RuleViolation


class SignedContract(Protocol):
    """What a dispute needs of the contract (``SalesContract`` is one)."""

    @property
    def id(self) -> UUID: ...
    @property
    def customer_id(self) -> UUID: ...
    @property
    def signed_at(self) -> datetime | None: ...


class Outcome(StrEnum):
    SETTLED = "settled"
    """Settled on terms leadership decided."""
    WAIVED = "waived"
    """The claim given up, by leadership's decision and for a stated reason."""
    TERMINATED = "terminated"
    """The contract ends (its termination follows the ``contract_termination`` chain)."""


class DisputeStatus(StrEnum):
    REPORTED = "reported"
    """Reported to leadership; the sales manager's countermeasure is awaited."""
    COUNTERMEASURE_DRAFTED = "countermeasure_drafted"
    RESOLVED = "resolved"


class Dispute(Aggregate):
    def __init__(self) -> None:
        self.contract_id: UUID
        self.customer_id: UUID
        self.description: str
        self.reported_by: str
        self.reported_to: tuple[str, ...]
        self.status = DisputeStatus.REPORTED
        self.countermeasure: str | None = None
        self.outcome: Outcome | None = None

    class Reported(Aggregate.Created):
        """``DisputeReported``: to leadership, as it is registered."""

        contract_id: UUID
        customer_id: UUID
        description: str
        reported_by: str
        reported_to: tuple[str, ...]

    class CountermeasureDrafted(Aggregate.Event):
        countermeasure: str
        drafted_by: str

        def apply(self, dispute: Dispute) -> None:
            dispute.status = DisputeStatus.COUNTERMEASURE_DRAFTED
            dispute.countermeasure = self.countermeasure

    class Resolved(Aggregate.Event):
        """``DisputeResolved``."""

        outcome: Outcome
        reason: str
        decided_by: str
        decider_role: str

        def apply(self, dispute: Dispute) -> None:
            dispute.status, dispute.outcome = DisputeStatus.RESOLVED, Outcome(self.outcome)

    @classmethod
    def report(
        cls, contract: SignedContract, description: str, reported_by: str, roles: frozenset[str]
    ) -> Self:
        acting_as((*SALES, Role.SALES_MANAGER), roles, "OR-32", "reporting a contract dispute")
        # OR-32: a breach or dispute is over a contract that was signed.
        if contract.signed_at is None:
            raise RuleViolation("OR-32", "a breach or dispute concerns a signed contract")
        if not description.strip():
            raise RuleViolation("OR-32", "a dispute report says what happened")
        return cls._create(
            cls.Reported,
            contract_id=contract.id,
            customer_id=contract.customer_id,
            description=description,
            reported_by=reported_by,
            reported_to=tuple(str(role) for role in LEADERSHIP),
        )

    def draft_countermeasure(self, countermeasure: str, by: str, roles: frozenset[str]) -> None:
        # OR-32: the sales manager drafts the countermeasures personally, not a subordinate.
        acting_as((Role.SALES_MANAGER,), roles, "OR-32", "drafting a dispute's countermeasures")
        if self.status is DisputeStatus.RESOLVED:
            raise RuleViolation("OR-32", "the dispute is resolved")
        if not countermeasure.strip():
            raise RuleViolation("OR-32", "a countermeasure says what is done")
        self.trigger_event(self.CountermeasureDrafted, countermeasure=countermeasure, drafted_by=by)

    def resolve(self, outcome: Outcome, reason: str, by: str, roles: frozenset[str]) -> None:
        # OR-32: nothing is settled or waived casually: leadership decides, with a reason, on
        # the sales manager's countermeasure.
        role = acting_as(LEADERSHIP, roles, "OR-32", "deciding a dispute's outcome")
        if self.status is not DisputeStatus.COUNTERMEASURE_DRAFTED:
            raise RuleViolation(
                "OR-32",
                "a dispute is resolved on the sales manager's countermeasure, and once",
                status=self.status,
            )
        if not reason.strip():
            raise RuleViolation("OR-32", "the outcome states why")
        self.trigger_event(
            self.Resolved, outcome=outcome, reason=reason, decided_by=by, decider_role=role
        )
