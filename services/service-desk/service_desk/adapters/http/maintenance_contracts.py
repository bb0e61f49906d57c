"""HTTP commands and lists of maintenance contracts (RULES §4.2's maintenance part, SD-29, SD-48)
and the service department's overdue items (SD-47). The contract chain approves a contract
through the approval routes (``/maintenance-contracts/{id}/approvals``); the customer signs it
through the signing channel's (``/maintenance-contracts/{id}/signing-requests``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from contracts.values import Code, Day, LongText, Price, Rating, ShortText, UserId
from kernel.approvals.http import document_routes
from kernel.roles import Role
from kernel.signing.http import signing_routes
from runtime.auth import Principal, acting_as, requires
from runtime.http import refusal
from runtime.unit_of_work import CommandContext
from runtime.views import Money, Page, PageRequest, View, identity
from service_desk.adapters.http.service_calls import App, Reader
from service_desk.domain.maintenance_contract import ContractStatus
from service_desk.maintenance_projections import MAINTENANCE_CONTRACTS, MaintenanceContractRow
from service_desk.overdue_items import OverdueItem, OverdueKind

router = APIRouter(tags=["maintenance contracts"])
approvals = document_routes("/maintenance-contracts", "maintenance contracts")
"""OR-10, SD-29: the contract chain's review and approval before the customer signs."""
signing = signing_routes("/maintenance-contracts", "maintenance contracts")
"""OR-10: the customer signs the approved contract through their own link."""

ServiceStaff = Annotated[
    CommandContext,
    Depends(acting_as(Role.SERVICE_CLERK, Role.SERVICE_DEPARTMENT, Role.SERVICE_SUPERVISOR)),
]
"""The service centre (clerk, supervisor) and the service department, which plans the service."""
Technician = Annotated[CommandContext, Depends(acting_as(Role.TECHNICIAN))]
CHASERS = (Role.SERVICE_DEPARTMENT, Role.CS_MANAGER, Role.CS_DIRECTOR)
"""SD-47: the service department, which chases every open item."""
Chaser = Annotated[Principal, Depends(requires(*CHASERS, Role.SALESPERSON))]


class CoveredProductView(View):
    voucher_id: UUID
    product_code: Code
    serial_number: Code


class ContractVisitView(View):
    visited_on: date
    technician: str
    rating: int
    comment: str


class MaintenanceContractView(View):
    contract_id: UUID = identity("contract_id")
    customer_id: UUID
    covered: list[CoveredProductView]
    services: list[str]
    starts_on: date
    ends_on: date
    visit_interval_days: int
    price: Money
    payment_terms: str
    breach_liability: str
    registered_by: str
    renews_id: UUID | None
    status: ContractStatus
    signed_at: datetime | None
    notice_due_at: datetime
    notice_due: bool
    notice_sent_at: datetime | None
    notice_ref: str | None
    renewal_assignee: str | None
    renewal_visit_on: date | None
    renewed_by_id: UUID | None
    next_visit_on: date
    visit_overdue: bool
    visits: list[ContractVisitView]
    calls_served: list[UUID]
    version: int


class RegisterContract(BaseModel):
    customer_id: UUID
    voucher_ids: list[UUID] = Field(
        min_length=1, max_length=100, description="The covered products' service vouchers"
    )
    services: list[ShortText] = Field(
        min_length=1, max_length=50, description="OR-10: the services included"
    )
    starts_on: Day
    ends_on: Day
    visit_interval_days: int = Field(ge=1, le=3660, description="SD-48: periodic visits")
    price: Price
    payment_terms: ShortText = Field(min_length=1)
    breach_liability: ShortText = Field(min_length=1, description="OR-10: liability for breach")
    renews_id: UUID | None = Field(default=None, description="SD-29: the contract it renews")


class ExpiryNotice(BaseModel):
    notice_ref: Code = Field(description="SD-29: the expiry notice (保养到期通知书) sent")


class RenewalVisit(BaseModel):
    assignee: UserId = Field(description="SD-29: who is sent to win the renewal")
    visit_on: Day


class Renewal(BaseModel):
    renewal_id: UUID = Field(description="SD-29: the new contract, approved and signed")


class Visit(BaseModel):
    visited_on: Day
    rating: Rating = Field(description="SD-48: the customer's evaluation, 1 to 4")
    comment: LongText


@router.post("/maintenance-contracts", status_code=201)
async def register_contract(
    context: ServiceStaff, body: RegisterContract, app: App
) -> MaintenanceContractView:
    """OR-10: a draft maintenance contract, its content complete."""
    contract = await app.perform(
        app.register_maintenance_contract,
        context,
        body.customer_id,
        tuple(body.voucher_ids),
        tuple(body.services),
        body.starts_on,
        body.ends_on,
        body.visit_interval_days,
        body.price,
        body.payment_terms,
        body.breach_liability,
        body.renews_id,
    )
    return MaintenanceContractView.model_validate(contract)


@router.post("/maintenance-contracts/{contract_id}/submission")
async def submit_contract(
    context: ServiceStaff, contract_id: UUID, app: App
) -> MaintenanceContractView:
    """OR-10: to the contract chain for review and approval."""
    contract = await app.perform(app.submit_maintenance_contract, context, contract_id)
    return MaintenanceContractView.model_validate(contract)


@router.post("/maintenance-contracts/{contract_id}/expiry-notice")
async def send_expiry_notice(
    context: ServiceStaff, contract_id: UUID, body: ExpiryNotice, app: App
) -> MaintenanceContractView:
    """SD-29: the expiry notice sent to the customer, once it is due."""
    contract = await app.perform(app.send_expiry_notice, context, contract_id, body.notice_ref)
    return MaintenanceContractView.model_validate(contract)


@router.post("/maintenance-contracts/{contract_id}/renewal-visit")
async def assign_renewal_visit(
    context: ServiceStaff, contract_id: UUID, body: RenewalVisit, app: App
) -> MaintenanceContractView:
    """SD-29: staff sent to win the renewal, after the notice; the contract awaits renewal."""
    contract = await app.perform(
        app.assign_renewal_visit, context, contract_id, body.assignee, body.visit_on
    )
    return MaintenanceContractView.model_validate(contract)


@router.post("/maintenance-contracts/{contract_id}/renewal")
async def record_renewal(
    context: ServiceStaff, contract_id: UUID, body: Renewal, app: App
) -> MaintenanceContractView:
    """SD-29: the new contract, approved and signed, renews this one."""
    contract = await app.perform(app.record_renewal, context, contract_id, body.renewal_id)
    return MaintenanceContractView.model_validate(contract)


@router.post("/maintenance-contracts/{contract_id}/visits")
async def record_visit(
    context: Technician, contract_id: UUID, body: Visit, app: App
) -> MaintenanceContractView:
    """SD-48: a periodic follow-up visit and the customer's evaluation."""
    contract = await app.perform(
        app.record_contract_visit, context, contract_id, body.visited_on, body.rating, body.comment
    )
    return MaintenanceContractView.model_validate(contract)


@router.get("/maintenance-contracts")
def list_contracts(
    _: Reader, query: Annotated[PageRequest, Depends(MAINTENANCE_CONTRACTS.query)], app: App
) -> Page[MaintenanceContractRow]:
    """SD-48: the contracts with their delivery: calls served, visits made, the next visit due
    and whether it is overdue (``visit_overdue=true``); by end date or next visit."""
    return app.read_models.page(MAINTENANCE_CONTRACTS, query)


@router.get("/maintenance-contracts/{contract_id}")
def get_contract(_: Reader, contract_id: UUID, app: App) -> MaintenanceContractView:
    return MaintenanceContractView.model_validate(app.maintenance_contract(contract_id))


@router.get("/overdue-items", response_model=Page[OverdueItem])
def list_overdue_items(
    principal: Chaser,
    app: App,
    kind: OverdueKind | None = None,
    owner_id: UserId | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[OverdueItem] | JSONResponse:
    """SD-47: the items past their time, oldest first: every one for the service department; a
    salesperson sees those of the customers they own."""
    if not principal.roles & set(CHASERS):
        if owner_id not in (None, principal.user_id):
            return refusal(
                403,
                "SD-47",
                "a salesperson sees the overdue items of their own customers only",
                {"owner_id": owner_id},
            )
        owner_id = principal.user_id
    filters = {} if kind is None else {"kind": kind.value}
    return app.overdue_items(PageRequest(limit, offset, None, filters), owner_id)
