"""Queries over customer files: one by id from its events, lists from the read table."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import ColumnElement

from customers.domain.customer import Customer
from customers.projections import (
    CUSTOMERS,
    CustomerView,
    abnormalities,
    credit_investigations,
    customers,
)
from kernel.application import KernelApplication
from runtime.application import Feature
from runtime.views import Page, PageRequest


class CustomerQueries(KernelApplication):
    feature = Feature(
        "customer-lists", projections=(customers, abnormalities, credit_investigations)
    )

    def customer(self, customer_id: UUID) -> Customer:
        return self.get(Customer, customer_id, "customer")

    def customer_list(self, request: PageRequest, name: str | None = None) -> Page[CustomerView]:
        """``name`` matches any part of the legal name."""
        named = [CUSTOMERS.table.c.legal_name.contains(name, autoescape=True)] if name else []
        return self.read_models.page(CUSTOMERS, request, *named)

    def due_for_grade_review(self, request: PageRequest, as_of: datetime) -> Page[CustomerView]:
        """CU-05: graded customers whose grade review is due (``grade_review_due``)."""
        return self.read_models.page(CUSTOMERS, request, self.grade_review_due(as_of))

    def grade_review_due(self, as_of: datetime) -> ColumnElement[bool]:
        """CU-05: the sales manager last decided the grade longer ago than the review interval
        of the rule parameters in force (XC-07), or a trigger made the review due (repeated
        dissatisfaction, the June and December reconciliation)."""
        interval = self.rule_parameters().customers.grade_review_interval_days
        columns = CUSTOMERS.table.c
        return (
            columns.grade_decided_at <= as_of - timedelta(days=interval)
        ) | columns.grade_review_due_since.is_not(None)
