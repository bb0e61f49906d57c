"""Commands on sales orders."""

from __future__ import annotations

from uuid import UUID

from kernel.audit import AuditTrail
from kernel.governance import Governance
from kernel.signing import CustomerSigning
from orders.domain.known_customer import KnownCustomer
from orders.domain.order import Order, OrderLine
from runtime.application import Feature, command
from runtime.unit_of_work import CommandContext


class OrderCommands(CustomerSigning, Governance, AuditTrail):
    feature = Feature("order-commands", value_objects=(OrderLine,))

    @command
    def place_order(
        self, context: CommandContext, customer_id: UUID, lines: tuple[OrderLine, ...]
    ) -> Order:
        customer = self.find(KnownCustomer, customer_id)
        return Order.place(customer, lines, context.actor)

    @command
    def ship_order(self, context: CommandContext, order_id: UUID) -> Order:
        order = self.get(Order, order_id, "order")
        order.ship(context.actor)
        return order
