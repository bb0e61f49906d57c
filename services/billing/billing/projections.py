"""The invoices list: one row per invoice, kept by the ``invoices`` projection."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import AliasChoices, Field
from sqlalchemy import Connection, select

from billing.domain.invoice import Invoice
from runtime.projections import Projection
from runtime.views import Money, ReadTable, View, identity


class InvoiceView(View):
    invoice_id: UUID = identity("invoice_id")
    order_id: UUID
    customer_id: UUID
    amount: Money
    currency: str = Field(max_length=3)
    account_owner_id: str | None = Field(
        description="The account owner who pursues the receivable; it follows the account to "
        "a new owner (CU-15, CU-22)",
        max_length=64,
    )
    issued_at: datetime = Field(validation_alias=AliasChoices("issued_at", "created_on"))


INVOICES = ReadTable(
    InvoiceView,
    "invoices",
    sortable=("issued_at", "amount"),
    filters=("customer_id", "order_id", "account_owner_id"),
)
invoices = Projection("invoices", INVOICES.table)


@invoices.on(Invoice.Issued)
def _issued(event: Invoice.Issued, db: Connection) -> None:
    INVOICES.insert(db, event, issued_at=event.timestamp)


@invoices.on(Invoice.Reassigned)
def _reassigned(event: Invoice.Reassigned, db: Connection) -> None:
    INVOICES.update(db, event, account_owner_id=event.account_owner_id)


def invoices_of(db: Connection, customer_id: UUID) -> list[UUID]:
    """CU-22: the customer's invoices (every one an open receivable: payments are not recorded
    yet)."""
    columns = INVOICES.table.c
    return list(db.scalars(select(columns.invoice_id).where(columns.customer_id == customer_id)))
