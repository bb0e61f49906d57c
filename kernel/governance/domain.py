"""A recorded rule violation (XC-08) and a rectification ordered after a finding (XC-09)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Self

from kernel.calendar import Calendar
from runtime.aggregate import Aggregate, RuleViolation

# The catalogue's rule ids: two letters and two digits (XC-08, OR-20, SD-04...).
RULE_ID = re.compile(r"[A-Z]{2}-\d{2}")


@dataclass(frozen=True)
class Finding:
    """A broken rule, the person responsible, the evidence and the loss it caused."""

    rule_id: str
    person_id: str
    evidence_ref: str
    loss_amount: Decimal
    currency: str


class ViolationRecord(Aggregate):
    """One broken rule, against the person responsible, with the loss it caused."""

    def __init__(self) -> None:
        self.finding: Finding
        self.recorded_by: str

    class RuleViolationRecorded(Aggregate.Created):
        finding: Finding
        recorded_by: str

    @classmethod
    def record(cls, finding: Finding, recorded_by: str) -> Self:
        # XC-08: a violation names the catalogue rule broken, the person responsible and the
        # evidence; the loss is what that person may have to make good, so never negative.
        if not RULE_ID.fullmatch(finding.rule_id):
            raise RuleViolation(
                "XC-08",
                "a violation names a catalogue rule id such as OR-20",
                rule_id=finding.rule_id,
            )
        if not finding.person_id.strip():
            raise RuleViolation("XC-08", "a violation is recorded against a person")
        if not finding.evidence_ref.strip():
            raise RuleViolation("XC-08", "a violation is recorded with its evidence")
        loss = finding.loss_amount
        if not loss.is_finite() or loss < 0:
            raise RuleViolation(
                "XC-08", "the loss amount cannot be negative", loss_amount=str(loss)
            )
        return cls._create(cls.RuleViolationRecorded, finding=finding, recorded_by=recorded_by)


class RectificationStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Rectification(Aggregate):
    """A supervision finding to put right, by its owner, before a working-day deadline."""

    def __init__(self) -> None:
        self.finding: str
        self.owner: str
        self.ordered_by: str
        self.working_days: int
        self.due_at: datetime
        self.status = RectificationStatus.OPEN
        self.closed_by: str | None = None
        self.outcome: str | None = None
        self.closed_at: datetime | None = None
        self.overdue = False

    class RectificationOrdered(Aggregate.Created):
        finding: str
        owner: str
        ordered_by: str
        working_days: int
        due_at: datetime
        calendar_version: int | None
        """The working calendar (XC-07, XC-10) the deadline was counted on."""

    class RectificationClosed(Aggregate.Event):
        closed_by: str
        outcome: str
        closed_at: datetime
        overdue: bool

        def apply(self, rectification: Rectification) -> None:
            rectification.status = RectificationStatus.CLOSED
            rectification.closed_by, rectification.outcome = self.closed_by, self.outcome
            rectification.closed_at, rectification.overdue = self.closed_at, self.overdue

    @classmethod
    def order(
        cls,
        finding: str,
        owner: str,
        ordered_by: str,
        ordered_at: datetime,
        working_days: int,
        calendar: Calendar,
    ) -> Self:
        # XC-09: each finding gets an owner and a deadline in working days (XC-10).
        if not finding.strip():
            raise RuleViolation("XC-09", "a rectification states the finding to put right")
        if not owner.strip():
            raise RuleViolation("XC-09", "a rectification has an owner")
        # XC-09: supervision is independent: an owner who ordered their own rectification could
        # also close it with nobody else ever looking.
        if owner == ordered_by:
            raise RuleViolation(
                "XC-09", "nobody orders a rectification they own themselves", owner=owner
            )
        if working_days < 1:
            raise RuleViolation(
                "XC-09", "the deadline is at least one working day", working_days=working_days
            )
        return cls._create(
            cls.RectificationOrdered,
            finding=finding,
            owner=owner,
            ordered_by=ordered_by,
            working_days=working_days,
            due_at=calendar.add_working_days(ordered_at, working_days),
            calendar_version=calendar.version,
        )

    def close(self, closed_by: str, outcome: str, at: datetime, supervising: bool) -> None:
        """Close the rectification; ``supervising``: the closer holds a supervising role."""
        # XC-09: tracked until closed, once.
        if self.status is RectificationStatus.CLOSED:
            raise RuleViolation(
                "XC-09", "the rectification is already closed", closed_by=self.closed_by
            )
        if closed_by != self.owner and not supervising:
            raise RuleViolation(
                "XC-09",
                "only the owner or a supervisor closes a rectification",
                owner=self.owner,
                closed_by=closed_by,
            )
        if not outcome.strip():
            raise RuleViolation("XC-09", "closing a rectification states its outcome")
        # A late closing is still a closing; the event keeps the lateness for the record.
        self.trigger_event(
            self.RectificationClosed,
            closed_by=closed_by,
            outcome=outcome,
            closed_at=at,
            overdue=at > self.due_at,
        )
