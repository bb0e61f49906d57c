"""The invoices list: one row per invoice, kept by the ``invoices`` projection."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import AliasChoices, Field
from sqlalchemy import Connection

from billing.domain.invoice import Invoice
from runtime.projections import Projection
from runtime.views import Money, ReadTable, View, identity


class InvoiceView(View):
    invoice_id: UUID = identity("invoice_id")
    order_id: UUID
    customer_id: UUID
    amount: Money
    currency: str = Field(max_length=3)
    issued_at: datetime = Field(validation_alias=AliasChoices("issued_at", "created_on"))


INVOICES = ReadTable(
    InvoiceView, "invoices", sortable=("issued_at", "amount"), filters=("customer_id", "order_id")
)
invoices = Projection("invoices", INVOICES.table)


@invoices.on(Invoice.Issued)
def _issued(event: Invoice.Issued, db: Connection) -> None:
    INVOICES.insert(db, event, issued_at=event.timestamp)
