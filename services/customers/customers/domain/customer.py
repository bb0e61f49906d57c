"""The customer file: registered by sales, opened only after the sales manager's approval."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from eventsourcing.domain import event

from chassis.domain import Aggregate, RuleViolation


class CustomerStatus(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    ACTIVE = "active"


class Customer(Aggregate):
    class Registered(Aggregate.Created):
        legal_name: str
        owner_id: str
        registered_by: str

    class Approved(Aggregate.Event):
        approved_by: str
        credit_limit: Decimal
        currency: str

    @event(Registered)
    def __init__(self, legal_name: str, owner_id: str, registered_by: str) -> None:
        self.legal_name = legal_name
        self.owner_id = owner_id
        self.registered_by = registered_by
        self.status = CustomerStatus.PENDING_APPROVAL
        self.credit_limit = Decimal(0)
        self.currency = ""
        self.approved_by: str | None = None

    def approve(self, approver: str, credit_limit: Decimal, currency: str) -> None:
        # CU-02: the file is opened once, by approval, before any trade.
        if self.status is not CustomerStatus.PENDING_APPROVAL:
            raise RuleViolation("CU-02", "the customer is not pending approval", status=self.status)
        # XC-05: whoever registered the customer or owns the account may not approve it.
        if approver in (self.registered_by, self.owner_id):
            raise RuleViolation("XC-05", "nobody approves their own request", approver=approver)
        # CU-12: a credit limit is an amount the company is prepared to lose, never negative.
        if credit_limit < 0:
            raise RuleViolation("CU-12", "the credit limit cannot be negative")
        self._approved(approved_by=approver, credit_limit=credit_limit, currency=currency)

    @event(Approved)
    def _approved(self, approved_by: str, credit_limit: Decimal, currency: str) -> None:
        self.status = CustomerStatus.ACTIVE
        self.approved_by = approved_by
        self.credit_limit = credit_limit
        self.currency = currency
