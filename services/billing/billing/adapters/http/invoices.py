"""HTTP queries over invoices."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from billing.application import BillingApplication
from billing.projections import INVOICES, InvoiceView
from kernel.roles import Role
from runtime.auth import Principal, requires
from runtime.http import application_of
from runtime.views import Page, PageRequest

router = APIRouter(tags=["invoices"])
App = Annotated[BillingApplication, Depends(application_of(BillingApplication))]
Reader = Annotated[
    Principal,
    Depends(requires(Role.FINANCE, Role.ACCOUNTANT, Role.SALES_MANAGER, Role.SALES_CLERK)),
]


@router.get("/invoices")
def list_invoices(
    _: Reader, query: Annotated[PageRequest, Depends(INVOICES.query)], app: App
) -> Page[InvoiceView]:
    """Invoices, oldest first, of one customer or order if given."""
    return app.read_models.page(INVOICES, query)


@router.get("/invoices/{invoice_id}")
def get_invoice(_: Reader, invoice_id: UUID, app: App) -> InvoiceView:
    return InvoiceView.model_validate(app.invoice(invoice_id))
