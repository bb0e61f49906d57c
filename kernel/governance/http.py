"""HTTP commands and queries for rule violations and rectifications."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import AliasChoices, BaseModel, Field

from contracts.values import Amount, CurrencyCode, LongText, UserId
from kernel.governance.commands import GovernanceCommands
from kernel.governance.domain import Finding, RectificationStatus
from kernel.roles import EMPLOYEES, SUPERVISING
from runtime.auth import Principal, acting_as, requires
from runtime.http import application_of
from runtime.unit_of_work import CommandContext
from runtime.views import View, identity

router = APIRouter(tags=["governance"])

App = Annotated[GovernanceCommands, Depends(application_of(GovernanceCommands))]
Supervisor = Annotated[CommandContext, Depends(acting_as(*SUPERVISING))]
Employee = Annotated[CommandContext, Depends(acting_as(*EMPLOYEES))]


class FindingFields(View):
    rule_id: str = Field(min_length=1, max_length=20, examples=["OR-20"])
    person_id: UserId
    evidence_ref: LongText
    loss_amount: Amount = Decimal(0)
    currency: CurrencyCode = "CNY"


class ViolationView(View):
    violation_id: UUID = identity("violation_id")
    finding: FindingFields
    recorded_by: str
    recorded_at: datetime = Field(validation_alias=AliasChoices("recorded_at", "created_on"))


class OrderRectification(BaseModel):
    finding: LongText
    owner: UserId = Field(description="The user id who must fix it")
    working_days: int = Field(ge=1, le=250, description="Deadline in working days (XC-10)")


class CloseRectification(BaseModel):
    outcome: LongText


class RectificationView(View):
    rectification_id: UUID = identity("rectification_id")
    finding: str
    owner: str
    ordered_by: str
    ordered_at: datetime = Field(validation_alias=AliasChoices("ordered_at", "created_on"))
    working_days: int
    due_at: datetime
    status: RectificationStatus
    closed_by: str | None
    outcome: str | None
    closed_at: datetime | None
    overdue: bool
    version: int


@router.post("/violations", status_code=201)
async def record_violation(context: Supervisor, body: FindingFields, app: App) -> ViolationView:
    finding = Finding(**body.model_dump())
    return ViolationView.model_validate(await app.perform(app.record_violation, context, finding))


@router.get("/violations/{violation_id}")
def get_violation(
    _: Annotated[Principal, Depends(requires(*SUPERVISING))], violation_id: UUID, app: App
) -> ViolationView:
    return ViolationView.model_validate(app.violation(violation_id))


@router.post("/rectifications", status_code=201)
async def order_rectification(
    context: Supervisor, body: OrderRectification, app: App
) -> RectificationView:
    rectification = await app.perform(
        app.order_rectification, context, body.finding, body.owner, body.working_days
    )
    return RectificationView.model_validate(rectification)


@router.post("/rectifications/{rectification_id}/close")
async def close_rectification(
    context: Employee, rectification_id: UUID, body: CloseRectification, app: App
) -> RectificationView:
    rectification = await app.perform(
        app.close_rectification, context, rectification_id, body.outcome
    )
    return RectificationView.model_validate(rectification)


@router.get("/rectifications/{rectification_id}")
def get_rectification(
    principal: Annotated[Principal, Depends(requires(*EMPLOYEES))],
    rectification_id: UUID,
    app: App,
) -> RectificationView:
    rectification = app.rectification(rectification_id)
    # A finding concerns its owner and the supervisors, not every employee.
    if principal.user_id != rectification.owner and not principal.roles & set(SUPERVISING):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="only the owner or a supervisor may see this rectification",
        )
    return RectificationView.model_validate(rectification)
