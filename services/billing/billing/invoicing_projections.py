"""Read tables of invoicing (BI-01, BI-09, BI-13, BI-19): the invoice requests, the receivables
with what was paid on them, and each payment's part of an invoice, from which aging and DSO are
read as of any day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_OID, UUID, uuid5

from pydantic import AliasChoices, Field
from sqlalchemy import ColumnElement, Connection, and_, case, func, or_, select, type_coerce

from billing.domain.aging import (
    AGING_BUCKETS,
    BUCKETS,
    OLDEST_BUCKET,
    days_sales_outstanding,
)
from billing.domain.credit_note import CreditNoteStatus
from billing.domain.invoice import Invoice
from billing.domain.invoice_request import InvoiceRequest, RequestSource, RequestStatus
from contracts.values import Code, UserId
from runtime.projections import Projection
from runtime.views import Money, ReadTable, View, identity

# -- BI-01: the invoice requests


class InvoiceRequestView(View):
    request_id: UUID = identity("request_id")
    source: RequestSource
    order_id: UUID
    customer_id: UUID
    salesperson_id: str | None = Field(
        description="The order's salesperson, who raises it", max_length=64
    )
    currency: str = Field(max_length=3)
    amount: Money
    status: RequestStatus
    opened_at: datetime = Field(validation_alias=AliasChoices("opened_at", "created_on"))
    invoice_id: UUID | None
    call_id: UUID | None = Field(description="BI-16: the service call a service job's bills")


class InvoiceLineView(View):
    product_code: Code
    quantity: int
    unit_price: Money


class InvoiceRequestDetail(InvoiceRequestView):
    delivered: list[InvoiceLineView] = Field(description="What the customer confirmed (OR-22)")
    lines: list[InvoiceLineView] = Field(description="What the salesperson asks to invoice")
    submitted_by: UserId | None
    reviewed_by: UserId | None
    rejection: str | None


INVOICE_REQUESTS = ReadTable(
    InvoiceRequestView,
    "invoice_requests",
    sortable=("opened_at", "amount"),
    filters=("customer_id", "order_id", "salesperson_id", "status"),
)
invoice_requests = Projection("invoice_requests", INVOICE_REQUESTS.table)


@invoice_requests.on(InvoiceRequest.Opened)
def _opened(event: InvoiceRequest.Opened, db: Connection) -> None:
    INVOICE_REQUESTS.insert(
        db,
        event,
        amount=sum((line.amount for line in event.delivered), Decimal(0)),
        status=RequestStatus.DRAFT,
        opened_at=event.timestamp,
        invoice_id=None,
    )


@invoice_requests.on(InvoiceRequest.Submitted)
def _submitted(event: InvoiceRequest.Submitted, db: Connection) -> None:
    amount = sum((line.amount for line in event.lines), Decimal(0))
    INVOICE_REQUESTS.update(db, event, status=RequestStatus.SUBMITTED, amount=amount)


@invoice_requests.on(InvoiceRequest.Reviewed)
def _reviewed(event: InvoiceRequest.Reviewed, db: Connection) -> None:
    INVOICE_REQUESTS.update(db, event, status=RequestStatus.APPROVED)


@invoice_requests.on(InvoiceRequest.Rejected)
def _rejected(event: InvoiceRequest.Rejected, db: Connection) -> None:
    INVOICE_REQUESTS.update(db, event, status=RequestStatus.REJECTED)


@invoice_requests.on(InvoiceRequest.Invoiced)
def _invoiced(event: InvoiceRequest.Invoiced, db: Connection) -> None:
    INVOICE_REQUESTS.update(db, event, status=RequestStatus.INVOICED, invoice_id=event.invoice_id)


@invoice_requests.on(InvoiceRequest.Reassigned)
def _request_reassigned(event: InvoiceRequest.Reassigned, db: Connection) -> None:
    INVOICE_REQUESTS.update(db, event, salesperson_id=event.salesperson_id)


def open_requests_of(db: Connection, customer_id: UUID) -> list[UUID]:
    """CU-22: the customer's invoice requests not yet submitted."""
    columns = INVOICE_REQUESTS.table.c
    unsubmitted = columns.status.in_((RequestStatus.DRAFT, RequestStatus.REJECTED))
    query = select(columns.request_id).where(columns.customer_id == customer_id, unsubmitted)
    return list(db.scalars(query))


# -- BI-19, BI-09: the receivables


class ReceivableView(View):
    invoice_id: UUID = identity("invoice_id")
    order_id: UUID
    customer_id: UUID
    account_owner_id: str | None = Field(max_length=64)
    number: str | None = Field(max_length=64)
    amount: Money
    paid: Money
    credited: Money = Field(description="BI-18: reversed by red-letter invoices")
    written_off: Money = Field(description="BI-12: written off as a bad debt after review")
    outstanding: Money
    currency: str = Field(max_length=3)
    issued_on: date
    due_on: date | None = Field(description="BI-19: from the contract's payment terms")
    settled: bool = Field(
        description="BI-09: nothing left to collect: paid, credited or written off"
    )
    receipt_signed: bool = Field(description="BI-01: the customer signed for the invoice")
    overdue_reported: bool = Field(description="BI-11: ReceivableOverdue raised")


RECEIVABLES = ReadTable(
    ReceivableView,
    "receivables",
    sortable=("due_on", "issued_on", "outstanding"),
    filters=("customer_id", "order_id", "account_owner_id", "settled", "overdue_reported"),
)


class PaymentPartView(View):
    """What a payment (BI-09), a credit note (BI-18) or a bad-debt write-off (BI-12;
    ``payment_id`` is the note's or the bad debt's) took off one invoice, and when: the
    outstanding balance as of any day."""

    part_id: UUID = identity("part_id")
    payment_id: UUID
    invoice_id: UUID
    paid: Money
    paid_on: date


PAYMENT_PARTS = ReadTable(
    PaymentPartView, "payment_parts", sortable=("paid_on",), filters=("invoice_id",)
)
receivables = Projection("receivables", RECEIVABLES.table, PAYMENT_PARTS.table)


@receivables.on(Invoice.Issued)
def _issued(event: Invoice.Issued, db: Connection) -> None:
    RECEIVABLES.insert(
        db,
        event,
        paid=Decimal(0),
        credited=Decimal(0),
        written_off=Decimal(0),
        outstanding=event.amount,
        issued_on=event.issued_on or event.timestamp.date(),
        settled=False,
        receipt_signed=False,
        overdue_reported=False,
    )


@receivables.on(Invoice.Reassigned)
def _reassigned(event: Invoice.Reassigned, db: Connection) -> None:
    RECEIVABLES.update(db, event, account_owner_id=event.account_owner_id)


@receivables.on(Invoice.ReceiptSigned)
def _receipt_signed(event: Invoice.ReceiptSigned, db: Connection) -> None:
    RECEIVABLES.update(db, event, receipt_signed=True)


@receivables.on(Invoice.Overdue)
def _overdue(event: Invoice.Overdue, db: Connection) -> None:
    RECEIVABLES.update(db, event, overdue_reported=True)


_TAKEN_OFF = ("paid", "credited", "written_off")


def _settle(
    db: Connection,
    event: Any,
    document_id: UUID,
    column: str,
    taken_off: Decimal,
    on: date | None = None,
) -> None:
    """A payment (``paid``), a credit note (``credited``) or a bad-debt write-off
    (``written_off``) took ``taken_off`` off the invoice of ``event``."""
    columns = RECEIVABLES.table.c
    row = db.execute(
        select(columns.amount, *(columns[name] for name in _TAKEN_OFF)).where(
            columns.invoice_id == event.originator_id
        )
    ).one()
    totals = {name: getattr(row, name) for name in _TAKEN_OFF}
    totals[column] += taken_off
    outstanding = row.amount - sum(totals.values(), Decimal(0))
    RECEIVABLES.update(db, event, **totals, outstanding=outstanding, settled=outstanding <= 0)
    PAYMENT_PARTS.insert(
        db,
        event,
        part_id=uuid5(NAMESPACE_OID, f"{event.originator_id}:{event.originator_version}"),
        payment_id=document_id,
        invoice_id=event.originator_id,
        paid=taken_off,
        paid_on=on or event.timestamp.date(),
    )


@receivables.on(Invoice.PaymentApplied)
def _payment_applied(event: Invoice.PaymentApplied, db: Connection) -> None:
    _settle(db, event, event.payment_id, "paid", event.paid, event.paid_on)


@receivables.on(Invoice.Credited)
def _credited(event: Invoice.Credited, db: Connection) -> None:
    _settle(db, event, event.credit_note_id, "credited", event.credited)


@receivables.on(Invoice.WrittenOff)
def _written_off(event: Invoice.WrittenOff, db: Connection) -> None:
    _settle(db, event, event.bad_debt_id, "written_off", event.written_off)


def receivables_of(db: Connection, customer_id: UUID) -> list[UUID]:
    """CU-22: the customer's open receivables."""
    columns = RECEIVABLES.table.c
    query = select(columns.invoice_id).where(
        columns.customer_id == customer_id, columns.settled.is_(False)
    )
    return list(db.scalars(query))


def overdue_of(db: Connection, customer_id: UUID, today: date) -> Decimal:
    """CU-11: what the customer still owes on receivables past their due date."""
    columns = RECEIVABLES.table.c
    query = select(func.coalesce(func.sum(columns.outstanding), 0)).where(
        columns.customer_id == customer_id,
        columns.settled.is_(False),
        columns.due_on < today,
    )
    return Decimal(db.execute(query).scalar_one())


def overdue_to_report(db: Connection, today: date, threshold: int) -> list[UUID]:
    """BI-11: open receivables more than ``threshold`` days past due, not reported yet."""
    columns = RECEIVABLES.table.c
    query = select(columns.invoice_id).where(
        columns.settled.is_(False),
        columns.overdue_reported.is_(False),
        columns.due_on < today - timedelta(days=threshold),
    )
    return list(db.scalars(query))


# -- BI-13, §8: aging and DSO as of a day


def outstanding_on(as_of: date) -> ColumnElement[Decimal]:
    """What each receivable still owed at the end of ``as_of``."""
    parts = PAYMENT_PARTS.table.c
    paid = (
        select(func.coalesce(func.sum(parts.paid), 0))
        .where(parts.invoice_id == RECEIVABLES.table.c.invoice_id, parts.paid_on <= as_of)
        .scalar_subquery()
    )
    return RECEIVABLES.table.c.amount - paid


def bucket_on(as_of: date, due: ColumnElement[date] | None = None) -> ColumnElement[str]:
    """Its aging bucket on ``as_of``: days past its due date (none due yet is current); the
    due date a receivable's, else ``due`` (a supplier's, BI-26)."""
    due = RECEIVABLES.table.c.due_on if due is None else due
    # The buckets of billing.domain.aging, the analysts' replay's too: due at most ``most``
    # days before ``as_of``.
    (current, _), *older = AGING_BUCKETS
    return case(
        (or_(due.is_(None), due >= as_of), current),
        *((due >= as_of - timedelta(days=most), name) for name, most in older),
        else_=OLDEST_BUCKET,
    )


@dataclass(frozen=True)
class Aging:
    as_of: date
    buckets: dict[str, Decimal]
    receivables: Decimal
    credit_sales: Decimal
    period_days: int

    @property
    def dso(self) -> Decimal | None:
        """Days sales outstanding: receivables / credit sales of the period x its days."""
        return days_sales_outstanding(self.receivables, self.credit_sales, self.period_days)


def aging(
    db: Connection,
    as_of: date,
    period_days: int,
    customer_id: UUID | None = None,
    salesperson_id: str | None = None,
) -> Aging:
    """Of one customer's, or one salesperson's (the account owner's), receivables if given."""
    columns = RECEIVABLES.table.c
    issued = [columns.issued_on <= as_of]
    if customer_id is not None:
        issued.append(columns.customer_id == customer_id)
    if salesperson_id is not None:
        issued.append(columns.account_owner_id == salesperson_id)
    owed = outstanding_on(as_of)
    bucket = bucket_on(as_of)
    money = columns.amount.type  # sums of amounts read back as amounts, not their cents
    rows = db.execute(
        select(bucket, type_coerce(func.sum(owed), money)).where(*issued).group_by(bucket)
    ).all()
    buckets = dict.fromkeys(BUCKETS, Decimal(0))
    for name, amount in rows:
        buckets[name] = Decimal(amount or 0)
    since = as_of - timedelta(days=period_days)
    sales = db.execute(
        select(type_coerce(func.coalesce(func.sum(columns.amount), 0), money)).where(
            and_(*issued, columns.issued_on > since)
        )
    ).scalar_one()
    return Aging(as_of, buckets, sum(buckets.values(), Decimal(0)), Decimal(sales), period_days)


class InvoiceDetail(View):
    """One invoice and its receivable, read from its events (never stale)."""

    invoice_id: UUID = identity("invoice_id")
    order_id: UUID
    customer_id: UUID
    request_id: UUID | None
    call_id: UUID | None = Field(description="BI-16: the service call a service job's bills")
    number: str | None = Field(max_length=64)
    amount: Money
    paid: Money
    credited: Money = Field(description="BI-18: reversed by red-letter invoices")
    written_off: Money = Field(description="BI-12: written off as a bad debt after review")
    outstanding: Money
    currency: str = Field(max_length=3)
    status: str = Field(description="issued, awaiting_customer_signature, delivered (BI-01)")
    settled: bool = Field(
        description="BI-09: nothing left to collect: paid, credited or written off"
    )
    register_number: str | None = Field(description="BI-02: the invoice register's entry")
    due_on: date | None = Field(description="BI-19: from the contract's payment terms")
    payment_terms_days: int | None = None
    account_owner_id: UserId | None
    issued_by: UserId | None


class CreditNoteView(View):
    """A red-letter invoice (BI-18), read from its events."""

    credit_note_id: UUID = identity("credit_note_id")
    return_id: UUID
    order_id: UUID
    customer_id: UUID
    original_invoice_id: UUID
    amount: Money
    currency: str = Field(max_length=3)
    lines: list[InvoiceLineView]
    status: CreditNoteStatus
    number: str | None = Field(max_length=64)
