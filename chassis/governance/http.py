"""HTTP commands and queries for rule violations and rectifications; every service mounts them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, Field

from chassis.auth import EMPLOYEE_ROLES, Principal, requires
from chassis.governance.application import SUPERVISING_ROLES, GovernanceCommands
from chassis.governance.domain import Rectification, RectificationStatus, ViolationRecord
from chassis.http import application_of, command_context

router = APIRouter(tags=["governance"])

App = Annotated[GovernanceCommands, Depends(application_of(GovernanceCommands))]


class RecordViolation(BaseModel):
    rule_id: str = Field(min_length=1, max_length=20, examples=["OR-20"])
    person_id: str = Field(min_length=1, max_length=100)
    evidence_ref: str = Field(min_length=1, max_length=500)
    loss_amount: Decimal = Field(default=Decimal(0), max_digits=14, decimal_places=2)
    currency: str = Field(default="CNY", pattern="^[A-Z]{3}$")


class ViolationView(BaseModel):
    violation_id: UUID
    rule_id: str
    person_id: str
    evidence_ref: str
    loss_amount: Decimal
    currency: str
    recorded_by: str
    recorded_at: datetime

    @classmethod
    def of(cls, record: ViolationRecord) -> ViolationView:
        return cls(
            violation_id=record.id,
            rule_id=record.rule_id,
            person_id=record.person_id,
            evidence_ref=record.evidence_ref,
            loss_amount=record.loss_amount,
            currency=record.currency,
            recorded_by=record.recorded_by,
            recorded_at=record.created_on,
        )


class OrderRectification(BaseModel):
    finding: str = Field(min_length=1, max_length=2000)
    owner: str = Field(min_length=1, max_length=100, description="The user id who must fix it")
    working_days: int = Field(ge=1, le=250, description="Deadline in working days (XC-10)")


class CloseRectification(BaseModel):
    outcome: str = Field(min_length=1, max_length=2000)


class RectificationView(BaseModel):
    rectification_id: UUID
    finding: str
    owner: str
    ordered_by: str
    ordered_at: datetime
    working_days: int
    due_at: datetime
    status: RectificationStatus
    closed_by: str | None
    outcome: str | None
    closed_at: datetime | None
    overdue: bool
    version: int

    @classmethod
    def of(cls, rectification: Rectification) -> RectificationView:
        return cls(
            rectification_id=rectification.id,
            finding=rectification.finding,
            owner=rectification.owner,
            ordered_by=rectification.ordered_by,
            ordered_at=rectification.created_on,
            working_days=rectification.working_days,
            due_at=rectification.due_at,
            status=rectification.status,
            closed_by=rectification.closed_by,
            outcome=rectification.outcome,
            closed_at=rectification.closed_at,
            overdue=rectification.overdue,
            version=rectification.version,
        )


@router.post("/violations", status_code=201)
def record_violation(
    principal: Annotated[Principal, Depends(requires(*SUPERVISING_ROLES))],
    body: RecordViolation,
    request: Request,
    app: App,
) -> ViolationView:
    context = command_context(request, principal)
    return ViolationView.of(
        app.record_violation(
            context,
            body.rule_id,
            body.person_id,
            body.evidence_ref,
            body.loss_amount,
            body.currency,
        )
    )


@router.get("/violations/{violation_id}")
def get_violation(
    _: Annotated[Principal, Depends(requires(*SUPERVISING_ROLES))],
    violation_id: UUID,
    app: App,
) -> ViolationView:
    return ViolationView.of(app.violation(violation_id))


@router.post("/rectifications", status_code=201)
def order_rectification(
    principal: Annotated[Principal, Depends(requires(*SUPERVISING_ROLES))],
    body: OrderRectification,
    request: Request,
    app: App,
) -> RectificationView:
    context = command_context(request, principal)
    return RectificationView.of(
        app.order_rectification(context, body.finding, body.owner, body.working_days)
    )


@router.post("/rectifications/{rectification_id}/close")
def close_rectification(
    principal: Annotated[Principal, Depends(requires(*EMPLOYEE_ROLES))],
    rectification_id: UUID,
    body: CloseRectification,
    request: Request,
    app: App,
) -> RectificationView:
    context = command_context(request, principal)
    return RectificationView.of(
        app.close_rectification(context, rectification_id, body.outcome, principal.roles)
    )


@router.get("/rectifications/{rectification_id}")
def get_rectification(
    principal: Annotated[Principal, Depends(requires(*EMPLOYEE_ROLES))],
    rectification_id: UUID,
    app: App,
) -> RectificationView:
    rectification = app.rectification(rectification_id)
    # A finding concerns its owner and the supervisors, not every employee.
    if principal.user_id != rectification.owner and not principal.roles & SUPERVISING_ROLES:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="only the owner or a supervisor may see this rectification",
        )
    return RectificationView.of(rectification)
