"""HTTP queries over service-desk's copy of the customer files (CU-23). To change a file, service
staff submit a master-data change request to the customers service (CU-14)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import Field

from contracts.values import Name, Phone, ShortText, UserId
from runtime.auth import Principal, requires
from runtime.http import application_of
from runtime.views import Page, PageRequest, View
from service_desk.adapters.http.vouchers import READERS
from service_desk.application import ServiceDeskApplication
from service_desk.projections import CUSTOMER_FILES, CustomerFileView

router = APIRouter(tags=["customer files"])
App = Annotated[ServiceDeskApplication, Depends(application_of(ServiceDeskApplication))]
Reader = Annotated[Principal, Depends(requires(*READERS))]


class ContactView(View):
    name: Name
    role: Name
    phone: Phone


class CustomerFileDetail(CustomerFileView):
    deputy_id: UserId | None
    contacts: list[ContactView]
    premises: list[ShortText] = Field(description="The customer's premises (its addresses)")


@router.get("/customers")
def list_customer_files(
    _: Reader, query: Annotated[PageRequest, Depends(CUSTOMER_FILES.query)], app: App
) -> Page[CustomerFileView]:
    """The customer files service knows, by name; of one owner, grade or standing if given."""
    return app.read_models.page(CUSTOMER_FILES, query)


@router.get("/customers/{customer_id}")
def get_customer_file(_: Reader, customer_id: UUID, app: App) -> CustomerFileDetail:
    """CU-23: the customer's file as customers last published it."""
    return CustomerFileDetail.model_validate(app.customer_file(customer_id))
