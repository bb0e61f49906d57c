"""HTTP queries over invoices."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from billing.application.service import BillingApplication
from billing.domain.invoice import Invoice
from chassis.auth import Principal, requires
from chassis.http import application_of

router = APIRouter(tags=["invoices"])
App = Annotated[BillingApplication, Depends(application_of(BillingApplication))]
Reader = Annotated[
    Principal, Depends(requires("finance", "accountant", "sales_manager", "sales_clerk"))
]


class InvoiceView(BaseModel):
    invoice_id: UUID
    order_id: UUID
    customer_id: UUID
    amount: Decimal
    currency: str

    @classmethod
    def of(cls, invoice: Invoice) -> InvoiceView:
        return cls(
            invoice_id=invoice.id,
            order_id=invoice.order_id,
            customer_id=invoice.customer_id,
            amount=invoice.amount,
            currency=invoice.currency,
        )


@router.get("/invoices/{invoice_id}")
def get_invoice(_: Reader, invoice_id: UUID, app: App) -> InvoiceView:
    return InvoiceView.of(app.invoice(invoice_id))


@router.get("/customers/{customer_id}/invoices")
def customer_invoices(_: Reader, customer_id: UUID, app: App) -> list[InvoiceView]:
    return [InvoiceView.of(invoice) for invoice in app.invoices_of(customer_id)]
