"""HTTP commands and lists of the spare-parts store (RULES §4.11): receipts and stock per ledger
(SD-28), requisitions, issues and unused returns (SD-24), old parts (SD-22), write-offs (SD-25),
freight (SD-26) and supplier claims (SD-27). The leader approves requisitions, consents to
write-offs and signs off freight through the approval routes; the handler and the leader sign
the freight through its signature route."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from contracts.values import Amount, Code, LongText, Name, Quantity, ShortText
from kernel.approvals.http import document_routes
from kernel.roles import Role
from runtime.auth import Principal, acting_as, requires
from runtime.http import application_of
from runtime.unit_of_work import CommandContext
from runtime.views import Money, Page, PageRequest, View, identity
from service_desk.adapters.http.vouchers import READERS
from service_desk.application import ServiceDeskApplication
from service_desk.domain.freight import FreightStatus
from service_desk.domain.spare_parts import Disposition, Ledger, RequisitionStatus
from service_desk.domain.supplier_claim import ClaimStatus
from service_desk.parts_projections import (
    OLD_PART_NOT_DISPOSED,
    OLD_PART_NOT_RETURNED,
    SPARE_PART_REQUISITIONS,
    SPARE_PART_STOCK,
    SUPPLIER_CLAIMS,
    RequisitionRow,
    StockRow,
    SupplierClaimRow,
)

router = APIRouter(tags=["spare parts"])
requisition_approvals = document_routes("/spare-part-requisitions", "spare parts")
"""SD-24, SD-25: the leader approves the requisition and consents to the write-off."""
freight_approvals = document_routes("/freight-costs", "spare parts")
"""SD-26: the leader signs off the freight; the handler and he sign it."""

App = Annotated[ServiceDeskApplication, Depends(application_of(ServiceDeskApplication))]
Keeper = Annotated[CommandContext, Depends(acting_as(Role.WAREHOUSE_KEEPER))]
"""SD-28: the spare-parts store keeper."""
Technician = Annotated[CommandContext, Depends(acting_as(Role.TECHNICIAN))]
PartsHandler = Annotated[CommandContext, Depends(acting_as(Role.TECHNICIAN, Role.WAREHOUSE_KEEPER))]
Handler = Annotated[
    CommandContext,
    Depends(acting_as(Role.TECHNICIAN, Role.WAREHOUSE_KEEPER, Role.SERVICE_CLERK)),
]
"""SD-26: whoever mailed the part."""
Claims = Annotated[
    CommandContext, Depends(acting_as(Role.SERVICE_SUPERVISOR, Role.SERVICE_DEPARTMENT))
]
Reader = Annotated[Principal, Depends(requires(*READERS, Role.WAREHOUSE_KEEPER, Role.UNIT_LEADER))]


class StockView(View):
    stock_id: UUID = identity("stock_id")
    ledger: Ledger
    station: str | None
    part_no: str
    on_hand: int
    version: int


class RequisitionView(View):
    requisition_id: UUID = identity("requisition_id")
    call_id: UUID
    service_type: str
    part_no: str
    qty: int
    restocked_qty: int
    ledger: Ledger
    station: str | None
    reason: str
    requested_by: str
    status: RequisitionStatus
    issued_by: str | None
    issued_at: datetime | None
    old_part_due_at: datetime | None
    old_part_ref: UUID | None
    old_part_returned_at: datetime | None
    disposal_due_at: datetime | None
    disposition: Disposition | None
    return_overdue: bool
    disposal_overdue: bool
    write_off_approver: str | None
    version: int


class FreightView(View):
    shipment_ref: UUID = identity("shipment_ref")
    call_id: UUID
    requisition_id: UUID | None
    waybill_no: str
    amount: Money
    handler_id: str
    status: FreightStatus
    version: int


class ClaimedPartView(View):
    requisition_id: UUID
    part_no: str
    qty: int
    call_id: UUID
    old_part_ref: UUID


class SupplierClaimView(View):
    claim_id: UUID = identity("claim_id")
    supplier: str
    parts: list[ClaimedPartView]
    evidence_refs: list[str]
    amount: Money
    status: ClaimStatus
    recovered: Money | None
    version: int


class Receipt(BaseModel):
    ledger: Ledger = Field(description="SD-28: the central store or a service station's ledger")
    station: Code | None = Field(default=None, description="The service station, for its ledger")
    part_no: Code
    receipt_form_no: Code = Field(description="The spare-part receipt form (in duplicate)")
    qty: Quantity


class Requisition(BaseModel):
    call_id: UUID
    part_no: Code
    qty: Quantity
    ledger: Ledger = Ledger.CENTRAL
    station: Code | None = None
    reason: LongText = Field(description="SD-24: the remedy the technician proposes")


class Restock(BaseModel):
    qty: Quantity


class OldPartDisposal(BaseModel):
    disposition: Literal["scrapped", "returned_to_supplier"] = Field(
        description="SD-22; a supplier claim takes its old parts itself (SD-27)"
    )


class Freight(BaseModel):
    call_id: UUID
    requisition_id: UUID | None = None
    waybill_no: Code = Field(description="The waybill or postal receipt")
    amount: Amount = Field(gt=0)


class FileClaim(BaseModel):
    supplier: Name
    requisition_ids: list[UUID] = Field(
        min_length=1, max_length=100, description="The requisitions whose old parts go with it"
    )
    evidence_refs: list[ShortText] = Field(
        min_length=1, max_length=100, description="The service reports and other evidence"
    )
    amount: Amount = Field(gt=0)


class Settlement(BaseModel):
    amount: Amount = Field(ge=0, description="What the supplier paid")


@router.post("/spare-parts/receipts", status_code=201)
async def receive_parts(context: Keeper, body: Receipt, app: App) -> StockView:
    """SD-28: book parts in on the receipt form."""
    stock = await app.perform(
        app.receive_parts,
        context,
        body.ledger,
        body.station,
        body.part_no,
        body.receipt_form_no,
        body.qty,
    )
    return StockView.model_validate(stock)


@router.get("/spare-parts/stock")
def list_stock(
    _: Reader, query: Annotated[PageRequest, Depends(SPARE_PART_STOCK.query)], app: App
) -> Page[StockRow]:
    """SD-28: the book stock, per ledger and part."""
    return app.read_models.page(SPARE_PART_STOCK, query)


@router.post("/spare-part-requisitions", status_code=201)
async def requisition_part(context: Technician, body: Requisition, app: App) -> RequisitionView:
    """SD-24: the requisition goes to the leader for approval."""
    requisition = await app.perform(
        app.requisition_part,
        context,
        body.call_id,
        body.part_no,
        body.qty,
        body.ledger,
        body.station,
        body.reason,
    )
    return RequisitionView.model_validate(requisition)


@router.get("/spare-part-requisitions")
def list_requisitions(
    _: Reader, query: Annotated[PageRequest, Depends(SPARE_PART_REQUISITIONS.query)], app: App
) -> Page[RequisitionRow]:
    return app.read_models.page(SPARE_PART_REQUISITIONS, query)


@router.get("/old-parts/outstanding")
def outstanding_old_parts(
    _: Reader, query: Annotated[PageRequest, Depends(SPARE_PART_REQUISITIONS.query)], app: App
) -> Page[RequisitionRow]:
    """SD-22: the monthly list: old parts not back yet, or back and not dealt with; each row
    says whether it is overdue."""
    return app.read_models.page(
        SPARE_PART_REQUISITIONS, query, OLD_PART_NOT_RETURNED | OLD_PART_NOT_DISPOSED
    )


@router.get("/spare-part-requisitions/{requisition_id}")
def get_requisition(_: Reader, requisition_id: UUID, app: App) -> RequisitionView:
    return RequisitionView.model_validate(app.requisition(requisition_id))


@router.post("/spare-part-requisitions/{requisition_id}/issue")
async def issue_part(context: Keeper, requisition_id: UUID, app: App) -> RequisitionView:
    """SD-24, SD-28: issue against the approved requisition."""
    return RequisitionView.model_validate(
        await app.perform(app.issue_part, context, requisition_id)
    )


@router.post("/spare-part-requisitions/{requisition_id}/return-to-stock")
async def return_to_stock(
    context: Keeper, requisition_id: UUID, body: Restock, app: App
) -> RequisitionView:
    """SD-28: unused parts back on the shelf."""
    requisition = await app.perform(app.return_to_stock, context, requisition_id, body.qty)
    return RequisitionView.model_validate(requisition)


@router.post("/spare-part-requisitions/{requisition_id}/old-part")
async def return_old_part(context: PartsHandler, requisition_id: UUID, app: App) -> RequisitionView:
    """SD-22: the replaced old part is back."""
    return RequisitionView.model_validate(
        await app.perform(app.return_old_part, context, requisition_id)
    )


@router.post("/spare-part-requisitions/{requisition_id}/old-part/disposal")
async def dispose_old_part(
    context: Keeper, requisition_id: UUID, body: OldPartDisposal, app: App
) -> RequisitionView:
    """SD-22: the monthly handling of the old part."""
    requisition = await app.perform(
        app.dispose_old_part, context, requisition_id, Disposition(body.disposition)
    )
    return RequisitionView.model_validate(requisition)


@router.post("/spare-part-requisitions/{requisition_id}/write-off-consent")
async def ask_write_off_consent(
    context: PartsHandler, requisition_id: UUID, app: App
) -> RequisitionView:
    """SD-25: once the customer signed the report, the leader is asked to consent."""
    return RequisitionView.model_validate(
        await app.perform(app.ask_write_off_consent, context, requisition_id)
    )


class WriteOff(BaseModel):
    amount: Amount | None = Field(
        default=None, gt=0, description="BI-26: the part's cost, booked by billing as warranty cost"
    )


@router.post("/spare-part-requisitions/{requisition_id}/write-off")
async def write_off_part(
    context: Keeper, requisition_id: UUID, app: App, body: WriteOff | None = None
) -> RequisitionView:
    """SD-25: with the signed report, the leader's consent and the old part; SD-46: its cost
    goes to billing, which books it (BI-26)."""
    amount = None if body is None else body.amount
    return RequisitionView.model_validate(
        await app.perform(app.write_off_part, context, requisition_id, amount)
    )


@router.post("/freight-costs", status_code=201)
async def record_freight(context: Handler, body: Freight, app: App) -> FreightView:
    """SD-26: what mailing a warranty part cost, for the handler and the leader to sign."""
    freight = await app.perform(
        app.record_freight, context, body.call_id, body.requisition_id, body.waybill_no, body.amount
    )
    return FreightView.model_validate(freight)


@router.get("/freight-costs/{shipment_ref}")
def get_freight(_: Reader, shipment_ref: UUID, app: App) -> FreightView:
    return FreightView.model_validate(app.freight(shipment_ref))


@router.post("/supplier-claims", status_code=201)
async def file_supplier_claim(context: Claims, body: FileClaim, app: App) -> SupplierClaimView:
    """SD-27: a secondary claim on the supplier, with the returned old parts as evidence."""
    claim = await app.perform(
        app.file_supplier_claim,
        context,
        body.supplier,
        tuple(body.requisition_ids),
        tuple(body.evidence_refs),
        body.amount,
    )
    return SupplierClaimView.model_validate(claim)


@router.post("/supplier-claims/{claim_id}/settlement")
async def settle_supplier_claim(
    context: Claims, claim_id: UUID, body: Settlement, app: App
) -> SupplierClaimView:
    """SD-27: what the supplier paid on the claim."""
    claim = await app.perform(app.settle_supplier_claim, context, claim_id, body.amount)
    return SupplierClaimView.model_validate(claim)


@router.get("/supplier-claims")
def list_supplier_claims(
    _: Reader, query: Annotated[PageRequest, Depends(SUPPLIER_CLAIMS.query)], app: App
) -> Page[SupplierClaimRow]:
    return app.read_models.page(SUPPLIER_CLAIMS, query)


@router.get("/supplier-claims/{claim_id}")
def get_supplier_claim(_: Reader, claim_id: UUID, app: App) -> SupplierClaimView:
    return SupplierClaimView.model_validate(app.supplier_claim(claim_id))
