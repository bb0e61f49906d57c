"""HTTP commands and queries of collections (BI-06, BI-14): the instrument register, an
instrument received by an employee, handed to finance who signs for it, and dishonoured."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from billing.adapters.http.invoicing import App, Employee, Reader
from billing.collections_projections import INSTRUMENTS, InstrumentView
from contracts.values import Amount, CurrencyCode, LongText, ShortText
from runtime.views import Page, PageRequest

router = APIRouter(tags=["collections"])


class ReceiveInstrument(BaseModel):
    customer_id: UUID
    instrument_type: Literal["cheque", "acceptance_bill", "bank_draft"]
    number: ShortText = Field(min_length=1)
    amount: Amount
    currency: CurrencyCode
    maturity: date


class Dishonour(BaseModel):
    reason: LongText


@router.post("/instruments", status_code=201)
async def receive_instrument(
    context: Employee, body: ReceiveInstrument, app: App
) -> InstrumentView:
    """BI-06: the employee who received the instrument registers it, to hand it to finance
    by the close of the day."""
    instrument = await app.perform(
        app.receive_instrument,
        context,
        body.customer_id,
        body.instrument_type,
        body.number,
        body.amount,
        body.currency,
        body.maturity,
    )
    return InstrumentView.model_validate(instrument)


@router.post("/instruments/{instrument_id}/handover")
async def hand_instrument_to_finance(
    context: Employee, instrument_id: UUID, app: App
) -> InstrumentView:
    """BI-06: finance signs for the instrument handed over; nobody else does (4xx BI-06)."""
    instrument = await app.perform(app.hand_instrument_to_finance, context, instrument_id)
    return InstrumentView.model_validate(instrument)


@router.post("/instruments/{instrument_id}/dishonour")
async def dishonour_instrument(
    context: Employee, instrument_id: UUID, body: Dishonour, app: App
) -> InstrumentView:
    """BI-14: finance records that the instrument bounced; customers hears of it (CU-13)."""
    instrument = await app.perform(app.dishonour_instrument, context, instrument_id, body.reason)
    return InstrumentView.model_validate(instrument)


@router.get("/instruments")
def list_instruments(
    _: Reader, query: Annotated[PageRequest, Depends(INSTRUMENTS.query)], app: App
) -> Page[InstrumentView]:
    """The instrument register (BI-14); ``handover_missed=true`` for the late ones (BI-06)."""
    return app.instruments(query)


@router.get("/instruments/{instrument_id}")
def get_instrument(_: Reader, instrument_id: UUID, app: App) -> InstrumentView:
    return InstrumentView.model_validate(app.instrument(instrument_id))
