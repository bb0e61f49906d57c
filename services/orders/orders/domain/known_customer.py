"""Orders' own record of the customers service's files, built from its events."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Self
from uuid import UUID

from kernel.company import COMPANY_CURRENCY
from runtime.aggregate import Aggregate, RuleViolation


class KnownCustomer(Aggregate):
    """Keyed by the customer's id: the customers service's id is the public identity."""

    def __init__(self) -> None:
        self.legal_name: str
        self.owner_id: str | None
        self.approved = False
        self.credit_limit = Decimal(0)
        self.currency = ""
        # CU-06, CU-13: what customers decided of the customer's standing.
        self.credit_hold = False
        self.blacklisted = False

    class Registered(Aggregate.Created):
        legal_name: str
        owner_id: str | None = None
        """CU-15: the primary account owner (files learned before it was recorded lack it)."""

    class OwnerChanged(Aggregate.Event):
        """CU-15, CU-22: the account's primary owner now."""

        owner_id: str

        def apply(self, customer: KnownCustomer) -> None:
            customer.owner_id = self.owner_id

    class Approved(Aggregate.Event):
        credit_limit: Decimal
        currency: str

        def apply(self, customer: KnownCustomer) -> None:
            customer.approved = True
            customer.credit_limit, customer.currency = self.credit_limit, self.currency

    class CreditHoldChanged(Aggregate.Event):
        held: bool

        def apply(self, customer: KnownCustomer) -> None:
            customer.credit_hold = self.held

    class BlacklistChanged(Aggregate.Event):
        blacklisted: bool

        def apply(self, customer: KnownCustomer) -> None:
            customer.blacklisted = self.blacklisted

    class OpenPipelineSupplied(Aggregate.Event):
        """CU-11, RULES §7 row 21: the customer's open pipeline when its credit review fell due
        (published as ``OpenPipelineSupplied``)."""

        currency: str
        open_orders: int
        open_orders_amount: Decimal
        open_quotes_amount: Decimal
        as_of: datetime

    @classmethod
    def learn(cls, customer_id: UUID, legal_name: str, owner_id: str | None = None) -> Self:
        return cls._create(cls.Registered, id=customer_id, legal_name=legal_name, owner_id=owner_id)

    def change_owner(self, owner_id: str) -> None:
        if owner_id != self.owner_id:
            self.trigger_event(self.OwnerChanged, owner_id=owner_id)

    def approve(self, credit_limit: Decimal, currency: str) -> None:
        self.trigger_event(self.Approved, credit_limit=credit_limit, currency=currency)

    def hold_credit(self, held: bool) -> None:
        if held != self.credit_hold:
            self.trigger_event(self.CreditHoldChanged, held=held)

    def blacklist(self, blacklisted: bool) -> None:
        if blacklisted != self.blacklisted:
            self.trigger_event(self.BlacklistChanged, blacklisted=blacklisted)

    @property
    def trading_currency(self) -> str:
        """The currency of the customer's credit limit (the company's before one is
        known)."""
        return self.currency or COMPANY_CURRENCY

    def supply_open_pipeline(
        self, open_orders: int, orders_amount: Decimal, quotes_amount: Decimal, as_of: datetime
    ) -> None:
        """CU-11: answer the customer's credit review with what is in the pipeline, in the
        ``trading_currency``."""
        self.trigger_event(
            self.OpenPipelineSupplied,
            currency=self.trading_currency,
            open_orders=open_orders,
            open_orders_amount=orders_amount,
            open_quotes_amount=quotes_amount,
            as_of=as_of,
        )


def trading_customer(customer: KnownCustomer | None) -> KnownCustomer:
    """The customer a new transaction is with, once it may be: the file approved and opened
    (CU-02), and not blacklisted (CU-06)."""
    # CU-02: no transaction before the customer's file is approved and opened.
    if customer is None:
        raise RuleViolation("CU-02", "unknown customer: no approved customer file exists")
    if not customer.approved:
        raise RuleViolation(
            "CU-02", "the customer's file is not approved yet", customer_id=str(customer.id)
        )
    # CU-06: no new transaction with a blacklisted customer.
    if customer.blacklisted:
        raise RuleViolation("CU-06", "the customer is blacklisted", customer_id=str(customer.id))
    return customer
