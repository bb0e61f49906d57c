"""A receivable from a supplier (BI-26, SD-27): a secondary claim service-desk filed on a supplier
for a warranty failure that was the supplier's fault. Tracked and collected like a customer's
receivable, but kept apart from any customer's credit exposure: a supplier is not a customer.

The supplier settles its claim once: what it paid is collected, and a partial settlement leaves
the rest open. A settlement beyond what is still owed is not collected but flagged for finance."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Self
from uuid import NAMESPACE_OID, UUID, uuid5

from runtime.aggregate import Aggregate, RuleViolation


class SupplierReceivable(Aggregate):
    def __init__(self) -> None:
        self.claim_id: UUID
        self.supplier: str
        self.amount: Decimal
        self.currency: str
        self.filed_on: date
        self.due_on: date | None
        self.collected = Decimal(0)
        self.settlement_received = False
        self.over_settlement: Decimal | None = None

    class Filed(Aggregate.Created):
        """BI-26: the claim's amount is owed by the supplier, due ``due_on`` (the default
        payment terms of the rule parameters)."""

        claim_id: UUID
        supplier: str
        amount: Decimal
        currency: str
        filed_on: date
        due_on: date | None

    class Collected(Aggregate.Event):
        """BI-26: the supplier settled its claim with ``collected``."""

        collected: Decimal
        collected_on: date

        def apply(self, receivable: SupplierReceivable) -> None:
            receivable.collected += self.collected
            receivable.settlement_received = True

    class OverSettlementFlagged(Aggregate.Event):
        """BI-26: the supplier's settlement was beyond what it owed: nothing is collected until
        finance clears it up."""

        settled: Decimal
        outstanding: Decimal

        def apply(self, receivable: SupplierReceivable) -> None:
            receivable.settlement_received = True
            receivable.over_settlement = self.settled

    @staticmethod
    def id_for(claim_id: UUID) -> UUID:
        # One receivable per claim: a redelivered claim finds it.
        return uuid5(NAMESPACE_OID, f"supplier-receivable:{claim_id}")

    @classmethod
    def file(
        cls,
        claim_id: UUID,
        supplier: str,
        amount: Decimal,
        currency: str,
        filed_on: date,
        payment_terms_days: int | None,
    ) -> Self:
        # BI-26: a claim is a positive amount owed by a named supplier.
        if amount <= 0 or not supplier.strip():
            raise RuleViolation(
                "BI-26", "a supplier receivable names its supplier and a positive amount"
            )
        due = None if payment_terms_days is None else filed_on + timedelta(payment_terms_days)
        return cls._create(
            cls.Filed,
            id=cls.id_for(claim_id),
            claim_id=claim_id,
            supplier=supplier,
            amount=amount,
            currency=currency,
            filed_on=filed_on,
            due_on=due,
        )

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.collected

    @property
    def settled(self) -> bool:
        return self.outstanding <= 0

    def settle(self, paid: Decimal, on: date) -> bool:
        """BI-26: the supplier's one settlement: collected up to what is owed (a partial one
        leaves the rest open), flagged beyond it; a second report of it changes nothing."""
        if self.settlement_received:
            return False
        if paid < 0 or paid > self.outstanding:
            self.trigger_event(
                self.OverSettlementFlagged, settled=paid, outstanding=self.outstanding
            )
            return False
        self.trigger_event(self.Collected, collected=paid, collected_on=on)
        return True
