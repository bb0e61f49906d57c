"""HTTP commands and queries for customer master-data change requests (CU-14)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from contracts.values import LongText, Name, Phone, ShortText
from customers.application import CustomersApplication
from customers.domain.customer import MAX_CONTACTS, MAX_PREMISES, Contact
from customers.projections import MasterDataChangeView
from kernel.approvals.http import document_routes
from kernel.roles import EMPLOYEES, SALES, Role
from runtime.auth import Principal, acting_as, requires
from runtime.http import application_of
from runtime.unit_of_work import CommandContext

router = APIRouter(tags=["master-data changes"])
approvals = document_routes("/master-data-changes", "master-data changes")

App = Annotated[CustomersApplication, Depends(application_of(CustomersApplication))]
Maintainer = Annotated[CommandContext, Depends(acting_as(*SALES, Role.SERVICE_CLERK))]
"""CU-14, CU-23: sales and the after-sales service clerks keep the one customer file up to date,
both through the change request."""
Clerk = Annotated[CommandContext, Depends(acting_as(Role.SALES_CLERK))]
Reader = Annotated[Principal, Depends(requires(*EMPLOYEES))]


class ContactEntry(BaseModel):
    name: Name
    role: Name
    phone: Phone


class SubmitChange(BaseModel):
    """The changed fields only; a field left out keeps its value."""

    reason: LongText = Field(description="What changed at the customer")
    legal_name: Name | None = None
    contacts: list[ContactEntry] | None = Field(default=None, max_length=MAX_CONTACTS)
    premises: list[ShortText] | None = Field(default=None, max_length=MAX_PREMISES)


@router.post("/customers/{customer_id}/master-data-changes", status_code=201)
async def submit_master_data_change(
    context: Maintainer, customer_id: UUID, body: SubmitChange, app: App
) -> MasterDataChangeView:
    """Fill in the change request for the responsible manager to approve (CU-14)."""
    contacts = None
    if body.contacts is not None:
        contacts = [Contact(c.name, c.role, c.phone) for c in body.contacts]
    change = await app.perform(
        app.submit_master_data_change,
        context,
        customer_id,
        body.reason,
        legal_name=body.legal_name,
        contacts=contacts,
        premises=body.premises,
    )
    return MasterDataChangeView.model_validate(change)


@router.post("/master-data-changes/{change_id}/apply")
async def apply_master_data_change(
    context: Clerk, change_id: UUID, app: App
) -> MasterDataChangeView:
    """The clerk applies the approved change to the customer (CU-14)."""
    change = await app.perform(app.apply_master_data_change, context, change_id)
    return MasterDataChangeView.model_validate(change)


@router.post("/master-data-changes/{change_id}/archive")
async def archive_master_data_change(
    context: Clerk, change_id: UUID, app: App
) -> MasterDataChangeView:
    """The clerk archives the printed record they signed (CU-14)."""
    change = await app.perform(app.archive_master_data_change, context, change_id)
    return MasterDataChangeView.model_validate(change)


@router.get("/master-data-changes/{change_id}")
def get_master_data_change(_: Reader, change_id: UUID, app: App) -> MasterDataChangeView:
    """The change request and its printed record: each field before and after (CU-14)."""
    return MasterDataChangeView.model_validate(app.master_data_change(change_id))
