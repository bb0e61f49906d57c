"""Cash advances (借款) an employee takes before a field trip, open until netted against an
approved reimbursement or repaid (BI-24). One account per employee, so that paying a claim
nets every advance they still hold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Self
from uuid import NAMESPACE_OID, UUID, uuid5

from runtime.aggregate import Aggregate, RuleViolation


@dataclass(frozen=True)
class Netting:
    """How much of one cash advance a reimbursement settled."""

    advance_id: UUID
    amount: Decimal


@dataclass
class OpenAdvance:
    amount: Decimal
    outstanding: Decimal
    trip_ref: str
    issued_at: datetime
    call_id: UUID | None = None


class AdvanceAccount(Aggregate):
    def __init__(self) -> None:
        self.employee_id: str
        self.advances: dict[UUID, OpenAdvance] = {}

    class Opened(Aggregate.Created):
        employee_id: str

    class CashAdvanceIssued(Aggregate.Event):
        advance_id: UUID
        employee_id: str
        amount: Decimal
        trip_ref: str
        issued_by: str
        call_id: UUID | None = None
        """RULES §7 row 19: the service call whose trip it is for, which service-desk links."""

        def apply(self, account: AdvanceAccount) -> None:
            account.advances[self.advance_id] = OpenAdvance(
                self.amount, self.amount, self.trip_ref, self.timestamp, self.call_id
            )

    class CashAdvanceSettled(Aggregate.Event):
        """Netted against the claim ``claim_id``, or repaid in cash when it is None."""

        advance_id: UUID
        employee_id: str
        amount: Decimal
        claim_id: UUID | None
        settled_by: str
        # RULES §7 row 19: the trip's service call and what stays open of the advance (None in
        # events stored before service-desk followed them).
        call_id: UUID | None = None
        outstanding: Decimal | None = None

        def apply(self, account: AdvanceAccount) -> None:
            account.advances[self.advance_id].outstanding -= self.amount

    @staticmethod
    def id_for(employee_id: str) -> UUID:
        return uuid5(NAMESPACE_OID, f"advance-account:{employee_id}")

    @classmethod
    def open(cls, employee_id: str) -> Self:
        return cls._create(cls.Opened, id=cls.id_for(employee_id), employee_id=employee_id)

    def issue(
        self,
        advance_id: UUID,
        amount: Decimal,
        trip_ref: str,
        issued_by: str,
        call_id: UUID | None = None,
    ) -> None:
        # BI-24: an advance is for a named trip, and finance hands it to somebody else.
        if amount <= 0:
            raise RuleViolation("BI-24", "an advance is a positive amount")
        if not trip_ref.strip():
            raise RuleViolation("BI-24", "an advance names the trip it is for")
        if issued_by == self.employee_id:
            raise RuleViolation("XC-05", "nobody issues a cash advance to themselves")
        self.trigger_event(
            self.CashAdvanceIssued,
            advance_id=advance_id,
            employee_id=self.employee_id,
            amount=amount,
            trip_ref=trip_ref,
            issued_by=issued_by,
            call_id=call_id,
        )

    @property
    def outstanding(self) -> Decimal:
        return sum((a.outstanding for a in self.advances.values()), Decimal(0))

    def net_against(self, claim_id: UUID, amount: Decimal, settled_by: str) -> list[Netting]:
        """BI-24: settle the open advances, oldest first, out of the ``amount`` reimbursed;
        what the claim does not cover stays open until repaid."""
        nettings = []
        left = amount
        for advance_id, advance in sorted(self.advances.items(), key=lambda a: a[1].issued_at):
            if left <= 0:
                break
            netted = min(advance.outstanding, left)
            if netted <= 0:
                continue
            self._settle(advance_id, netted, claim_id, settled_by)
            nettings.append(Netting(advance_id, netted))
            left -= netted
        return nettings

    def repay(self, advance_id: UUID, amount: Decimal, received_by: str) -> None:
        advance = self.advances.get(advance_id)
        if advance is None:
            raise RuleViolation("BI-24", "no such advance", advance_id=str(advance_id))
        # BI-24: an advance is repaid up to what is still open of it, by somebody else.
        if not 0 < amount <= advance.outstanding:
            raise RuleViolation(
                "BI-24",
                "a repayment is positive and at most what is still open of the advance",
                outstanding=str(advance.outstanding),
            )
        if received_by == self.employee_id:
            raise RuleViolation("XC-05", "nobody records their own repayment")
        self._settle(advance_id, amount, None, received_by)

    def _settle(
        self, advance_id: UUID, amount: Decimal, claim_id: UUID | None, settled_by: str
    ) -> None:
        advance = self.advances[advance_id]
        self.trigger_event(
            self.CashAdvanceSettled,
            advance_id=advance_id,
            employee_id=self.employee_id,
            amount=amount,
            claim_id=claim_id,
            settled_by=settled_by,
            call_id=advance.call_id,
            outstanding=advance.outstanding - amount,
        )
