"""Orders' own read model of the customers service's files, built from its events."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import event

from chassis.domain import Aggregate


class KnownCustomer(Aggregate):
    """Keyed by the customer's id: the customers service's id is the public identity."""

    @event("Registered")
    def __init__(self, customer_id: UUID, legal_name: str) -> None:
        self.legal_name = legal_name
        self.approved = False
        self.credit_limit = Decimal(0)
        self.currency = ""

    @classmethod
    def create_id(cls, customer_id: UUID) -> UUID:
        return customer_id

    @event("Approved")
    def approve(self, credit_limit: Decimal, currency: str) -> None:
        self.approved = True
        self.credit_limit = credit_limit
        self.currency = currency
