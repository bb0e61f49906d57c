"""HTTP commands and queries of collections (BI-04, BI-06, BI-14): the collection request, raised
by the salesperson and confirmed by sales and finance (document routes), the customer told and
chased; the instrument register, an instrument received by an employee, handed to finance who
signs for it, and dishonoured."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from billing.adapters.http.invoicing import App, Employee, Reader
from billing.collections_projections import (
    CASH_HANDOVERS,
    COLLECTION_EXCEPTIONS,
    COLLECTION_REQUESTS,
    COLLECTIONS_CHECKS,
    INSTRUMENTS,
    CashHandoverView,
    CollectionExceptionView,
    CollectionRequestView,
    CollectionsCheckView,
    InstrumentView,
)
from billing.domain.collections_check import ExceptionFound, ExceptionKind
from contracts.values import Amount, CurrencyCode, LongText, ShortText, UserId
from kernel.approvals.http import document_routes
from runtime.views import Page, PageRequest

router = APIRouter(tags=["collections"])
collection_approvals = document_routes("/collection-requests", "collections")
cash_handover_signatures = document_routes("/cash-handovers", "collections")


# -- BI-04: the collection request


class RaiseCollection(BaseModel):
    customer_id: UUID
    currency: CurrencyCode
    amount: Amount
    bank_account: ShortText = Field(min_length=1, description="The company's account to pay into")
    invoice_ids: list[UUID] = Field(min_length=1, max_length=200)


class NotifyCustomer(BaseModel):
    channel: ShortText = Field(min_length=1)


class Chase(BaseModel):
    note: LongText


class CollectionRequestDetail(CollectionRequestView):
    invoice_ids: list[UUID]
    confirmed_by: str | None
    rejection: str | None


@router.post("/collection-requests", status_code=201)
async def raise_collection_request(
    context: Employee, body: RaiseCollection, app: App
) -> CollectionRequestDetail:
    """BI-04: the salesperson raises a collection request (收款申请单) for the customer's open
    receivables; the sales department and finance confirm it."""
    request = await app.perform(
        app.raise_collection_request,
        context,
        body.customer_id,
        body.currency,
        body.bank_account,
        body.amount,
        tuple(dict.fromkeys(body.invoice_ids)),
    )
    return CollectionRequestDetail.model_validate(request)


@router.post("/collection-requests/{request_id}/notify")
async def notify_customer(
    context: Employee, request_id: UUID, body: NotifyCustomer, app: App
) -> CollectionRequestDetail:
    """BI-04: the customer is told the confirmed amount and where to pay it."""
    request = await app.perform(
        app.notify_customer_of_collection, context, request_id, body.channel
    )
    return CollectionRequestDetail.model_validate(request)


@router.post("/collection-requests/{request_id}/chase")
async def chase_collection(
    context: Employee, request_id: UUID, body: Chase, app: App
) -> CollectionRequestDetail:
    """BI-04 (``CollectionChased``): the salesperson chased the customer; never records money."""
    request = await app.perform(app.chase_collection, context, request_id, body.note)
    return CollectionRequestDetail.model_validate(request)


@router.get("/collection-requests")
def list_collection_requests(
    _: Reader, query: Annotated[PageRequest, Depends(COLLECTION_REQUESTS.query)], app: App
) -> Page[CollectionRequestView]:
    return app.collection_requests(query)


@router.get("/collection-requests/{request_id}")
def get_collection_request(_: Reader, request_id: UUID, app: App) -> CollectionRequestDetail:
    return CollectionRequestDetail.model_validate(app.collection_request(request_id))


# -- BI-07: the daily collections check


class FoundException(BaseModel):
    kind: ExceptionKind
    description: LongText
    owner_id: UserId
    customer_id: UUID | None = None


class CompleteCheck(BaseModel):
    day: date
    exceptions: list[FoundException] = Field(default_factory=list, max_length=200)


class CheckCompleted(BaseModel):
    check_id: UUID
    day: date
    checked_by: str
    exception_ids: list[UUID]
    carried_over: list[UUID] = Field(description="Exceptions of earlier days still open")


class Resolve(BaseModel):
    resolution: LongText


@router.post("/collections-checks", status_code=201)
async def complete_collections_check(
    context: Employee, body: CompleteCheck, app: App
) -> CheckCompleted:
    """BI-07: the sales clerk and finance check the day's collections, once a day; each problem
    found is an exception with an owner, open until resolved."""
    found = tuple(
        ExceptionFound(e.kind, e.description, e.owner_id, e.customer_id) for e in body.exceptions
    )
    check = await app.perform(app.complete_collections_check, context, body.day, found)
    return CheckCompleted(
        check_id=check.id,
        day=check.day,
        checked_by=check.checked_by,
        exception_ids=list(check.exception_ids),
        carried_over=list(check.carried_over),
    )


@router.get("/collections-checks")
def list_collections_checks(
    _: Reader, query: Annotated[PageRequest, Depends(COLLECTIONS_CHECKS.query)], app: App
) -> Page[CollectionsCheckView]:
    return app.collections_checks(query)


@router.get("/collection-exceptions")
def list_collection_exceptions(
    _: Reader, query: Annotated[PageRequest, Depends(COLLECTION_EXCEPTIONS.query)], app: App
) -> Page[CollectionExceptionView]:
    """BI-07: ``status=open`` for the exceptions still to deal with."""
    return app.collection_exceptions(query)


@router.post("/collection-exceptions/{exception_id}/resolve")
async def resolve_collection_exception(
    context: Employee, exception_id: UUID, body: Resolve, app: App
) -> CollectionExceptionView:
    """BI-07: the exception's owner, or finance, resolves it."""
    exception = await app.perform(
        app.resolve_collection_exception, context, exception_id, body.resolution
    )
    return CollectionExceptionView.model_validate(exception)


# -- BI-17: cash handovers


class RecordCashHandover(BaseModel):
    giver_id: UserId
    receiver_id: UserId
    amount: Amount
    currency: CurrencyCode
    customer_id: UUID | None = None
    purpose: LongText


@router.post("/cash-handovers", status_code=201)
async def record_cash_handover(
    context: Employee, body: RecordCashHandover, app: App
) -> CashHandoverView:
    """BI-17: cash passed between two employees, for the giver and the receiver both to sign
    (``POST /cash-handovers/{id}/signatures``); signed once both did."""
    handover = await app.perform(
        app.record_cash_handover,
        context,
        body.giver_id,
        body.receiver_id,
        body.amount,
        body.currency,
        body.customer_id,
        body.purpose,
    )
    return CashHandoverView.model_validate(handover)


@router.get("/cash-handovers")
def list_cash_handovers(
    _: Reader, query: Annotated[PageRequest, Depends(CASH_HANDOVERS.query)], app: App
) -> Page[CashHandoverView]:
    return app.cash_handovers(query)


@router.get("/cash-handovers/{handover_id}")
def get_cash_handover(_: Reader, handover_id: UUID, app: App) -> CashHandoverView:
    return CashHandoverView.model_validate(app.cash_handover(handover_id))


# -- BI-06, BI-14: the instrument register


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
