"""What billing learns of orders' sales from their events: each order's currency (OR-16) and each
customer's payment terms from their signed contract (BI-19, RULES §7 row 3)."""

from __future__ import annotations

from typing import Self
from uuid import NAMESPACE_OID, UUID, uuid5

from runtime.aggregate import Aggregate


class KnownOrder(Aggregate):
    """Keyed by the order's id: orders' id is the public identity."""

    def __init__(self) -> None:
        self.customer_id: UUID
        self.currency: str

    class Placed(Aggregate.Created):
        customer_id: UUID
        currency: str

    @classmethod
    def learn(cls, order_id: UUID, customer_id: UUID, currency: str) -> Self:
        return cls._create(cls.Placed, id=order_id, customer_id=customer_id, currency=currency)


class PaymentTerms(Aggregate):
    """BI-19: the payment terms of the customer's latest signed contract that gave any. Orders
    do not say yet which contract an order falls under; the customer's latest terms stand in."""

    def __init__(self) -> None:
        self.customer_id: UUID
        self.days: int
        self.contract_id: UUID

    class Agreed(Aggregate.Created):
        customer_id: UUID
        days: int
        contract_id: UUID

    class Changed(Aggregate.Event):
        days: int
        contract_id: UUID

        def apply(self, terms: PaymentTerms) -> None:
            terms.days, terms.contract_id = self.days, self.contract_id

    @staticmethod
    def id_for(customer_id: UUID) -> UUID:
        return uuid5(NAMESPACE_OID, f"payment-terms:{customer_id}")

    @classmethod
    def agree(cls, customer_id: UUID, days: int, contract_id: UUID) -> Self:
        return cls._create(
            cls.Agreed,
            id=cls.id_for(customer_id),
            customer_id=customer_id,
            days=days,
            contract_id=contract_id,
        )

    def change(self, days: int, contract_id: UUID) -> None:
        if (days, contract_id) != (self.days, self.contract_id):
            self.trigger_event(self.Changed, days=days, contract_id=contract_id)
