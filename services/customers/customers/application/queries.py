"""Queries over customer files: one by id from its events, lists from the read table."""

from __future__ import annotations

from uuid import UUID

from customers.domain.customer import Customer
from customers.projections import CUSTOMERS, CustomerView, customers
from runtime.application import ServiceApplication
from runtime.views import Page, PageRequest


class CustomerQueries(ServiceApplication):
    projections = (customers,)

    def customer(self, customer_id: UUID) -> Customer:
        return self.get(Customer, customer_id, "customer")

    def customer_list(self, request: PageRequest, name: str | None = None) -> Page[CustomerView]:
        """``name`` matches any part of the legal name."""
        named = [CUSTOMERS.table.c.legal_name.contains(name, autoescape=True)] if name else []
        return self.read_models.page(CUSTOMERS, request, *named)
