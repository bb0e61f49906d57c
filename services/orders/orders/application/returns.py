"""Commands of the return of goods (RULES §4.4; OR-24 … OR-29): requested through the salesperson
and sent to the authority matrix's ``return`` chain, whose steps are the branch manager's
confirmation (OR-24), the technical department's authentication (OR-26) and the sales manager's
approval of the return detail (OR-27), decided through the kernel's approval routes; between
them the salesperson's check against what was delivered net of earlier returns (OR-25) and the
return detail; then the red outbound order and the counted warehouse receipt (OR-28, OR-29)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from uuid import UUID

from contracts.billing import CreditNoteIssued
from contracts.service_desk import DiagnosisRecorded
from kernel.approvals import Approvals
from kernel.approvals.commands import Decision
from kernel.approvals.domain import Approvable
from orders.domain.order import Order
from orders.domain.product_return import (
    RETURN,
    ProductReturn,
    ReturnedGoods,
    ReturnLine,
    ReturnStatus,
)
from orders.return_projections import product_returns
from runtime import clock
from runtime.application import Feature, command, policy
from runtime.ids import new_id
from runtime.unit_of_work import CommandContext


class ReturnCommands(Approvals):
    feature = Feature("returns", projections=(product_returns,), value_objects=(ReturnLine,))

    def product_return(self, return_id: UUID) -> ProductReturn:
        return self.get(ProductReturn, return_id, "return")

    def _returned_goods(self, order_id: UUID) -> ReturnedGoods:
        found = self.find(ReturnedGoods, ReturnedGoods.id_for(order_id))
        return found if found is not None else ReturnedGoods.open(order_id)

    def _released(self, ret: ProductReturn) -> None:
        found = self.find(ReturnedGoods, ReturnedGoods.id_for(ret.order_id))
        if found is not None:
            found.release(ret.id)

    @policy(DiagnosisRecorded)
    def on_diagnosis_recorded(self, event: DiagnosisRecorded) -> None:
        """RULES §7 row 16, C10: a unit service-desk's technician judged must be replaced opens
        an exchange from the service channel, once per diagnosed call; a diagnosis without a
        replacement, or of a unit whose order orders does not know, opens nothing."""
        if not event.unit_to_be_replaced or event.order_id is None:
            return
        if self.find(ProductReturn, ProductReturn.id_for_call(event.call_id)) is not None:
            return
        order = self.find(Order, event.order_id)
        if order is None:
            return
        exchange = ProductReturn.exchange_for(order, event.call_id, event.diagnosed_by)
        if exchange is not None:
            # C10: from here it follows the return chain, the branch manager confirming first.
            self.request_approval(exchange, RETURN, event.diagnosed_by)

    @policy(CreditNoteIssued)
    def on_credit_note_issued(self, event: CreditNoteIssued) -> None:
        """BI-18, RULES §8: the credit note billing issued for a return ends the return's
        cycle (request → credit note)."""
        ret = self.find(ProductReturn, event.return_id)
        if ret is not None:
            ret.credited(event.credit_note_id, event.amount, event.issued_at)

    @command
    def request_return(
        self, context: CommandContext, order_id: UUID, reason_code: str
    ) -> ProductReturn:
        order = self.get(Order, order_id, "order")
        parameters = self.rule_parameters().orders
        ret = ProductReturn.request(
            order,
            reason_code,
            context.actor,
            context.roles,
            clock.now(),
            parameters.return_reasons,
            timedelta(days=parameters.return_within_days),
        )
        self.request_approval(ret, RETURN, context.actor)
        return ret

    @command
    def verify_return(
        self, context: CommandContext, return_id: UUID, lines: tuple[tuple[str, str, int], ...]
    ) -> ProductReturn:
        ret = self.product_return(return_id)
        goods = self._returned_goods(ret.order_id)
        ret.verify(lines, context.actor, context.roles, goods.returned)
        goods.record(ret)
        return ret

    @command
    def submit_return_detail(self, context: CommandContext, return_id: UUID) -> ProductReturn:
        ret = self.product_return(return_id)
        ret.submit_detail(context.actor, context.roles)
        return ret

    @command
    def decide(self, context: CommandContext, document_id: UUID, decision: Decision) -> Approvable:
        """OR-25: the goods of a return that ended rejected count as not returned."""
        document = super().decide(context, document_id, decision)
        if isinstance(document, ProductReturn) and document.status is ReturnStatus.REJECTED:
            self._released(document)
        return document

    @command
    def issue_red_outbound(self, context: CommandContext, return_id: UUID) -> ProductReturn:
        ret = self.product_return(return_id)
        ret.issue_red_outbound(new_id(), context.actor, context.roles)
        return ret

    @command
    def receive_return(
        self, context: CommandContext, return_id: UUID, counted: Mapping[str, int]
    ) -> ProductReturn:
        ret = self.product_return(return_id)
        ret.receive(counted, context.actor, context.roles, clock.now())
        return ret
