"""Commands of an order's cancellation before shipment (RULES §4.3, OR-17): asked for by the
sales department, approved by the sales manager through the authority matrix's
``order_cancellation`` chain; the approval cancels the order in the same unit of work, and billing
releases its credit reservation on ``OrderCancelled`` (the credit gate's compensation)."""

from __future__ import annotations

from uuid import UUID

from kernel.approvals import Approvals
from kernel.approvals.commands import Decision
from kernel.approvals.domain import Approvable
from orders.domain.order import Order
from orders.domain.order_cancellation import (
    ORDER_CANCELLATION,
    CancellationStatus,
    OrderCancellation,
)
from runtime.application import command
from runtime.unit_of_work import CommandContext


class CancellationCommands(Approvals):
    @command
    def request_cancellation(
        self, context: CommandContext, order_id: UUID, reason: str
    ) -> OrderCancellation:
        """OR-17: to the sales manager; the order stays as it is until approved."""
        order = self.get(Order, order_id, "order")
        cancellation = self.find(OrderCancellation, OrderCancellation.id_for(order_id))
        if cancellation is None:
            cancellation = OrderCancellation.request(order, reason, context.actor, context.roles)
        else:
            cancellation.request_again(order, reason, context.actor, context.roles)
        self.request_approval(cancellation, ORDER_CANCELLATION, context.actor, order.total)
        return cancellation

    def cancellation(self, order_id: UUID) -> OrderCancellation:
        return self.get(OrderCancellation, OrderCancellation.id_for(order_id), "cancellation")

    @command
    def decide(self, context: CommandContext, document_id: UUID, decision: Decision) -> Approvable:
        """OR-17: the sales manager's approval cancels the order; an order shipped meanwhile
        refuses it (the cancellation is rejected instead)."""
        document = super().decide(context, document_id, decision)
        if (
            isinstance(document, OrderCancellation)
            and document.status is CancellationStatus.APPROVED
        ):
            approval = document.approval
            assert approval is not None
            order = self.get(Order, document.order_id, "order")
            order.cancel(document.reason, document.decided_by or "", (approval.approval_id,))
        return document
