"""Approvals waiting for a decision: which step of which document, by whom, due when."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import Field
from sqlalchemy import (
    Column,
    Connection,
    Float,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    case,
    func,
    insert,
    select,
    update,
)

from kernel.approvals.domain import Approvable
from runtime.figures import Figure
from runtime.projections import Projection
from runtime.views import ReadTable, View, identity


class PendingApproval(View):
    document_id: UUID = identity("document_id")
    document_type: str = Field(max_length=50)
    approval_id: UUID
    kind: str = Field(max_length=100)
    requested_by: str = Field(max_length=100)
    requested_at: datetime
    step: str = Field(max_length=100, description="The step waiting for a decision")
    step_order: int
    step_since: datetime = Field(description="When the step began waiting")
    roles: list[str] = Field(description="Who may decide it now, escalation included")
    due_at: datetime | None
    overdue: bool
    steps: list[list[str]] = Field(description="Each step's name and then its roles")


PENDING = ReadTable(
    PendingApproval, "approvals_pending", sortable=("due_at", "requested_at"), filters=("overdue",)
)
STEP_LEAD_TIMES = Table(
    "approval_step_lead_times",
    MetaData(),
    Column("document_type", String(50), primary_key=True),
    Column("step", String(100), primary_key=True),
    Column("decisions", Integer, nullable=False, comment="Steps decided (granted or rejected)"),
    Column("seconds", Float, nullable=False, comment="Their waiting times added up"),
)
"""Per document type and step: how many were decided and how long they waited in all, so the
dashboard's mean lead time per step is rate(seconds) / rate(decisions)."""
pending_approvals = Projection("approvals_pending", PENDING.table, STEP_LEAD_TIMES)


@pending_approvals.on(Approvable.ApprovalRequested)
def _requested(event: Approvable.ApprovalRequested, db: Connection) -> None:
    first = event.steps[0]
    PENDING.delete(db, event)
    PENDING.insert(
        db,
        event,
        requested_at=event.timestamp,
        step=first.name,
        step_order=first.order,
        step_since=event.timestamp,
        roles=list(first.roles),
        overdue=False,
        steps=[[step.name, *step.roles] for step in event.steps],
    )


@pending_approvals.on(Approvable.ApprovalGranted)
def _granted(event: Approvable.ApprovalGranted, db: Connection) -> None:
    pending = PENDING.get(db, event.originator_id)
    if pending is None:
        return
    _count_lead_time(db, pending, event)
    if event.step_order >= len(pending.steps):
        PENDING.delete(db, event)
        return
    name, *roles = pending.steps[event.step_order]
    PENDING.update(
        db,
        event,
        step=name,
        step_order=event.step_order + 1,
        step_since=event.timestamp,
        roles=roles,
        due_at=event.next_due_at,
        overdue=False,
    )


def _count_lead_time(
    db: Connection, pending: PendingApproval, decided: Approvable.ApprovalDecided
) -> None:
    waited = max((decided.timestamp - pending.step_since).total_seconds(), 0.0)
    columns = STEP_LEAD_TIMES.c
    key = (columns.document_type == pending.document_type) & (columns.step == decided.step)
    changed = db.execute(
        update(STEP_LEAD_TIMES)
        .where(key)
        .values(decisions=columns.decisions + 1, seconds=columns.seconds + waited)
    )
    if changed.rowcount == 0:
        db.execute(
            insert(STEP_LEAD_TIMES).values(
                document_type=pending.document_type, step=decided.step, decisions=1, seconds=waited
            )
        )


@pending_approvals.on(Approvable.ApprovalOverdue)
def _overdue(event: Approvable.ApprovalOverdue, db: Connection) -> None:
    pending = PENDING.get(db, event.originator_id)
    if pending is None:
        return
    widened = [*pending.roles, *(r for r in event.escalated_to if r not in pending.roles)]
    PENDING.update(db, event, overdue=True, roles=widened)


@pending_approvals.on(Approvable.ApprovalRejected)
def _rejected(event: Approvable.ApprovalRejected, db: Connection) -> None:
    pending = PENDING.get(db, event.originator_id)
    if pending is not None:
        _count_lead_time(db, pending, event)
    PENDING.delete(db, event)


@pending_approvals.on(Approvable.ApprovalInvalidated)
def _invalidated(event: Approvable.ApprovalInvalidated, db: Connection) -> None:
    PENDING.delete(db, event)


def overdue_documents(db: Connection, now: datetime) -> list[UUID]:
    """Documents whose pending step is past due and not escalated yet."""
    columns = PENDING.table.c
    query = select(columns.document_id).where(columns.due_at < now, ~columns.overdue)
    return list(db.execute(query).scalars())


def _waiting(app: Any, now: datetime) -> Select[Any]:
    columns = PENDING.table.c
    overdue = case((columns.overdue, "true"), else_="false")
    return select(columns.document_type, columns.step, overdue, func.count()).group_by(
        columns.document_type, columns.step, overdue
    )


def _steps_decided(app: Any, now: datetime) -> Select[Any]:
    columns = STEP_LEAD_TIMES.c
    return select(columns.document_type, columns.step, columns.decisions)


def _step_waiting_seconds(app: Any, now: datetime) -> Select[Any]:
    columns = STEP_LEAD_TIMES.c
    return select(columns.document_type, columns.step, columns.seconds)


def _oldest_waiting(app: Any, now: datetime) -> Select[Any]:
    columns = PENDING.table.c
    return select(columns.document_type, func.min(columns.requested_at)).group_by(
        columns.document_type
    )


APPROVAL_FIGURES = (
    Figure(
        "countersign_approvals_waiting",
        "Approvals waiting for a decision, by document type, the step (named for the role that "
        "decides it) and whether the step is overdue (escalated).",
        _waiting,
        labels=("document_type", "step", "overdue"),
        rule="XC-01",
    ),
    Figure(
        "countersign_approval_steps_decided",
        "Approval steps decided (granted or rejected), by document type and step.",
        _steps_decided,
        labels=("document_type", "step"),
        counter=True,
        rule="XC-01",
    ),
    Figure(
        "countersign_approval_step_waiting_seconds",
        "How long the decided approval steps waited for their decision, added up, by document "
        "type and step; divided by countersign_approval_steps_decided_total, the mean lead time.",
        _step_waiting_seconds,
        labels=("document_type", "step"),
        counter=True,
        rule="XC-01",
    ),
    Figure(
        "countersign_approvals_oldest_requested_timestamp_seconds",
        "When the oldest approval still waiting was requested, by document type; its age is "
        "time() minus this.",
        _oldest_waiting,
        labels=("document_type",),
        rule="XC-01",
    ),
)
"""XC-01, RULES.md §8: what waits for whom, since when."""
