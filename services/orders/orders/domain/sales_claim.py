"""A sales claim (索赔) about the quality, quantity or delivery of goods sold (OR-31).

Every claim is handled, whatever its size, by one standard procedure under the sales manager:
registered (by the salesperson, or from a sales complaint service-desk classified, RULES §7 row
17), then the facts are gathered and its type settled, then a countermeasure is proposed, which
the sales manager reviews through the authority matrix's ``sales_claim`` chain before the claim
is resolved. A countermeasure comes only after the facts; a rejected one sends the claim back for
another."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self
from uuid import UUID, uuid5

from kernel.approvals.domain import Approvable, ApprovalState
from kernel.roles import SALES, Role
from orders.domain.known_customer import KnownCustomer
from orders.domain.staff import acting_as
from runtime.aggregate import RuleViolation

SALES_CLAIM = "sales_claim"
"""The authority matrix's chain: the sales manager reviews every claim's resolution."""
HANDLERS = (*SALES, Role.SALES_MANAGER)
"""OR-31: who gathers a claim's facts and proposes its countermeasure."""


class ClaimType(StrEnum):
    QUALITY = "quality"
    QUANTITY = "quantity"
    DELIVERY = "delivery"


class ClaimStatus(StrEnum):
    REGISTERED = "registered"
    INVESTIGATED = "investigated"
    """The facts gathered and the type settled."""
    PENDING_REVIEW = "pending_review"
    """A countermeasure is with the sales manager."""
    RESOLVED = "resolved"


class SalesClaim(Approvable):
    document_type = "sales_claim"

    def __init__(self) -> None:
        self.customer_id: UUID
        self.claim_type: ClaimType | None
        self.description: str
        self.amount_claimed: Decimal
        self.complaint_id: UUID | None
        self.severity: str | None
        self.registered_by: str
        self.status = ClaimStatus.REGISTERED
        self.findings: str | None = None
        self.countermeasure: str | None = None
        self.settlement: Decimal | None = None

    class Registered(Approvable.Created):
        """``ClaimRegistered``."""

        customer_id: UUID
        claim_type: ClaimType | None
        description: str
        amount_claimed: Decimal
        complaint_id: UUID | None
        """RULES §7 row 17: the sales complaint service-desk classified, if it came from one."""
        severity: str | None
        registered_by: str

    class Investigated(Approvable.Event):
        claim_type: ClaimType
        findings: str
        investigated_by: str

        def apply(self, claim: SalesClaim) -> None:
            claim.status, claim.claim_type = ClaimStatus.INVESTIGATED, ClaimType(self.claim_type)
            claim.findings = self.findings

    class CountermeasureProposed(Approvable.Event):
        countermeasure: str
        settlement: Decimal
        proposed_by: str

        def apply(self, claim: SalesClaim) -> None:
            claim.status = ClaimStatus.PENDING_REVIEW
            claim.countermeasure, claim.settlement = self.countermeasure, self.settlement

    class Resolved(Approvable.Event):
        """``ClaimResolved``: the sales manager reviewed and approved the countermeasure."""

        countermeasure: str
        settlement: Decimal
        approval_ids: tuple[UUID, ...]

        def apply(self, claim: SalesClaim) -> None:
            claim.status = ClaimStatus.RESOLVED

    class CountermeasureRejected(Approvable.Event):
        reason: str
        approval_ids: tuple[UUID, ...]

        def apply(self, claim: SalesClaim) -> None:
            claim.status = ClaimStatus.INVESTIGATED

    @staticmethod
    def id_for_complaint(complaint_id: UUID) -> UUID:
        return uuid5(complaint_id, "sales-claim")

    @classmethod
    def register(
        cls,
        customer: KnownCustomer | None,
        claim_type: ClaimType | None,
        description: str,
        amount_claimed: Decimal,
        registered_by: str,
        roles: frozenset[str],
    ) -> Self:
        acting_as(SALES, roles, "OR-31", "registering a customer's claim")
        # OR-31: a claim is against a customer orders knows, whatever its size.
        if customer is None:
            raise RuleViolation("OR-31", "a claim is registered against a known customer")
        if not description.strip():
            raise RuleViolation("OR-31", "a claim says what the customer claims")
        if amount_claimed < 0:
            raise RuleViolation("OR-31", "the amount claimed is not negative")
        return cls._create(
            cls.Registered,
            customer_id=customer.id,
            claim_type=claim_type,
            description=description,
            amount_claimed=amount_claimed,
            complaint_id=None,
            severity=None,
            registered_by=registered_by,
        )

    @classmethod
    def from_complaint(
        cls, complaint_id: UUID, customer_id: UUID, severity: str, registered_by: str
    ) -> Self:
        """RULES §7 row 17: a sales complaint brought to the sales manager as a claim, its type
        settled when its facts are gathered."""
        return cls._create(
            cls.Registered,
            id=cls.id_for_complaint(complaint_id),
            customer_id=customer_id,
            claim_type=None,
            description=f"{severity} sales complaint {complaint_id} classified by service-desk",
            amount_claimed=Decimal(0),
            complaint_id=complaint_id,
            severity=severity,
            registered_by=registered_by,
        )

    def investigate(
        self, claim_type: ClaimType, findings: str, by: str, roles: frozenset[str]
    ) -> None:
        acting_as(HANDLERS, roles, "OR-31", "gathering a claim's facts")
        if self.status not in (ClaimStatus.REGISTERED, ClaimStatus.INVESTIGATED):
            raise RuleViolation(
                "OR-31", "the facts are gathered before the resolution", status=self.status
            )
        # OR-31: the facts are gathered accurately: stated, not assumed.
        if not findings.strip():
            raise RuleViolation("OR-31", "the findings say what was established")
        self.trigger_event(
            self.Investigated, claim_type=claim_type, findings=findings, investigated_by=by
        )

    def propose(
        self, countermeasure: str, settlement: Decimal, by: str, roles: frozenset[str]
    ) -> None:
        acting_as(HANDLERS, roles, "OR-31", "proposing a claim's countermeasure")
        # OR-31: the standard procedure: the facts and the type first, then the countermeasure.
        if self.status is not ClaimStatus.INVESTIGATED:
            raise RuleViolation(
                "OR-31",
                "a countermeasure is proposed once the claim's facts are gathered and its type "
                "settled",
                status=self.status,
            )
        if not countermeasure.strip() or settlement < 0:
            raise RuleViolation(
                "OR-31", "a countermeasure says what is done, and any settlement is not negative"
            )
        self.trigger_event(
            self.CountermeasureProposed,
            countermeasure=countermeasure,
            settlement=settlement,
            proposed_by=by,
        )

    # -- the review (OR-31)

    def approval_content(self) -> Mapping[str, Any]:
        return {
            "customer_id": str(self.customer_id),
            "claim_type": self.claim_type,
            "description": self.description,
            "amount_claimed": str(self.amount_claimed),
            "findings": self.findings,
            "countermeasure": self.countermeasure,
            "settlement": None if self.settlement is None else str(self.settlement),
        }

    def interested_parties(self) -> set[str]:
        return {self.registered_by}

    def on_approved(self, approval: ApprovalState) -> None:
        assert self.countermeasure is not None and self.settlement is not None
        self.trigger_event(
            self.Resolved,
            countermeasure=self.countermeasure,
            settlement=self.settlement,
            approval_ids=(approval.approval_id,),
        )

    def on_rejected(self, approval: ApprovalState, reason: str) -> None:
        self.trigger_event(
            self.CountermeasureRejected, reason=reason, approval_ids=(approval.approval_id,)
        )
