"""Orders' own record of the customers service's files, built from its events."""

from __future__ import annotations

from decimal import Decimal
from typing import Self
from uuid import UUID

from runtime.aggregate import Aggregate


class KnownCustomer(Aggregate):
    """Keyed by the customer's id: the customers service's id is the public identity."""

    def __init__(self) -> None:
        self.legal_name: str
        self.approved = False
        self.credit_limit = Decimal(0)
        self.currency = ""

    class Registered(Aggregate.Created):
        legal_name: str

    class Approved(Aggregate.Event):
        credit_limit: Decimal
        currency: str

        def apply(self, customer: KnownCustomer) -> None:
            customer.approved = True
            customer.credit_limit, customer.currency = self.credit_limit, self.currency

    @classmethod
    def learn(cls, customer_id: UUID, legal_name: str) -> Self:
        return cls._create(cls.Registered, id=customer_id, legal_name=legal_name)

    def approve(self, credit_limit: Decimal, currency: str) -> None:
        self.trigger_event(self.Approved, credit_limit=credit_limit, currency=currency)
