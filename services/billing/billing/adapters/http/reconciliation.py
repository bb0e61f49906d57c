"""HTTP commands and queries of the June and December reconciliation (BI-08): the statements the
timer issued, the customer's confirmation through their own link (signing routes), a discrepancy
with the customer's books, and the report to the sales manager and finance."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from billing.adapters.http.invoicing import App, Employee, Reader
from billing.reconciliation_projections import RECONCILIATIONS, ReconciliationView
from contracts.values import Amount, LongText
from kernel.signing.http import signing_routes
from runtime.views import Page, PageRequest

router = APIRouter(tags=["reconciliation"])
statement_signing = signing_routes("/reconciliation-statements", "reconciliation")


class ReconciliationDetail(ReconciliationView):
    explanation: str | None
    customer_signature_id: UUID | None
    reported_by: str | None


class RecordDiscrepancy(BaseModel):
    customer_balance: Amount = Field(description="The balance the customer's books show")
    explanation: LongText | None = Field(
        default=None, description="What accounts for the difference, if known"
    )


@router.get("/reconciliation-statements")
def list_reconciliation_statements(
    _: Reader, query: Annotated[PageRequest, Depends(RECONCILIATIONS.query)], app: App
) -> Page[ReconciliationView]:
    """The statements of the June and December reconciliations (BI-08)."""
    return app.reconciliation_statements(query)


@router.get("/reconciliation-statements/{statement_id}")
def get_reconciliation_statement(_: Reader, statement_id: UUID, app: App) -> ReconciliationDetail:
    return ReconciliationDetail.model_validate(app.reconciliation_statement(statement_id))


@router.post("/reconciliation-statements/{statement_id}/discrepancy")
async def record_reconciliation_discrepancy(
    context: Employee, statement_id: UUID, body: RecordDiscrepancy, app: App
) -> ReconciliationDetail:
    """BI-08: the customer's books show another balance; unexplained, customers treats it as
    an abnormality (RULES §7 row 8)."""
    statement = await app.perform(
        app.record_reconciliation_discrepancy,
        context,
        statement_id,
        body.customer_balance,
        body.explanation,
    )
    return ReconciliationDetail.model_validate(statement)


@router.post("/reconciliation-statements/{statement_id}/report")
async def report_reconciliation(
    context: Employee, statement_id: UUID, app: App
) -> ReconciliationDetail:
    """BI-08: the outcome is reported to the sales manager and passed to finance."""
    statement = await app.perform(app.report_reconciliation, context, statement_id)
    return ReconciliationDetail.model_validate(statement)
