"""The cancellation of an order before its shipment (RULES §4.3, OR-17: ``OrderCancelled`` (A)).

The sales department asks for it with the reason; it goes to the authority matrix's
``order_cancellation`` chain, and only once the sales manager approved it is the order cancelled
and the credit billing reserved for it released (the credit gate's compensation). An order that
was shipped is never cancelled. One cancellation document per order: after a rejection the same
document is asked for again, never a second one beside it."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self
from uuid import UUID, uuid5

from kernel.approvals.domain import Approvable, ApprovalState, StepStatus
from kernel.roles import SALES
from orders.domain.order import Order
from orders.domain.staff import acting_as
from runtime.aggregate import RuleViolation

ORDER_CANCELLATION = "order_cancellation"
"""The authority matrix's chain: the sales manager."""


class CancellationStatus(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    """The sales manager approved: the order is cancelled."""
    REJECTED = "rejected"


class OrderCancellation(Approvable):
    document_type = "order_cancellation"

    def __init__(self) -> None:
        self.order_id: UUID
        self.customer_id: UUID
        self.amount: Decimal
        self.currency: str
        self.reason: str
        self.requested_by: str
        self.status = CancellationStatus.PENDING_APPROVAL
        self.decided_by: str | None = None

    class Requested(Approvable.Created):
        order_id: UUID
        customer_id: UUID
        amount: Decimal
        currency: str
        reason: str
        requested_by: str

    class RequestedAgain(Approvable.Event):
        """OR-17: asked again after a rejection, with its reason."""

        reason: str
        requested_by: str

        def apply(self, cancellation: OrderCancellation) -> None:
            cancellation.reason, cancellation.requested_by = self.reason, self.requested_by
            cancellation.status, cancellation.decided_by = CancellationStatus.PENDING_APPROVAL, None

    class Approved(Approvable.Event):
        approved_by: str
        approval_ids: tuple[UUID, ...]

        def apply(self, cancellation: OrderCancellation) -> None:
            cancellation.status = CancellationStatus.APPROVED
            cancellation.decided_by = self.approved_by

    class Rejected(Approvable.Event):
        rejected_by: str
        reason: str
        approval_ids: tuple[UUID, ...]

        def apply(self, cancellation: OrderCancellation) -> None:
            cancellation.status = CancellationStatus.REJECTED
            cancellation.decided_by = self.rejected_by

    @staticmethod
    def id_for(order_id: UUID) -> UUID:
        return uuid5(order_id, "order-cancellation")

    @classmethod
    def request(cls, order: Order, reason: str, requested_by: str, roles: frozenset[str]) -> Self:
        acting_as(SALES, roles, "OR-17", "asking for an order's cancellation")
        order.check_cancellable(reason)
        return cls._create(
            cls.Requested,
            id=cls.id_for(order.id),
            order_id=order.id,
            customer_id=order.customer_id,
            amount=order.total,
            currency=order.currency,
            reason=reason,
            requested_by=requested_by,
        )

    def request_again(
        self, order: Order, reason: str, requested_by: str, roles: frozenset[str]
    ) -> None:
        acting_as(SALES, roles, "OR-17", "asking for an order's cancellation")
        # OR-17: one cancellation at a time, with the sales manager.
        if self.status is CancellationStatus.PENDING_APPROVAL:
            raise RuleViolation(
                "OR-17", "the order's cancellation is already with the sales manager"
            )
        order.check_cancellable(reason)
        self.trigger_event(self.RequestedAgain, reason=reason, requested_by=requested_by)

    # -- the approval (OR-17)

    def approval_content(self) -> Mapping[str, Any]:
        return {
            "order_id": str(self.order_id),
            "customer_id": str(self.customer_id),
            "amount": str(self.amount),
            "currency": self.currency,
            "reason": self.reason,
        }

    def interested_parties(self) -> set[str]:
        return {self.requested_by}

    def on_approved(self, approval: ApprovalState) -> None:
        approver = approval.steps[-1].decided_by or ""
        self.trigger_event(
            self.Approved, approved_by=approver, approval_ids=(approval.approval_id,)
        )

    def on_rejected(self, approval: ApprovalState, reason: str) -> None:
        rejected = next(s for s in approval.steps if s.status is StepStatus.REJECTED)
        self.trigger_event(
            self.Rejected,
            rejected_by=rejected.decided_by or "",
            reason=reason,
            approval_ids=(approval.approval_id,),
        )
