"""The instrument register (BI-06, BI-14): a cheque, acceptance bill or bank draft an employee
received from a customer, handed to finance the day it was received against the signature of the
finance user who took it, flagged once when not handed over by the close of that day, and recorded
as dishonoured by finance when it bounces."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Self
from uuid import UUID

from runtime.aggregate import Aggregate, RuleViolation

INSTRUMENT_TYPES = frozenset({"cheque", "acceptance_bill", "bank_draft"})
FINANCE = frozenset({"finance", "accountant"})
"""BI-06: finance signs for the instruments; BI-05, C9: finance alone handles money."""


class InstrumentStatus(StrEnum):
    RECEIVED = "received"
    WITH_FINANCE = "with_finance"
    DISHONOURED = "dishonoured"


class Instrument(Aggregate):
    def __init__(self) -> None:
        self.customer_id: UUID
        self.instrument_type: str
        self.number: str
        self.amount: Decimal
        self.currency: str
        self.maturity: date
        self.received_by: str
        self.received_at: datetime
        self.handover_due_at: datetime
        self.status = InstrumentStatus.RECEIVED
        self.handed_to: str | None = None
        self.handed_at: datetime | None = None
        self.handover_missed = False
        self.dishonour_reason: str | None = None

    class Received(Aggregate.Created):
        """BI-06 (``InstrumentReceived``): received from the customer, to be handed to finance by
        ``handover_due_at``, the close of the day it was received."""

        customer_id: UUID
        instrument_type: str
        number: str
        amount: Decimal
        currency: str
        maturity: date
        received_by: str
        received_at: datetime
        handover_due_at: datetime

    class HandedToFinance(Aggregate.Event):
        """BI-06 (``InstrumentHandedToFinance``): finance, ``finance_user``, signed for it."""

        finance_user: str
        on_time: bool

        def apply(self, instrument: Instrument) -> None:
            instrument.status = InstrumentStatus.WITH_FINANCE
            instrument.handed_to, instrument.handed_at = self.finance_user, self.timestamp
            instrument.handover_missed = instrument.handover_missed or not self.on_time

    class HandoverMissed(Aggregate.Event):
        """BI-06, XC-08: not handed to finance by the close of the day it was received."""

        due_at: datetime
        received_by: str

        def apply(self, instrument: Instrument) -> None:
            instrument.handover_missed = True

    class Dishonoured(Aggregate.Event):
        """BI-14 (``InstrumentDishonoured``): finance recorded that it bounced."""

        customer_id: UUID
        instrument_type: str
        amount: Decimal
        currency: str
        maturity: date
        reason: str
        recorded_by: str

        def apply(self, instrument: Instrument) -> None:
            instrument.status = InstrumentStatus.DISHONOURED
            instrument.dishonour_reason = self.reason

    @classmethod
    def receive(
        cls,
        instrument_id: UUID,
        received_by: str,
        customer_id: UUID,
        instrument_type: str,
        number: str,
        amount: Decimal,
        currency: str,
        maturity: date,
        received_at: datetime,
        handover_due_at: datetime,
    ) -> Self:
        if instrument_type not in INSTRUMENT_TYPES:
            raise RuleViolation(
                "BI-06",
                "a cheque, an acceptance bill or a bank draft is registered",
                instrument_type=instrument_type,
            )
        if amount <= 0:
            raise RuleViolation("BI-06", "an instrument states its positive amount")
        return cls._create(
            cls.Received,
            id=instrument_id,
            customer_id=customer_id,
            instrument_type=instrument_type,
            number=number,
            amount=amount,
            currency=currency,
            maturity=maturity,
            received_by=received_by,
            received_at=received_at,
            handover_due_at=handover_due_at,
        )

    def hand_to_finance(self, finance_user: str, roles: Iterable[str], now: datetime) -> None:
        """BI-06: finance signs for it; the one who received it never signs for it too."""
        if not FINANCE & set(roles):
            raise RuleViolation("BI-06", "finance signs for the instruments handed over")
        if finance_user == self.received_by:
            raise RuleViolation(
                "BI-06", "the one who received the instrument does not sign for it as finance"
            )
        if self.status is not InstrumentStatus.RECEIVED:
            raise RuleViolation(
                "BI-06", "the instrument is already with finance", status=self.status
            )
        self.trigger_event(
            self.HandedToFinance, finance_user=finance_user, on_time=now <= self.handover_due_at
        )

    def flag_handover_missed(self, now: datetime) -> bool:
        """BI-06: once past the close of its day and still not with finance, say so, once."""
        if (
            self.status is not InstrumentStatus.RECEIVED
            or self.handover_missed
            or now <= self.handover_due_at
        ):
            return False
        self.trigger_event(
            self.HandoverMissed, due_at=self.handover_due_at, received_by=self.received_by
        )
        return True

    def dishonour(self, recorded_by: str, roles: Iterable[str], reason: str) -> None:
        """BI-14: finance, who holds it, records that it bounced."""
        if not FINANCE & set(roles):
            raise RuleViolation("BI-14", "finance records a dishonoured instrument")
        if self.status is not InstrumentStatus.WITH_FINANCE:
            raise RuleViolation(
                "BI-14",
                "only an instrument finance signed for can be dishonoured",
                status=self.status,
            )
        if not reason.strip():
            raise RuleViolation("BI-14", "a dishonoured instrument states why")
        self.trigger_event(
            self.Dishonoured,
            customer_id=self.customer_id,
            instrument_type=self.instrument_type,
            amount=self.amount,
            currency=self.currency,
            maturity=self.maturity,
            reason=reason,
            recorded_by=recorded_by,
        )
