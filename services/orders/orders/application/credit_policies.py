"""OR-18: orders learns billing's answer on each order's credit reservation."""

from __future__ import annotations

from contracts.billing import CreditDeclined, CreditReserved
from orders.domain.order import Order
from runtime.application import ServiceApplication, policy


class CreditGatePolicies(ServiceApplication):
    @policy(CreditReserved)
    def on_credit_reserved(self, event: CreditReserved) -> None:
        order = self.find(Order, event.order_id)
        if order is not None:
            order.credit_reserved(event.credit_limit, event.exposure, event.over_credit_approved)

    @policy(CreditDeclined)
    def on_credit_declined(self, event: CreditDeclined) -> None:
        order = self.find(Order, event.order_id)
        if order is not None:
            order.credit_declined(event.credit_limit, event.exposure, event.reason)
