"""Commands of the return of goods (RULES §4.4; OR-24 … OR-29): requested through the salesperson
and confirmed by the branch manager (OR-24), checked against what was delivered net of earlier
returns (OR-25), authenticated by the technical department (OR-26), its return detail approved by
the sales manager (OR-27), then the red outbound order and the counted warehouse receipt (OR-28,
OR-29)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from uuid import UUID

from contracts.service_desk import DiagnosisRecorded
from kernel.application import KernelApplication
from orders.domain.order import Order
from orders.domain.product_return import ProductReturn, ReturnedGoods, ReturnLine
from orders.return_projections import product_returns
from runtime import clock
from runtime.application import Feature, command, policy
from runtime.ids import new_id
from runtime.unit_of_work import CommandContext


class ReturnCommands(KernelApplication):
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
        if order is not None:
            ProductReturn.exchange_for(order, event.call_id, event.diagnosed_by)

    @command
    def request_return(
        self, context: CommandContext, order_id: UUID, reason_code: str
    ) -> ProductReturn:
        order = self.get(Order, order_id, "order")
        parameters = self.rule_parameters().orders
        return ProductReturn.request(
            order,
            reason_code,
            context.actor,
            context.roles,
            clock.now(),
            parameters.return_reasons,
            timedelta(days=parameters.return_within_days),
        )

    @command
    def confirm_return(self, context: CommandContext, return_id: UUID) -> ProductReturn:
        ret = self.product_return(return_id)
        ret.confirm(context.actor, context.roles)
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
    def authenticate_return(
        self, context: CommandContext, return_id: UUID, genuine: bool, note: str
    ) -> ProductReturn:
        ret = self.product_return(return_id)
        ret.authenticate(genuine, note, context.actor, context.roles)
        if not genuine:
            self._released(ret)
        return ret

    @command
    def submit_return_detail(self, context: CommandContext, return_id: UUID) -> ProductReturn:
        ret = self.product_return(return_id)
        ret.submit_detail(context.actor, context.roles)
        return ret

    @command
    def decide_return(
        self, context: CommandContext, return_id: UUID, approve: bool, reason: str
    ) -> ProductReturn:
        ret = self.product_return(return_id)
        if approve:
            ret.approve(context.actor, context.roles)
        else:
            ret.reject(context.actor, context.roles, reason)
            self._released(ret)
        return ret

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
