"""A commitment made to a customer (OR-36): a delivery date, a service date or a special term,
recorded as an obligation with its due time, to be met first. Met ones are recorded as such; the
timer flags the ones whose time passed (``CommitmentMissed``), for the dashboard."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Self
from uuid import UUID

from kernel.roles import SALES, Role
from orders.domain.known_customer import KnownCustomer, trading_customer
from orders.domain.staff import acting_as
from runtime.aggregate import Aggregate, RuleViolation

KEEPERS = (*SALES, Role.SALES_MANAGER)
"""OR-36: who records a commitment to a customer and that it was met."""


class CommitmentKind(StrEnum):
    DELIVERY_DATE = "delivery_date"
    SERVICE_DATE = "service_date"
    SPECIAL_TERM = "special_term"


class CommitmentStatus(StrEnum):
    OPEN = "open"
    MET = "met"
    MISSED = "missed"
    """Its time passed before it was met (it can still be met, late)."""


class Commitment(Aggregate):
    def __init__(self) -> None:
        self.customer_id: UUID
        self.kind: CommitmentKind
        self.promise: str
        self.due_at: datetime
        self.made_by: str
        self.status = CommitmentStatus.OPEN
        self.met_at: datetime | None = None
        self.missed = False

    class Recorded(Aggregate.Created):
        """``CommitmentRecorded``."""

        customer_id: UUID
        kind: CommitmentKind
        promise: str
        due_at: datetime
        made_by: str

    class Met(Aggregate.Event):
        """``CommitmentMet``."""

        met_at: datetime
        on_time: bool
        recorded_by: str

        def apply(self, commitment: Commitment) -> None:
            commitment.status, commitment.met_at = CommitmentStatus.MET, self.met_at

    class Missed(Aggregate.Event):
        """``CommitmentMissed``: flagged by the timer when its time passed."""

        due_at: datetime

        def apply(self, commitment: Commitment) -> None:
            commitment.status, commitment.missed = CommitmentStatus.MISSED, True

    @classmethod
    def record(
        cls,
        customer: KnownCustomer | None,
        kind: CommitmentKind,
        promise: str,
        due_at: datetime,
        made_by: str,
        roles: frozenset[str],
        now: datetime,
    ) -> Self:
        acting_as(KEEPERS, roles, "OR-36", "recording a commitment to a customer")
        known = trading_customer(customer)
        # OR-36: a commitment is tracked as what was promised and by when, still ahead.
        if not promise.strip():
            raise RuleViolation("OR-36", "a commitment says what was promised")
        if due_at <= now:
            raise RuleViolation(
                "OR-36", "a commitment is recorded before it falls due", due_at=due_at.isoformat()
            )
        return cls._create(
            cls.Recorded,
            customer_id=known.id,
            kind=kind,
            promise=promise,
            due_at=due_at,
            made_by=made_by,
        )

    def meet(self, by: str, roles: frozenset[str], now: datetime) -> None:
        acting_as(KEEPERS, roles, "OR-36", "recording a commitment met")
        if self.status is CommitmentStatus.MET:
            raise RuleViolation("OR-36", "the commitment was already met")
        self.trigger_event(self.Met, met_at=now, on_time=now <= self.due_at, recorded_by=by)

    def flag_missed(self, now: datetime) -> bool:
        """OR-36: records, once, a commitment whose time passed unmet."""
        if self.status is not CommitmentStatus.OPEN or now <= self.due_at:
            return False
        self.trigger_event(self.Missed, due_at=self.due_at)
        return True
