"""A payment the customer made to the company, recorded by finance and applied to the customer's
invoices (BI-04…BI-07 as to who records money, BI-09)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Self
from uuid import UUID

from billing.domain.duties import handles_money
from runtime.aggregate import Aggregate, RuleViolation

RECORDERS = frozenset({"finance", "accountant"})
"""BI-05, C9: finance alone records money received; the salespeople who chase it never do."""


class Payment(Aggregate):
    def __init__(self) -> None:
        self.customer_id: UUID
        self.amount: Decimal
        self.currency: str
        self.method: str
        self.bank_ref: str
        self.applied_to: tuple[UUID, ...]
        self.applied_amounts: tuple[Decimal, ...]
        self.received_at: datetime
        self.recorded_by: str

    class Applied(Aggregate.Created):
        """BI-09: received into the company's account and applied in full to ``applied_to``,
        ``applied_amounts`` to each."""

        customer_id: UUID
        amount: Decimal
        currency: str
        method: str
        bank_ref: str
        applied_to: tuple[UUID, ...]
        applied_amounts: tuple[Decimal, ...]
        received_at: datetime
        recorded_by: str

    @classmethod
    def record(
        cls,
        payment_id: UUID,
        recorded_by: str,
        roles: Iterable[str],
        customer_id: UUID,
        currency: str,
        method: str,
        bank_ref: str,
        received_at: datetime,
        applications: dict[UUID, Decimal],
        collectors: Collection[str],
    ) -> Self:
        """``collectors``: the account owners who chase the invoices paid."""
        # BI-05: money goes to the company, and finance records it; a salesperson never does.
        if not RECORDERS & set(roles):
            raise RuleViolation(
                "BI-05",
                "salespeople never record money they collected: finance records every payment",
            )
        # BI-15: nor does anyone record a payment they chased.
        handles_money(recorded_by, roles, "a payment", collectors)
        # BI-09: the whole payment is applied, each part to an invoice.
        if not applications or any(amount <= 0 for amount in applications.values()):
            raise RuleViolation("BI-09", "a payment is applied to at least one invoice")
        return cls._create(
            cls.Applied,
            id=payment_id,
            customer_id=customer_id,
            amount=sum(applications.values(), Decimal(0)),
            currency=currency,
            method=method,
            bank_ref=bank_ref,
            applied_to=tuple(applications),
            applied_amounts=tuple(applications.values()),
            received_at=received_at,
            recorded_by=recorded_by,
        )
