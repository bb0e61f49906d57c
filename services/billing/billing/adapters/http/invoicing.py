"""HTTP commands and queries of invoicing (BI-01…BI-03, BI-05, BI-09, BI-13, BI-19): invoice
requests and their review (document routes), issuing, dispatching, the customer's signature on the
receipt (signing routes), payments, receivables, aging and DSO."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from billing.application import BillingApplication
from billing.domain.aging import BUCKETS
from billing.domain.invoice_request import InvoiceLine
from billing.invoicing_projections import (
    INVOICE_REQUESTS,
    RECEIVABLES,
    Aging,
    CreditNoteView,
    InvoiceDetail,
    InvoiceRequestDetail,
    InvoiceRequestView,
    ReceivableView,
)
from contracts.values import (
    Amount,
    Code,
    CurrencyCode,
    Instant,
    Price,
    Quantity,
    ShortText,
    UserId,
)
from kernel.approvals.http import document_routes
from kernel.roles import EMPLOYEES, SALES, Role
from kernel.signing.http import signing_routes
from runtime.auth import Principal, acting_as, requires
from runtime.http import application_of
from runtime.unit_of_work import CommandContext
from runtime.views import Money, Page, PageRequest

router = APIRouter(tags=["invoicing"])
request_approvals = document_routes("/invoice-requests", "invoicing")
invoice_documents = document_routes("/invoices", "invoicing")
invoice_signing = signing_routes("/invoices", "invoicing")
credit_note_approvals = document_routes("/credit-notes", "invoicing")

App = Annotated[BillingApplication, Depends(application_of(BillingApplication))]
Sales = Annotated[CommandContext, Depends(acting_as(*SALES))]
Dispatcher = Annotated[
    CommandContext, Depends(acting_as(Role.SALES_CLERK, Role.FINANCE, Role.ACCOUNTANT))
]
Employee = Annotated[CommandContext, Depends(acting_as(*EMPLOYEES))]
Reader = Annotated[
    Principal,
    Depends(
        requires(
            Role.FINANCE,
            Role.ACCOUNTANT,
            Role.SALES_MANAGER,
            Role.SALES_CLERK,
            Role.SALESPERSON,
            Role.LEADERSHIP_GM,
            Role.LEADERSHIP_DGM,
        )
    ),
]


# -- BI-01, BI-03: the request


class InvoiceLineEntry(BaseModel):
    product_code: Code
    quantity: Quantity
    unit_price: Price


class SubmitInvoiceRequest(BaseModel):
    lines: list[InvoiceLineEntry] = Field(min_length=1, max_length=200)


@router.get("/invoice-requests")
def list_invoice_requests(
    _: Reader, query: Annotated[PageRequest, Depends(INVOICE_REQUESTS.query)], app: App
) -> Page[InvoiceRequestView]:
    """Invoice requests, oldest first: the drafts opened by confirmed deliveries among them."""
    return app.invoice_requests(query)


@router.get("/invoice-requests/{request_id}")
def get_invoice_request(_: Reader, request_id: UUID, app: App) -> InvoiceRequestDetail:
    return InvoiceRequestDetail.model_validate(app.invoice_request(request_id))


@router.post("/invoice-requests/{request_id}/submit")
async def submit_invoice_request(
    context: Sales, request_id: UUID, body: SubmitInvoiceRequest, app: App
) -> InvoiceRequestDetail:
    """The order's salesperson submits the lines to invoice, which must match the confirmed
    delivery (BI-03), for the sales department's review and finance (BI-01)."""
    lines = tuple(InvoiceLine(e.product_code, e.quantity, e.unit_price) for e in body.lines)
    request = await app.perform(app.submit_invoice_request, context, request_id, lines)
    return InvoiceRequestDetail.model_validate(request)


class IssueInvoice(BaseModel):
    number: Code = Field(description="The invoice's number (发票号)")


@router.post("/invoice-requests/{request_id}/issue", status_code=201)
async def issue_invoice(
    context: Employee, request_id: UUID, body: IssueInvoice, app: App
) -> InvoiceDetail:
    """Finance issues the invoice of a reviewed request, never a salesperson (BI-15); its
    receivable falls due by the contract's payment terms (BI-01, BI-19)."""
    invoice = await app.perform(app.issue_invoice, context, request_id, body.number)
    return InvoiceDetail.model_validate(invoice)


# -- BI-02: dispatched and registered


class DispatchInvoice(BaseModel):
    register_number: Code = Field(description="The entry in the invoice register (登记)")


@router.post("/invoices/{invoice_id}/dispatch")
async def dispatch_invoice(
    context: Dispatcher, invoice_id: UUID, body: DispatchInvoice, app: App
) -> InvoiceDetail:
    """The invoice goes to the customer and into the register; the customer then signs for it
    through the signing routes (BI-01, BI-02)."""
    invoice = await app.perform(app.dispatch_invoice, context, invoice_id, body.register_number)
    return InvoiceDetail.model_validate(invoice)


# -- BI-18: red-letter invoices


@router.get("/credit-notes/{credit_note_id}")
def get_credit_note(_: Reader, credit_note_id: UUID, app: App) -> CreditNoteView:
    return CreditNoteView.model_validate(app.credit_note(credit_note_id))


@router.post("/credit-notes/{credit_note_id}/issue")
async def issue_credit_note(
    context: Employee, credit_note_id: UUID, body: IssueInvoice, app: App
) -> CreditNoteView:
    """Finance issues the red-letter invoice the sales manager and finance approved; the original
    invoice's receivable falls by its amount (BI-18)."""
    note = await app.perform(app.issue_credit_note, context, credit_note_id, body.number)
    return CreditNoteView.model_validate(note)


# -- BI-05, BI-09: payments


class AppliedPart(BaseModel):
    invoice_id: UUID
    amount: Amount


class RecordPayment(BaseModel):
    customer_id: UUID
    amount: Amount
    currency: CurrencyCode
    method: Literal["bank_transfer", "cheque", "acceptance_bill", "bank_draft", "cash"]
    bank_ref: ShortText = ""
    received_at: Instant
    applied_to: list[AppliedPart] = Field(min_length=1, max_length=200)


class PaymentView(BaseModel):
    payment_id: UUID
    customer_id: UUID
    amount: Money
    currency: str
    method: str
    applied_to: list[UUID]
    recorded_by: str


@router.post("/payments", status_code=201)
async def record_payment(context: Employee, body: RecordPayment, app: App) -> PaymentView:
    """Finance records a payment received into the company's account and applies it in full to
    the customer's invoices (BI-09); nobody else records money (BI-05)."""
    parts: dict[UUID, Decimal] = {}
    for part in body.applied_to:
        parts[part.invoice_id] = parts.get(part.invoice_id, Decimal(0)) + part.amount
    payment = await app.perform(
        app.record_payment,
        context,
        body.customer_id,
        body.amount,
        body.currency,
        body.method,
        body.bank_ref,
        body.received_at,
        parts,
    )
    return PaymentView(
        payment_id=payment.id,
        customer_id=payment.customer_id,
        amount=payment.amount,
        currency=payment.currency,
        method=payment.method,
        applied_to=list(payment.applied_to),
        recorded_by=payment.recorded_by,
    )


# -- BI-13, BI-19: receivables, aging, DSO


class AgingView(BaseModel):
    as_of: date
    buckets: dict[str, Money] = Field(description=f"Outstanding by days past due: {BUCKETS}")
    receivables: Money
    credit_sales: Money = Field(description="Invoiced in the DSO period up to as_of")
    period_days: int
    dso: Decimal | None = Field(description="Receivables divided by credit sales times period days")

    @classmethod
    def of(cls, found: Aging) -> AgingView:
        return cls(
            as_of=found.as_of,
            buckets=found.buckets,
            receivables=found.receivables,
            credit_sales=found.credit_sales,
            period_days=found.period_days,
            dso=found.dso,
        )


@router.get("/receivables")
def list_receivables(
    _: Reader, query: Annotated[PageRequest, Depends(RECEIVABLES.query)], app: App
) -> Page[ReceivableView]:
    """Receivables by due date: one per invoice, with what was paid (BI-09, BI-19)."""
    return app.receivables(query)


@router.get("/receivables/aging")
def receivables_aging(
    _: Reader,
    app: App,
    as_of: Annotated[date, Query(ge=date(2000, 1, 1), le=date(2099, 12, 31))],
    customer_id: UUID | None = None,
    salesperson_id: UserId | None = None,
) -> AgingView:
    """Aging (current, 1-30, 31-60, 61-90, over 90 days past due) and DSO as of a day
    (BI-13, RULES §8)."""
    return AgingView.of(app.aging(as_of, customer_id, salesperson_id))


@router.get("/receivables/{invoice_id}")
def get_receivable(_: Reader, invoice_id: UUID, app: App) -> InvoiceDetail:
    return InvoiceDetail.model_validate(app.invoice(invoice_id))
