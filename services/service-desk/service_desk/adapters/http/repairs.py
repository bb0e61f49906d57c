"""HTTP commands and lists of take-back repairs (RULES §4.9, the workshop path). The customer signs
the take-back and the return through the signing channel's routes
(``/repairs/{id}/signing-requests``); the supervisor decides the inspection and a lost receipt's
exception through the approval routes (``/repairs/{id}/approvals``)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from contracts.values import Code, Hours, LongText, Name, Price, Quantity, ShortText
from kernel.approvals.http import document_routes
from kernel.signing.http import signing_routes
from runtime.views import Money, Page, PageRequest, View, identity
from service_desk.adapters.http.service_calls import (
    App,
    Clerk,
    PartView,
    Reader,
    Technician,
)
from service_desk.domain.repair import RepairStatus
from service_desk.domain.service_call import ReplacedPart, ServiceType
from service_desk.repair_projections import REPAIRS, RepairRow

router = APIRouter(tags=["repairs"])
approvals = document_routes("/repairs", "repairs")
"""SD-16, SD-17: the supervisor's inspection and the lost-receipt exception."""
signing = signing_routes("/repairs", "repairs")
"""SD-14, SD-17: the customer signs the take-back and the return through their own link."""


class RepairView(View):
    repair_id: UUID = identity("repair_id")
    call_id: UUID
    customer_id: UUID
    voucher_id: UUID | None
    service_type: ServiceType
    model: str
    pickup_receipt_no: str
    promised_at: datetime
    status: RepairStatus
    take_back_signature_id: UUID | None
    in_out_register_no: str | None
    card_no: str | None
    hours: Decimal
    parts: list[PartView]
    charge: Money | None
    escalated: bool
    inspected_by: str | None
    receipt_lost: bool
    return_signature_id: UUID | None
    returned_at: datetime | None
    version: int


class TakeBack(BaseModel):
    pickup_receipt_no: Code = Field(description="SD-14: the customer product pickup receipt")
    promised_working_days: int = Field(
        ge=1, le=60, description="SD-19: completion promised within these working days"
    )


class CheckIn(BaseModel):
    in_out_register_no: Code = Field(description="SD-14: the in/out register entry (服表004)")
    card_no: Code = Field(description="SD-14, SD-15: the repair card (服表005)")


class WorkLog(BaseModel):
    hours: Hours
    work: LongText


class FittedPart(BaseModel):
    name: Name
    quantity: Quantity
    reason: ShortText


class RepairCompletion(BaseModel):
    charge: Price | None = Field(
        default=None, description="SD-01, SD-18: the charge of a paid (type A) repair"
    )


class ReceiptBack(BaseModel):
    pickup_receipt_no: Code | None = Field(
        default=None, description="SD-17: the receipt handed back; none if it is lost"
    )
    explanation: ShortText = Field(default="", description="SD-17: what happened to a lost receipt")


@router.post("/service-calls/{call_id}/take-back", status_code=201)
async def take_back(context: Technician, call_id: UUID, body: TakeBack, app: App) -> RepairView:
    """SD-14: the product goes to the workshop against a pickup receipt; the customer then signs
    the voucher through their link (``/repairs/{id}/signing-requests``)."""
    repair = await app.perform(
        app.take_back, context, call_id, body.pickup_receipt_no, body.promised_working_days
    )
    return RepairView.model_validate(repair)


@router.post("/repairs/{repair_id}/check-in")
async def check_in(context: Clerk, repair_id: UUID, body: CheckIn, app: App) -> RepairView:
    """SD-14: logged in the in/out register; the repair card authorises the repair."""
    repair = await app.perform(
        app.check_in_product, context, repair_id, body.in_out_register_no, body.card_no
    )
    return RepairView.model_validate(repair)


@router.post("/repairs/{repair_id}/work")
async def log_work(context: Technician, repair_id: UUID, body: WorkLog, app: App) -> RepairView:
    """SD-15: the actual repair time, on the card."""
    repair = await app.perform(app.log_repair_work, context, repair_id, body.hours, body.work)
    return RepairView.model_validate(repair)


@router.post("/repairs/{repair_id}/parts")
async def fit_part(context: Technician, repair_id: UUID, body: FittedPart, app: App) -> RepairView:
    """SD-15: a part replaced, on the card."""
    part = ReplacedPart(body.name, body.quantity, body.reason)
    return RepairView.model_validate(
        await app.perform(app.fit_repair_part, context, repair_id, part)
    )


@router.post("/repairs/{repair_id}/completion")
async def complete_repair(
    context: Technician, repair_id: UUID, body: RepairCompletion, app: App
) -> RepairView:
    """SD-15, SD-16: the repair is done; the supervisor inspects it."""
    repair = await app.perform(app.complete_repair, context, repair_id, body.charge)
    return RepairView.model_validate(repair)


@router.post("/repairs/{repair_id}/pickup-receipt")
async def retrieve_pickup_receipt(
    context: Technician, repair_id: UUID, body: ReceiptBack, app: App
) -> RepairView:
    """SD-16, SD-17: after the inspection passed, the receipt is taken back (or its loss
    recorded for the supervisor); the customer then signs for the return."""
    repair = await app.perform(
        app.retrieve_pickup_receipt, context, repair_id, body.pickup_receipt_no, body.explanation
    )
    return RepairView.model_validate(repair)


@router.get("/repairs")
def list_repairs(
    _: Reader, query: Annotated[PageRequest, Depends(REPAIRS.query)], app: App
) -> Page[RepairRow]:
    """The workshop's in/out register: every take-back repair, by take-back time."""
    return app.read_models.page(REPAIRS, query)


@router.get("/repairs/{repair_id}")
def get_repair(_: Reader, repair_id: UUID, app: App) -> RepairView:
    return RepairView.model_validate(app.repair(repair_id))
