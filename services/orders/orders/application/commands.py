"""Commands on sales orders (RULES §4.3): the goods request from the contract (OR-16) or the
confirmed uncontracted order (OR-14), its approval (OR-17), the credit gate (OR-18), the outbound
order (OR-19, OR-21), the shipment (OR-20); its cancellation before it is in
``cancellations``."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from kernel.audit import AuditTrail
from kernel.governance import Governance
from kernel.signing import CustomerSigning
from orders.domain.known_customer import KnownCustomer
from orders.domain.order import (
    GOODS_REQUEST,
    OVER_CREDIT_SALE,
    UNCONTRACTED_ORDER,
    DeliveryTerms,
    IssuedQuantity,
    Order,
    OrderLine,
    ShipmentDelay,
    UncontractedChannel,
)
from runtime import clock
from runtime.application import Feature, command
from runtime.ids import new_id
from runtime.unit_of_work import CommandContext


class OrderCommands(CustomerSigning, Governance, AuditTrail):
    feature = Feature("order-commands", value_objects=(OrderLine,))

    @command
    def place_order(
        self,
        context: CommandContext,
        customer_id: UUID,
        lines: tuple[OrderLine, ...],
        contract_id: UUID | None = None,
        contract_signed_at: datetime | None = None,
        uncontracted: tuple[UncontractedChannel, str] | None = None,
        terms: DeliveryTerms | None = None,
    ) -> Order:
        """OR-16: the goods request from the signed contract; OR-14: without one, it goes to
        the sales manager (and leadership when major) to confirm in writing at once."""
        customer = self.find(KnownCustomer, customer_id)
        order = Order.place(
            customer, lines, context.actor, contract_id, contract_signed_at, uncontracted, terms
        )
        if order.uncontracted:
            self.request_approval(order, UNCONTRACTED_ORDER, context.actor, order.total)
        return order

    @command
    def confirm_order(self, context: CommandContext, order_id: UUID, terms: DeliveryTerms) -> Order:
        """OR-30: the key contents confirmed with the customer before the order is submitted."""
        order = self.order_to_change(order_id)
        order.confirm_contents(terms, context.actor)
        return order

    @command
    def submit_order(self, context: CommandContext, order_id: UUID) -> Order:
        """OR-17: to the branch manager, then the sales manager."""
        order = self.order_to_change(order_id)
        order.submit(context.actor)
        self.request_approval(order, GOODS_REQUEST, context.actor, order.total)
        return order

    @command
    def request_over_credit_sale(
        self, context: CommandContext, order_id: UUID, reason: str
    ) -> Order:
        """OR-18: the over-credit sales request, approved by the sales manager, finance, and
        leadership when the excess over the limit is major."""
        order = self.order_to_change(order_id)
        excess = order.request_over_credit_sale(reason, context.actor)
        self.request_approval(order, OVER_CREDIT_SALE, context.actor, excess)
        return order

    @command
    def issue_outbound_order(
        self, context: CommandContext, order_id: UUID, lines: tuple[OrderLine, ...] | None
    ) -> Order:
        order = self.order_to_change(order_id)
        customer = self.find(KnownCustomer, order.customer_id)
        order.issue_outbound(customer, new_id(), lines, context.actor, clock.now())
        return order

    @command
    def ship_order(
        self,
        context: CommandContext,
        order_id: UUID,
        delay_reason: ShipmentDelay | None = None,
        issued: tuple[IssuedQuantity, ...] | None = None,
        expected_date: date | None = None,
    ) -> Order:
        """OR-19, OR-20; OR-30: ``issued`` short of the outbound order, the rest is back-ordered,
        expected on ``expected_date``."""
        order = self.order_to_change(order_id)
        customer = self.find(KnownCustomer, order.customer_id)
        days = self.rule_parameters().orders.ship_within_working_days
        ship_by = self.calendar.add_working_days(order.shipping_clock_starts, days)
        short = None if issued is None else (issued, new_id(), expected_date)
        order.ship(context.actor, customer, clock.now(), ship_by, delay_reason, short)
        return order

    @command
    def cancel_back_order(self, context: CommandContext, order_id: UUID, reason: str) -> Order:
        """OR-30: the rest of the order is not issued."""
        order = self.order_to_change(order_id)
        order.cancel_back_order(reason, context.actor)
        return order

    def order_to_change(self, order_id: UUID) -> Order:
        return self.get(Order, order_id, "order")
