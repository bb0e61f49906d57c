"""The orders application: order commands, and policies that keep the customer read model."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Tracking, Transcoding

from chassis.domain import CommandContext
from chassis.governance.application import GovernanceCommands
from contracts.customers import CustomerApproved, CustomerRegistered
from orders.domain.known_customer import KnownCustomer
from orders.domain.order import Order, OrderLine


class OrderLineAsDict(Transcoding):
    type = OrderLine
    name = "order_line"

    def encode(self, obj: OrderLine) -> dict[str, Any]:
        return {
            "product_code": obj.product_code,
            "description": obj.description,
            "quantity": obj.quantity,
            "unit_price": obj.unit_price,
            "serial_numbers": list(obj.serial_numbers),
        }

    def decode(self, data: dict[str, Any]) -> OrderLine:
        return OrderLine(
            product_code=data["product_code"],
            description=data["description"],
            quantity=data["quantity"],
            unit_price=Decimal(data["unit_price"]),
            serial_numbers=tuple(data["serial_numbers"]),
        )


class OrdersApplication(GovernanceCommands):
    service_name = "orders"

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(OrderLineAsDict())

    def place_order(
        self, context: CommandContext, customer_id: UUID, lines: list[OrderLine]
    ) -> Order:
        with self.acting(context):
            order = Order.place(self._known_customer(customer_id), lines, context.actor)
        self.save(order)
        return order

    def ship_order(self, context: CommandContext, order_id: UUID) -> Order:
        order = self.order(order_id)
        with self.acting(context):
            order.ship(context.actor)
        self.save(order)
        return order

    def confirm_delivery(
        self, context: CommandContext, order_id: UUID, received_at: datetime
    ) -> Order:
        order = self.order(order_id)
        with self.acting(context):
            order.confirm_delivery(received_at)
        self.save(order)
        return order

    def order(self, order_id: UUID) -> Order:
        return self.get(Order, order_id, "order")

    def _known_customer(self, customer_id: UUID) -> KnownCustomer | None:
        return self.find(KnownCustomer, customer_id)

    # Policies: customers' events keep orders' own read model of customer files.

    def on_customer_registered(
        self, event: CustomerRegistered, context: CommandContext, tracking: Tracking
    ) -> None:
        with self.acting(context):
            customer = self._known_customer(event.customer_id) or KnownCustomer(
                event.customer_id, event.legal_name
            )
        self.record_processed(tracking, customer)

    def on_customer_approved(
        self, event: CustomerApproved, context: CommandContext, tracking: Tracking
    ) -> None:
        with self.acting(context):
            customer = self._known_customer(event.customer_id) or KnownCustomer(
                event.customer_id, legal_name=""
            )
            customer.approve(event.credit_limit, event.currency)
        self.record_processed(tracking, customer)
