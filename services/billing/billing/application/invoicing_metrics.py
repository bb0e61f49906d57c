"""Billing's receivables dashboard (RULES.md §8, "Billing"): aging, overdue receivables, DSO,
invoices without a signed receipt and invoice requests by status, read from the read models when
Prometheus scrapes ``/metrics``. Catalogue: docs/metrics.md."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select, type_coerce

from billing.domain.aging import BUCKETS
from billing.domain.invoice_request import RequestStatus
from billing.invoicing_projections import (
    INVOICE_REQUESTS,
    RECEIVABLES,
    bucket_on,
    outstanding_on,
)
from runtime.figures import Figure

_receivables = RECEIVABLES.table.c
_money = _receivables.amount.type


def _today(app: Any, now: datetime) -> date:
    today: date = now.astimezone(app.calendar.zone).date()
    return today


def _aging(app: Any, now: datetime) -> Select[Any]:
    today = _today(app, now)
    bucket = bucket_on(today)
    owed = type_coerce(func.sum(outstanding_on(today)), _money)
    return select(bucket, owed).where(_receivables.issued_on <= today).group_by(bucket)


def _overdue(app: Any, now: datetime) -> Select[Any]:
    today = _today(app, now)
    late = (_receivables.settled.is_(False), _receivables.due_on < today)
    return select(type_coerce(func.sum(_receivables.outstanding), _money)).where(*late)


def _overdue_count(app: Any, now: datetime) -> Select[Any]:
    today = _today(app, now)
    late = (_receivables.settled.is_(False), _receivables.due_on < today)
    return select(func.count()).select_from(RECEIVABLES.table).where(*late)


def _dso(app: Any, now: datetime) -> Select[Any]:
    """Receivables divided by the credit sales of the period, times the period's days."""
    today = _today(app, now)
    days = app.rule_parameters().receivables.dso_period_days
    issued = _receivables.issued_on <= today
    owed = select(func.sum(outstanding_on(today))).where(issued).scalar_subquery()
    recent = _receivables.issued_on > today - timedelta(days=days)
    sales = select(func.sum(_receivables.amount)).where(issued, recent).scalar_subquery()
    return select(owed * days * 1.0 / func.nullif(sales, 0))


def _of_the_period(app: Any, now: datetime, amount: Any) -> Select[Any]:
    """``amount`` summed per salesperson (the account owner) over the receivables invoiced in
    the DSO period up to today."""
    today = _today(app, now)
    days = app.rule_parameters().receivables.dso_period_days
    invoiced = (
        _receivables.issued_on <= today,
        _receivables.issued_on > today - timedelta(days=days),
    )
    owner = func.coalesce(_receivables.account_owner_id, "")
    return select(owner, type_coerce(func.sum(amount), _money)).where(*invoiced).group_by(owner)


def _collected(app: Any, now: datetime) -> Select[Any]:
    return _of_the_period(app, now, _receivables.paid)


def _to_collect(app: Any, now: datetime) -> Select[Any]:
    # What was invoiced, less what was credited back or written off: nobody collects that.
    net = _receivables.amount - _receivables.credited - _receivables.written_off
    return _of_the_period(app, now, net)


def _without_receipt(app: Any, now: datetime) -> Select[Any]:
    unsigned = _receivables.receipt_signed.is_(False)
    return select(func.count()).select_from(RECEIVABLES.table).where(unsigned)


def _requests(app: Any, now: datetime) -> Select[Any]:
    status = INVOICE_REQUESTS.table.c.status
    return select(status, func.count()).group_by(status)


FIGURES = (
    Figure(
        "countersign_billing_receivables_aging",
        "Outstanding receivables by days past their due date: current, 1-30, 31-60, 61-90, "
        "over 90 (BI-13).",
        _aging,
        labels=("bucket",),
        known=tuple((bucket,) for bucket in BUCKETS),
        rule="BI-13",
    ),
    Figure(
        "countersign_billing_receivables_overdue_amount",
        "What is still owed on receivables past their due date (BI-11).",
        _overdue,
        rule="BI-11",
    ),
    Figure(
        "countersign_billing_receivables_overdue",
        "Receivables past their due date and not settled (BI-11).",
        _overdue_count,
        rule="BI-11",
    ),
    Figure(
        "countersign_billing_dso",
        "Days sales outstanding: receivables / credit sales of the DSO period x its days (BI-13).",
        _dso,
        rule="BI-13",
    ),
    Figure(
        "countersign_billing_collected_amount",
        "Money collected on the receivables invoiced in the DSO period, by salesperson (the "
        "account owner; empty: none); the collection rate is this / "
        "countersign_billing_collectable_amount (BI-09).",
        _collected,
        labels=("salesperson",),
        known=(("",),),
        rule="BI-09",
    ),
    Figure(
        "countersign_billing_collectable_amount",
        "What the receivables invoiced in the DSO period come to, less credit notes and "
        "write-offs, by salesperson (BI-09).",
        _to_collect,
        labels=("salesperson",),
        known=(("",),),
        rule="BI-09",
    ),
    Figure(
        "countersign_billing_invoices_without_signed_receipt",
        "Invoices the customer has not signed for yet (BI-01).",
        _without_receipt,
        rule="BI-01",
    ),
    Figure(
        "countersign_billing_invoice_requests",
        "Invoice requests by status; rejected ones are content errors (BI-01, BI-03).",
        _requests,
        labels=("status",),
        known=tuple((str(status),) for status in RequestStatus),
        rule="BI-01",
    ),
)
