"""A service fee collected on site (BI-16, BI-17, SD-13, C4): service-desk reports a small type-A
fee a technician collected against a numbered receipt; the cash is to reach the accountant the
same day, through a cash handover both signed. The accountant who received it books the fee
against that handover; a fee not handed in by the close of its day is flagged, once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Self
from uuid import NAMESPACE_OID, UUID, uuid5

from billing.domain.cash_handover import CashHandover, CashHandoverStatus
from billing.domain.duties import handles_money
from runtime.aggregate import Aggregate, RuleViolation


class ServiceFeeStatus(StrEnum):
    COLLECTED = "collected"
    HANDED_IN = "handed_in"


class ServiceFee(Aggregate):
    def __init__(self) -> None:
        self.call_id: UUID
        self.customer_id: UUID
        self.amount: Decimal
        self.currency: str
        self.receipt_no: str
        self.prior_approval_id: UUID
        self.handover_due_at: datetime
        self.status = ServiceFeeStatus.COLLECTED
        self.handover_id: UUID | None = None
        self.handed_to: str | None = None
        self.handover_missed = False

    class Collected(Aggregate.Created):
        """BI-16 (RULES §7 row 13): collected on site; due with the accountant by
        ``handover_due_at``, the close of the day billing learned of it."""

        call_id: UUID
        customer_id: UUID
        amount: Decimal
        currency: str
        receipt_no: str
        prior_approval_id: UUID
        handover_due_at: datetime

    class HandedIn(Aggregate.Event):
        """BI-16, BI-17: the accountant received it through a cash handover both signed."""

        handover_id: UUID
        handed_to: str
        on_time: bool

        def apply(self, fee: ServiceFee) -> None:
            fee.status, fee.handover_id, fee.handed_to = (
                ServiceFeeStatus.HANDED_IN,
                self.handover_id,
                self.handed_to,
            )
            fee.handover_missed = fee.handover_missed or not self.on_time

    class HandoverMissed(Aggregate.Event):
        """BI-16: not with the accountant by the close of its day."""

        due_at: datetime

        def apply(self, fee: ServiceFee) -> None:
            fee.handover_missed = True

    @staticmethod
    def id_for(call_id: UUID, receipt_no: str) -> UUID:
        # One fee per numbered receipt of the call: a redelivered report finds it.
        return uuid5(NAMESPACE_OID, f"service-fee:{call_id}:{receipt_no}")

    @classmethod
    def collect(
        cls,
        call_id: UUID,
        customer_id: UUID,
        amount: Decimal,
        currency: str,
        receipt_no: str,
        prior_approval_id: UUID,
        handover_due_at: datetime,
    ) -> Self:
        return cls._create(
            cls.Collected,
            id=cls.id_for(call_id, receipt_no),
            call_id=call_id,
            customer_id=customer_id,
            amount=amount,
            currency=currency,
            receipt_no=receipt_no,
            prior_approval_id=prior_approval_id,
            handover_due_at=handover_due_at,
        )

    def hand_in(
        self, accountant: str, roles: Iterable[str], handover: CashHandover, now: datetime
    ) -> None:
        """BI-16: the accountant books the fee against the handover that brought it to them,
        signed by both (BI-17), for exactly the fee, once."""
        handles_money(accountant, roles, "a service fee handed in")
        if self.status is not ServiceFeeStatus.COLLECTED:
            raise RuleViolation("BI-16", "the fee is already handed in", status=self.status)
        if handover.status is not CashHandoverStatus.SIGNED or handover.receiver_id != accountant:
            raise RuleViolation(
                "BI-17",
                "the fee is handed in by a cash handover to you that giver and receiver signed",
                handover_id=str(handover.id),
            )
        if (handover.amount, handover.currency) != (self.amount, self.currency):
            raise RuleViolation(
                "BI-16",
                "the handover brings the fee collected, no more and no less",
                fee=f"{self.amount} {self.currency}",
            )
        self.trigger_event(
            self.HandedIn,
            handover_id=handover.id,
            handed_to=accountant,
            on_time=now <= self.handover_due_at,
        )

    def flag_handover_missed(self, now: datetime) -> bool:
        """BI-16: once past the close of its day and not handed in, say so, once."""
        if (
            self.status is not ServiceFeeStatus.COLLECTED
            or self.handover_missed
            or now <= self.handover_due_at
        ):
            return False
        self.trigger_event(self.HandoverMissed, due_at=self.handover_due_at)
        return True
