"""A service proposal for a service sale (OR-34, 服務方案).

The service-sales side leads: the salesperson drafts the tailored proposal with its service
content, standards, process, price and value-added services, and the technical department and
customer service each add their part. Once both have, it goes to the authority matrix's
``service_proposal`` chain: the sales manager reviews feasibility and competitiveness, finance the
price. It is offered to the customer only once approved; the service contract then follows OR-10
as a sales contract."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self
from uuid import UUID

from kernel.approvals.domain import Approvable, ApprovalState
from kernel.roles import SALES, Role
from orders.domain.known_customer import KnownCustomer, trading_customer
from orders.domain.staff import acting_as
from runtime.aggregate import RuleViolation

SERVICE_PROPOSAL = "service_proposal"
"""The authority matrix's chain: the sales manager, then finance on the price."""


class Contributor(StrEnum):
    """OR-34: the departments that draft the proposal with the service-sales side."""

    TECHNICAL = "technical"
    CUSTOMER_SERVICE = "customer_service"


CONTRIBUTORS: dict[Contributor, tuple[str, ...]] = {
    Contributor.TECHNICAL: (Role.TECHNICAL_DEPARTMENT,),
    Contributor.CUSTOMER_SERVICE: (Role.SERVICE_DEPARTMENT, Role.CS_MANAGER),
}


class ProposalStatus(StrEnum):
    DRAFT = "draft"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    OFFERED = "offered"


class ServiceProposal(Approvable):
    document_type = "service_proposal"

    def __init__(self) -> None:
        self.customer_id: UUID
        self.content: str
        self.standards: str
        self.process: str
        self.price: Decimal
        self.currency: str
        self.value_added: str
        self.drafted_by: str
        self.status = ProposalStatus.DRAFT
        self.contributions: dict[Contributor, str] = {}
        self.offered_by: str | None = None

    class Drafted(Approvable.Created):
        customer_id: UUID
        content: str
        standards: str
        process: str
        price: Decimal
        currency: str
        value_added: str
        drafted_by: str

    class Contributed(Approvable.Event):
        department: Contributor
        contribution: str
        contributed_by: str

        def apply(self, proposal: ServiceProposal) -> None:
            proposal.contributions[Contributor(self.department)] = self.contribution

    class Submitted(Approvable.Event):
        submitted_by: str

        def apply(self, proposal: ServiceProposal) -> None:
            proposal.status = ProposalStatus.PENDING_APPROVAL

    class Approved(Approvable.Event):
        approval_ids: tuple[UUID, ...]

        def apply(self, proposal: ServiceProposal) -> None:
            proposal.status = ProposalStatus.APPROVED

    class Rejected(Approvable.Event):
        reason: str
        approval_ids: tuple[UUID, ...]

        def apply(self, proposal: ServiceProposal) -> None:
            proposal.status = ProposalStatus.REJECTED

    class Offered(Approvable.Event):
        offered_by: str

        def apply(self, proposal: ServiceProposal) -> None:
            proposal.status, proposal.offered_by = ProposalStatus.OFFERED, self.offered_by

    @classmethod
    def draft(
        cls,
        customer: KnownCustomer | None,
        content: str,
        standards: str,
        process: str,
        price: Decimal,
        value_added: str,
        drafted_by: str,
        roles: frozenset[str],
    ) -> Self:
        acting_as(SALES, roles, "OR-34", "drafting a service proposal")
        known = trading_customer(customer)
        # OR-34: the proposal states the service content, standards, process, price and the
        # value-added services.
        stated = {
            "content": content,
            "standards": standards,
            "process": process,
            "value_added": value_added,
        }
        missing = [name for name, text in stated.items() if not text.strip()]
        if missing:
            raise RuleViolation("OR-34", "a service proposal states every part", missing=missing)
        if price <= 0:
            raise RuleViolation("OR-34", "a service proposal states its price")
        return cls._create(
            cls.Drafted,
            customer_id=known.id,
            content=content,
            standards=standards,
            process=process,
            price=price,
            currency=known.trading_currency,
            value_added=value_added,
            drafted_by=drafted_by,
        )

    def contribute(
        self, department: Contributor, contribution: str, by: str, roles: frozenset[str]
    ) -> None:
        acting_as(CONTRIBUTORS[department], roles, "OR-34", f"the {department} part")
        if self.status is not ProposalStatus.DRAFT:
            raise RuleViolation("OR-34", "only a draft proposal is added to", status=self.status)
        if not contribution.strip():
            raise RuleViolation("OR-34", "a department's part says what it adds")
        self.trigger_event(
            self.Contributed, department=department, contribution=contribution, contributed_by=by
        )

    def submit(self, by: str) -> None:
        if self.status is not ProposalStatus.DRAFT:
            raise RuleViolation("OR-34", "only a draft proposal is submitted", status=self.status)
        # OR-34: technical and customer service draft it together with the service-sales side.
        missing = [d for d in Contributor if d not in self.contributions]
        if missing:
            raise RuleViolation(
                "OR-34",
                "the technical department and customer service add their parts first",
                missing=[str(d) for d in missing],
            )
        self.trigger_event(self.Submitted, submitted_by=by)

    def offer(self, by: str) -> None:
        # OR-34: reviewed and evaluated before it is offered.
        if self.status is not ProposalStatus.APPROVED:
            raise RuleViolation(
                "OR-34",
                "a service proposal is offered only once the sales manager and finance approved it",
                status=self.status,
            )
        self.trigger_event(self.Offered, offered_by=by)

    # -- the approval (OR-34)

    def approval_content(self) -> Mapping[str, Any]:
        return {
            "customer_id": str(self.customer_id),
            "content": self.content,
            "standards": self.standards,
            "process": self.process,
            "price": str(self.price),
            "currency": self.currency,
            "value_added": self.value_added,
            "contributions": {str(k): v for k, v in sorted(self.contributions.items())},
        }

    def interested_parties(self) -> set[str]:
        return {self.drafted_by}

    def on_approved(self, approval: ApprovalState) -> None:
        self.trigger_event(self.Approved, approval_ids=(approval.approval_id,))

    def on_rejected(self, approval: ApprovalState, reason: str) -> None:
        self.trigger_event(self.Rejected, reason=reason, approval_ids=(approval.approval_id,))
