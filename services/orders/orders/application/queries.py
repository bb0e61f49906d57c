"""Queries over sales orders: one by id from its events; lists page through ``ORDERS``."""

from __future__ import annotations

from uuid import UUID

from orders.domain.known_customer import KnownCustomer
from orders.domain.order import Order
from orders.projections import orders
from runtime.application import Feature, ServiceApplication


class OrderQueries(ServiceApplication):
    feature = Feature("orders", projections=(orders,))

    def order(self, order_id: UUID) -> Order:
        return self.get(Order, order_id, "order")

    def known_customer(self, customer_id: UUID) -> KnownCustomer | None:
        return self.find(KnownCustomer, customer_id)
