"""HTTP queries of the service ledger (SD-46, BI-26): the accounting entries billing booked from
service-desk's events, finance's adjustments by hand, and the receivables from suppliers with
their aging, apart from the customers'."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from billing.adapters.http.invoicing import AgingView, App, Employee, Reader
from billing.domain.ledger import EntryKind
from billing.ledger_projections import (
    LEDGER,
    SUPPLIER_RECEIVABLES,
    LedgerEntryView,
    SupplierReceivableView,
)
from contracts.values import Amount, ShortText
from runtime.views import Page, PageRequest

router = APIRouter(tags=["ledger"])


class Adjustment(BaseModel):
    kind: EntryKind = Field(description="SD-46: only an adjustment is booked by hand")
    amount: Amount = Field(gt=0)
    reason: ShortText = Field(min_length=1)


@router.get("/ledger")
def list_ledger(
    _: Reader, query: Annotated[PageRequest, Depends(LEDGER.query)], app: App
) -> Page[LedgerEntryView]:
    """The entries booked from service-desk's events, each with its source (SD-46, BI-26):
    service income, warranty cost, supplier claims; by kind, month, call or supplier."""
    return app.ledger_entries(query)


@router.post("/ledger/adjustments", status_code=201)
async def adjust_ledger(context: Employee, body: Adjustment, app: App) -> LedgerEntryView:
    """Finance's adjustment by hand; SD-46: service income, warranty cost and supplier claims are
    refused, only their source events book them."""
    entry = await app.perform(app.adjust_ledger, context, body.kind, body.amount, body.reason)
    return LedgerEntryView.model_validate(entry)


@router.get("/ledger/{entry_id}")
def get_ledger_entry(_: Reader, entry_id: UUID, app: App) -> LedgerEntryView:
    return LedgerEntryView.model_validate(app.ledger_entry(entry_id))


@router.get("/supplier-receivables")
def list_supplier_receivables(
    _: Reader, query: Annotated[PageRequest, Depends(SUPPLIER_RECEIVABLES.query)], app: App
) -> Page[SupplierReceivableView]:
    """Receivables from suppliers, one per secondary claim, by due date (BI-26)."""
    return app.supplier_receivables(query)


@router.get("/supplier-receivables/aging")
def supplier_receivables_aging(
    _: Reader,
    app: App,
    as_of: Annotated[date, Query(ge=date(2000, 1, 1), le=date(2099, 12, 31))],
) -> AgingView:
    """What suppliers owe, aged like the customers' receivables (BI-13, BI-26); claims filed in
    the DSO period count as its sales."""
    return AgingView.of(app.supplier_aging(as_of))


@router.get("/supplier-receivables/{receivable_id}")
def get_supplier_receivable(_: Reader, receivable_id: UUID, app: App) -> SupplierReceivableView:
    return SupplierReceivableView.model_validate(app.supplier_receivable(receivable_id))
