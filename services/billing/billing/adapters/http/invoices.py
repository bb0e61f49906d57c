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
from runtime.views import Page, Paging

router = APIRouter(tags=["invoices"])
App = Annotated[BillingApplication, Depends(application_of(BillingApplication))]
Reader = Annotated[
    Principal,
    Depends(requires(Role.FINANCE, Role.ACCOUNTANT, Role.SALES_MANAGER, Role.SALES_CLERK)),
]


@router.get("/invoices")
def list_invoices(
    _: Reader,
    paging: Paging,
    app: App,
    customer_id: UUID | None = None,
    order_id: UUID | None = None,
) -> Page[InvoiceView]:
    """Invoices, oldest first."""
    return app.read_models.page(INVOICES, paging, customer_id=customer_id, order_id=order_id)


@router.get("/invoices/{invoice_id}")
def get_invoice(_: Reader, invoice_id: UUID, app: App) -> InvoiceView:
    return InvoiceView.model_validate(app.invoice(invoice_id))
