"""HTTP commands and queries of bad debt (BI-10, BI-12): a receivable proposed as doubtful and
classified (document routes), its write-off requested and reviewed (document routes), written off
by finance, and money recovered on it; the bad-debt register."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from billing.adapters.http.invoicing import App, Employee, Reader
from billing.bad_debt_projections import BAD_DEBTS, BadDebtView
from contracts.values import Amount, LongText, ShortText
from kernel.approvals.http import document_routes
from runtime.views import Page, PageRequest

router = APIRouter(tags=["bad-debts"])
bad_debt_approvals = document_routes("/bad-debts", "bad-debts")


class BadDebtDetail(BadDebtView):
    collection_history: str | None
    requested_by: str | None


class ProposeBadDebt(BaseModel):
    invoice_id: UUID
    basis: LongText = Field(
        min_length=1, description="Why it is doubtful: its age, the customer's standing"
    )


class RequestWriteOff(BaseModel):
    collection_history: LongText = Field(min_length=1, description="How it was chased, and when")


class RecordRecovery(BaseModel):
    amount: Amount = Field(gt=0)
    reference: ShortText = Field(min_length=1, description="The bank or receipt reference")


@router.get("/bad-debts")
def list_bad_debts(
    _: Reader, query: Annotated[PageRequest, Depends(BAD_DEBTS.query)], app: App
) -> Page[BadDebtView]:
    """The bad-debt register: doubtful, written off and recovered (BI-12)."""
    return app.bad_debts(query)


@router.get("/bad-debts/{bad_debt_id}")
def get_bad_debt(_: Reader, bad_debt_id: UUID, app: App) -> BadDebtDetail:
    return BadDebtDetail.model_validate(app.bad_debt(bad_debt_id))


@router.post("/bad-debts", status_code=201)
async def propose_bad_debt(context: Employee, body: ProposeBadDebt, app: App) -> BadDebtDetail:
    """BI-12: an escalated receivable proposed as doubtful, for the sales manager and finance to
    classify."""
    debt = await app.perform(app.propose_bad_debt, context, body.invoice_id, body.basis)
    return BadDebtDetail.model_validate(debt)


@router.post("/bad-debts/{bad_debt_id}/write-off-request")
async def request_bad_debt_write_off(
    context: Employee, bad_debt_id: UUID, body: RequestWriteOff, app: App
) -> BadDebtDetail:
    """BI-10, BI-12: the write-off, reviewed by the sales manager, finance and leadership."""
    debt = await app.perform(
        app.request_bad_debt_write_off, context, bad_debt_id, body.collection_history
    )
    return BadDebtDetail.model_validate(debt)


@router.post("/bad-debts/{bad_debt_id}/write-off")
async def write_off_bad_debt(context: Employee, bad_debt_id: UUID, app: App) -> BadDebtDetail:
    """BI-10: finance writes off the reviewed debt; never without the review."""
    debt = await app.perform(app.write_off_bad_debt, context, bad_debt_id)
    return BadDebtDetail.model_validate(debt)


@router.post("/bad-debts/{bad_debt_id}/recoveries")
async def recover_bad_debt(
    context: Employee, bad_debt_id: UUID, body: RecordRecovery, app: App
) -> BadDebtDetail:
    """BI-12: finance records money recovered on the written-off debt."""
    debt = await app.perform(
        app.recover_bad_debt, context, bad_debt_id, body.amount, body.reference
    )
    return BadDebtDetail.model_validate(debt)
