"""A recorded rule violation (XC-08) and a rectification ordered after a finding (XC-09)."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from eventsourcing.domain import event

from chassis.calendar import Calendar
from chassis.domain import Aggregate, RuleViolation

# The catalogue's rule ids: two letters and two digits (XC-08, OR-20, SD-04...).
RULE_ID = re.compile(r"[A-Z]{2}-\d{2}")


class ViolationRecord(Aggregate):
    """One broken rule, against the person responsible, with the loss it caused."""

    class RuleViolationRecorded(Aggregate.Created):
        rule_id: str
        person_id: str
        evidence_ref: str
        loss_amount: Decimal
        currency: str
        recorded_by: str

    @event(RuleViolationRecorded)
    def __init__(
        self,
        rule_id: str,
        person_id: str,
        evidence_ref: str,
        loss_amount: Decimal,
        currency: str,
        recorded_by: str,
    ) -> None:
        self.rule_id = rule_id
        self.person_id = person_id
        self.evidence_ref = evidence_ref
        self.loss_amount = loss_amount
        self.currency = currency
        self.recorded_by = recorded_by

    @classmethod
    def record(
        cls,
        rule_id: str,
        person_id: str,
        evidence_ref: str,
        loss_amount: Decimal,
        currency: str,
        recorded_by: str,
    ) -> ViolationRecord:
        # XC-08: a violation names the catalogue rule broken, the person responsible and the
        # evidence; the loss is what that person may have to make good, so never negative.
        if not RULE_ID.fullmatch(rule_id):
            raise RuleViolation(
                "XC-08", "a violation names a catalogue rule id such as OR-20", rule_id=rule_id
            )
        if not person_id.strip():
            raise RuleViolation("XC-08", "a violation is recorded against a person")
        if not evidence_ref.strip():
            raise RuleViolation("XC-08", "a violation is recorded with its evidence")
        if not loss_amount.is_finite() or loss_amount < 0:
            raise RuleViolation(
                "XC-08", "the loss amount cannot be negative", loss_amount=str(loss_amount)
            )
        return cls(rule_id, person_id, evidence_ref, loss_amount, currency, recorded_by)


class RectificationStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Rectification(Aggregate):
    """A supervision finding to put right, by its owner, before a working-day deadline."""

    class RectificationOrdered(Aggregate.Created):
        finding: str
        owner: str
        ordered_by: str
        working_days: int
        due_at: datetime

    class RectificationClosed(Aggregate.Event):
        closed_by: str
        outcome: str
        closed_at: datetime
        overdue: bool

    @event(RectificationOrdered)
    def __init__(
        self, finding: str, owner: str, ordered_by: str, working_days: int, due_at: datetime
    ) -> None:
        self.finding = finding
        self.owner = owner
        self.ordered_by = ordered_by
        self.working_days = working_days
        self.due_at = due_at
        self.status = RectificationStatus.OPEN
        self.closed_by: str | None = None
        self.outcome: str | None = None
        self.closed_at: datetime | None = None
        self.overdue = False

    @classmethod
    def order(
        cls,
        finding: str,
        owner: str,
        ordered_by: str,
        ordered_at: datetime,
        working_days: int,
        calendar: Calendar,
    ) -> Rectification:
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
        due_at = calendar.add_working_days(ordered_at, working_days)
        return cls(finding, owner, ordered_by, working_days, due_at)

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
        self._closed(closed_by=closed_by, outcome=outcome, closed_at=at, overdue=at > self.due_at)

    @event(RectificationClosed)
    def _closed(self, closed_by: str, outcome: str, closed_at: datetime, overdue: bool) -> None:
        self.status = RectificationStatus.CLOSED
        self.closed_by = closed_by
        self.outcome = outcome
        self.closed_at = closed_at
        self.overdue = overdue
