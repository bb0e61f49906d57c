"""Queries over sales orders: one by id from its events; lists page through ``ORDERS``."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from orders.delivery_projections import (
    DELIVERY_TRACKING,
    PROMISE_OUTCOMES,
    delivery_tracking,
    promises_by_outcome,
)
from orders.domain.known_customer import KnownCustomer
from orders.domain.order import Order
from orders.projections import orders
from runtime.application import Feature, ServiceApplication


class OrderQueries(ServiceApplication):
    feature = Feature("orders", projections=(orders, delivery_tracking))

    def order(self, order_id: UUID) -> Order:
        return self.get(Order, order_id, "order")

    def known_customer(self, customer_id: UUID) -> KnownCustomer | None:
        return self.find(KnownCustomer, customer_id)

    def delivery_promises(self, month: str, today: date) -> dict[str, int]:
        """OR-30: the month's promised deliveries, met, missed or pending as of ``today``."""
        in_month = DELIVERY_TRACKING.table.c.month == month
        with self.read_models.read() as db:
            counted = {str(o): int(n) for o, n in db.execute(promises_by_outcome(today, in_month))}
        return {outcome: counted.get(outcome, 0) for outcome in PROMISE_OUTCOMES}
