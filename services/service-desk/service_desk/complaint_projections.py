"""The complaint register as a read table: every complaint with its status, its running time
limits (SD-34, SD-36, SD-38) and the limits it missed; the figures of open complaints by age and
the handling ratio (SD-41) read it."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field
from sqlalchemy import Connection, case, func, or_, select

from runtime.projections import Projection
from runtime.views import ReadTable, View, identity
from service_desk.domain.complaint import Complaint, ComplaintStatus, Limit
from service_desk.domain.complaint_analysis import UNFOUNDED


class ComplaintRow(View):
    """One entry of the complaint register (客户投诉记录)."""

    complaint_id: UUID = identity("complaint_id")
    customer_id: UUID
    subject: str = Field(max_length=32, description="service, product_quality or sales")
    severity: str | None = Field(max_length=16, description="SD-32: major or general")
    status: str = Field(max_length=32)
    received_at: datetime
    visitor_role: str = Field(max_length=32, description="C2: who visits the customer")
    visited: bool = Field(description="SD-33: the visit is recorded")
    valid: bool | None = Field(description="SD-35: founded, once investigated")
    responsible_dept: str | None = Field(max_length=200, description="SD-35, SD-36")
    reply_due_at: datetime | None = Field(description="SD-34: running until the customer's reply")
    solution_due_at: datetime | None = Field(description="SD-36: the department's solution")
    follow_up_due_at: datetime | None = Field(description="SD-38: the first follow-up")
    reply_missed: int = Field(description="SD-34: times the promised reply was late")
    solution_missed: int = Field(description="SD-36: times the department's solution was late")
    follow_up_missed: int = Field(description="SD-38: times the first follow-up was late")
    reopened: int = Field(description="SD-39: times reopened at the investigation")
    closed_at: datetime | None
    version: int


COMPLAINTS = ReadTable(
    ComplaintRow,
    "complaints",
    sortable=("received_at",),
    filters=("customer_id", "status", "subject", "severity"),
)
complaints = Projection("complaints", COMPLAINTS.table)
_rows = COMPLAINTS.table.c
_DUE = {
    Limit.REPLY: "reply_due_at",
    Limit.SOLUTION: "solution_due_at",
    Limit.FOLLOW_UP: "follow_up_due_at",
}


@complaints.on(Complaint.Received)
def _received(event: Complaint.Received, db: Connection) -> None:
    COMPLAINTS.insert(
        db,
        event,
        subject=str(event.subject),
        severity=None,
        status=ComplaintStatus.ACKNOWLEDGED.value,
        visitor_role=str(event.visitor_role),
        visited=False,
        valid=None,
        responsible_dept=None,
        reply_due_at=None,
        solution_due_at=None,
        follow_up_due_at=None,
        reply_missed=0,
        solution_missed=0,
        follow_up_missed=0,
        reopened=0,
        closed_at=None,
    )


@complaints.on(Complaint.Acknowledged)
def _acknowledged(event: Complaint.Acknowledged, db: Connection) -> None:
    COMPLAINTS.update(db, event, reply_due_at=event.reply_due_at)


@complaints.on(Complaint.Investigated)
def _investigated(event: Complaint.Investigated, db: Connection) -> None:
    COMPLAINTS.update(
        db,
        event,
        status=ComplaintStatus.INVESTIGATED.value,
        valid=True,
        responsible_dept=event.responsible_dept,
    )


@complaints.on(Complaint.FoundInvalid)
def _invalid(event: Complaint.FoundInvalid, db: Connection) -> None:
    COMPLAINTS.update(
        db,
        event,
        status=ComplaintStatus.FOLLOW_UP.value,
        valid=False,
        reply_due_at=None,
        follow_up_due_at=event.follow_up_due_at,
    )


@complaints.on(Complaint.Classified)
def _classified(event: Complaint.Classified, db: Connection) -> None:
    COMPLAINTS.update(db, event, status=ComplaintStatus.ROUTING.value, severity=str(event.severity))


@complaints.on(Complaint.Routed)
def _routed(event: Complaint.Routed, db: Connection) -> None:
    COMPLAINTS.update(db, event, status=ComplaintStatus.ROUTED.value)


@complaints.on(Complaint.AssignedToResponsibleDept)
def _assigned(event: Complaint.AssignedToResponsibleDept, db: Connection) -> None:
    COMPLAINTS.update(
        db,
        event,
        status=ComplaintStatus.AWAITING_SOLUTION.value,
        solution_due_at=event.due_at,
        responsible_dept=event.dept,
    )


@complaints.on(Complaint.SolutionProposed)
def _proposed(event: Complaint.SolutionProposed, db: Connection) -> None:
    COMPLAINTS.update(
        db,
        event,
        status=ComplaintStatus.CONSULTATION.value,
        solution_due_at=None,
        reply_due_at=None,
    )


@complaints.on(Complaint.SolutionAccepted)
def _accepted(event: Complaint.SolutionAccepted, db: Connection) -> None:
    COMPLAINTS.update(db, event, status=ComplaintStatus.IMPLEMENTING.value)


@complaints.on(Complaint.SolutionRejectedByCustomer)
def _rejected(event: Complaint.SolutionRejectedByCustomer, db: Connection) -> None:
    COMPLAINTS.update(
        db, event, status=ComplaintStatus.AWAITING_SOLUTION.value, solution_due_at=event.due_at
    )


@complaints.on(Complaint.SolutionImplemented)
def _implemented(event: Complaint.SolutionImplemented, db: Connection) -> None:
    COMPLAINTS.update(
        db,
        event,
        status=ComplaintStatus.FOLLOW_UP.value,
        follow_up_due_at=event.follow_up_due_at,
    )


@complaints.on(Complaint.VisitCompleted)
def _visited(event: Complaint.VisitCompleted, db: Connection) -> None:
    COMPLAINTS.update(db, event, visited=True)


@complaints.on(Complaint.FollowUpCompleted)
def _followed_up(event: Complaint.FollowUpCompleted, db: Connection) -> None:
    evaluated = {"status": ComplaintStatus.EVALUATED.value} if event.evaluated else {}
    COMPLAINTS.update(db, event, follow_up_due_at=None, **evaluated)


@complaints.on(Complaint.Reopened)
def _reopened(event: Complaint.Reopened, db: Connection) -> None:
    reopened = db.execute(
        select(_rows.reopened).where(_rows.complaint_id == event.originator_id)
    ).scalar_one()
    COMPLAINTS.update(
        db,
        event,
        status=ComplaintStatus.ACKNOWLEDGED.value,
        severity=None,
        valid=None,
        solution_due_at=None,
        follow_up_due_at=None,
        reopened=reopened + 1,
    )


@complaints.on(Complaint.LimitMissed)
def _missed(event: Complaint.LimitMissed, db: Connection) -> None:
    limit = Limit(event.limit)
    counter = f"{limit.value}_missed"
    missed = db.execute(
        select(_rows[counter]).where(_rows.complaint_id == event.originator_id)
    ).scalar_one()
    COMPLAINTS.update(db, event, **{_DUE[limit]: None, counter: missed + 1})


@complaints.on(Complaint.Closed)
def _closed(event: Complaint.Closed, db: Connection) -> None:
    COMPLAINTS.update(db, event, status=ComplaintStatus.CLOSED.value, closed_at=event.closed_at)


def complaints_past_limit(db: Connection, now: datetime) -> list[UUID]:
    """Complaints with a time limit passed and not flagged yet (SD-34, SD-36, SD-38)."""
    late = or_(*(_rows[column] < now for column in _DUE.values()))
    return list(db.execute(select(_rows.complaint_id).where(late)).scalars())


def closed_by_cause(db: Connection, start: datetime, end: datetime) -> dict[str, int]:
    """SD-40: the complaints closed from ``start`` to before ``end``, by cause: the responsible
    department of a founded one, ``unfounded`` for the others."""
    cause = case((_rows.valid, _rows.responsible_dept), else_=UNFOUNDED)
    closed = (_rows.closed_at >= start) & (_rows.closed_at < end)
    rows = db.execute(select(cause, func.count()).where(closed).group_by(cause)).all()
    return {str(name): int(count) for name, count in rows}
