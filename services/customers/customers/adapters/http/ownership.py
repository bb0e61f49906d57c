"""HTTP commands and queries for account ownership: the accounts per salesperson (CU-15) and the
handover lists (CU-22)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from contracts.values import Digest, Label, UserId
from customers.application import CustomersApplication
from customers.domain.handover import HandoverReason, MatterKind, OpenMatter
from customers.projections import (
    HANDOVERS,
    FinalPayClearance,
    HandoverListView,
    HandoverView,
    OwnerAccounts,
)
from kernel.approvals.http import CaptureSignature
from kernel.roles import EMPLOYEES, SALES, Role
from runtime.auth import Principal, acting_as, requires
from runtime.http import application_of
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest

router = APIRouter(tags=["ownership"])

App = Annotated[CustomersApplication, Depends(application_of(CustomersApplication))]
Manager = Annotated[CommandContext, Depends(acting_as(Role.SALES_MANAGER))]
SalesOrManager = Annotated[CommandContext, Depends(acting_as(*SALES, Role.SALES_MANAGER))]
Signer = Annotated[CommandContext, Depends(acting_as(*EMPLOYEES))]
"""Any employee: the handover list itself says who signs it, and who attests the data's return."""
Reader = Annotated[Principal, Depends(requires(*EMPLOYEES))]
UnitHead = Annotated[Principal, Depends(requires(Role.UNIT_LEADER))]
PayReader = Annotated[
    Principal,
    Depends(
        requires(
            Role.FINANCE, Role.ACCOUNTANT, Role.MANAGEMENT, Role.SALES_MANAGER, Role.UNIT_LEADER
        )
    ),
]
"""CU-22: who settles or signs off a departing employee's final pay."""

MAX_LISTED = 500
"""CU-22: the most customers, and open matters, one handover list holds."""


class OpenMatterEntry(BaseModel):
    kind: MatterKind
    reference: Label = Field(description="The quote's, contract's or receivable's reference")
    customer_id: UUID


class HandoverContent(BaseModel):
    customer_ids: list[UUID] = Field(min_length=1, max_length=MAX_LISTED)
    open_matters: list[OpenMatterEntry] = Field(default=[], max_length=MAX_LISTED)

    def matters(self) -> list[OpenMatter]:
        return [OpenMatter(m.kind, m.reference, m.customer_id) for m in self.open_matters]


class InitiateHandover(HandoverContent):
    transferor_id: Label = Field(description="The departing or transferred account owner")
    receiver_id: Label
    witness_id: Label = Field(description="The supervising witness (监交人)")
    reason: HandoverReason


class SignHandover(CaptureSignature):
    version_hash: Digest = Field(description="The version of the list the signer reviewed")


@router.get("/customers/owners/accounts")
def accounts_per_owner(_: Reader, app: App) -> list[OwnerAccounts]:
    """How many accounts each salesperson owns (CU-15)."""
    return app.accounts_per_owner()


@router.post("/handovers", status_code=201)
async def initiate_handover(
    context: SalesOrManager, body: InitiateHandover, app: App
) -> HandoverListView:
    """Draw up the handover list of a departing or transferred account owner (CU-22)."""
    handover = await app.perform(
        app.initiate_handover,
        context,
        body.transferor_id,
        body.receiver_id,
        body.witness_id,
        body.reason,
        body.customer_ids,
        body.matters(),
    )
    return HandoverListView.model_validate(handover)


@router.post("/handovers/{handover_id}/list")
async def revise_handover(
    context: SalesOrManager, handover_id: UUID, body: HandoverContent, app: App
) -> HandoverListView:
    """Change what the list hands over: signatures on the earlier version no longer count."""
    handover = await app.perform(
        app.revise_handover, context, handover_id, body.customer_ids, body.matters()
    )
    return HandoverListView.model_validate(handover)


@router.post("/handovers/{handover_id}/sign")
async def sign_handover(
    context: Signer, handover_id: UUID, body: SignHandover, app: App
) -> HandoverListView:
    """The transferor, the receiver or the witness signs the version they reviewed; the third
    signature hands the accounts over (CU-22)."""
    handover = await app.perform(
        app.sign_handover, context, handover_id, body.version_hash, body.capture(), body.seal
    )
    return HandoverListView.model_validate(handover)


@router.get("/handovers")
def list_handovers(
    _: Reader, query: Annotated[PageRequest, Depends(HANDOVERS.query)], app: App
) -> Page[HandoverView]:
    """Handovers, soonest due first; ``overdue=true`` lists those not signed in time (CU-22)."""
    return app.handover_list(query)


@router.get("/handovers/escalated")
def escalated_handovers(
    _: UnitHead, query: Annotated[PageRequest, Depends(HANDOVERS.query)], app: App
) -> Page[HandoverView]:
    """The overdue handovers escalated to the unit head and still unsigned (CU-22, §4.13)."""
    return app.escalated_handovers(query)


@router.post("/handovers/{handover_id}/customer-data-returned")
async def record_customer_data_returned(
    context: Signer, handover_id: UUID, app: App
) -> HandoverListView:
    """The receiver or the witness records that the transferor handed back the customer data
    (CU-22, CustomerDataReturned)."""
    handover = await app.perform(app.record_customer_data_returned, context, handover_id)
    return HandoverListView.model_validate(handover)


@router.get("/employees/{employee_id}/final-pay-clearance")
def final_pay_clearance(_: PayReader, employee_id: UserId, app: App) -> FinalPayClearance:
    """May the employee's final pay be settled? Not while they hold an account or a handover of
    theirs waits for its customer data (CU-22)."""
    return app.final_pay_clearance(employee_id)


@router.get("/handovers/{handover_id}")
def get_handover(_: Reader, handover_id: UUID, app: App) -> HandoverListView:
    return HandoverListView.model_validate(app.handover(handover_id))
