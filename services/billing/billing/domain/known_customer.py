"""Billing's own record of the customers service's files, built from its events: for now, whose
account each customer is (CU-15)."""

from __future__ import annotations

from typing import Self
from uuid import UUID

from runtime.aggregate import Aggregate


class KnownCustomer(Aggregate):
    """Keyed by the customer's id: the customers service's id is the public identity."""

    def __init__(self) -> None:
        self.owner_id: str | None

    class Registered(Aggregate.Created):
        owner_id: str | None

    class OwnerChanged(Aggregate.Event):
        """CU-15, CU-22: the account's primary owner now."""

        owner_id: str

        def apply(self, customer: KnownCustomer) -> None:
            customer.owner_id = self.owner_id

    @classmethod
    def learn(cls, customer_id: UUID, owner_id: str | None) -> Self:
        return cls._create(cls.Registered, id=customer_id, owner_id=owner_id)

    def change_owner(self, owner_id: str) -> None:
        if owner_id != self.owner_id:
            self.trigger_event(self.OwnerChanged, owner_id=owner_id)
