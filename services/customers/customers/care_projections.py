"""Read tables of the customer cared for: how fresh each file is (CU-20), the visit plans and
visits (CU-18), the care plans (CU-25) and the trading history (CU-26)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import NAMESPACE_OID, UUID, uuid5

from pydantic import Field
from sqlalchemy import ColumnElement, Connection

from contracts.values import Name, UserId
from customers.domain.access import SensitiveRead
from customers.domain.care import CarePlan
from customers.domain.customer import FILE_REFRESH_INTERVAL_DAYS, Customer
from customers.domain.needs import CustomerNeeds
from customers.domain.trading import TradingHistory
from customers.domain.visits import Period, VisitPlan
from runtime.aggregate import Aggregate
from runtime.projections import Projection
from runtime.views import Money, ReadTable, View, identity

# -- CU-20: the file kept fresh


class FileFreshnessView(View):
    customer_id: UUID = identity("customer_id")
    legal_name: Name
    owner_id: UserId
    file_refreshed_at: datetime = Field(
        description="When sales last recorded or confirmed the file, else its registration"
    )
    refreshed_by: str | None = Field(max_length=64)


FILE_FRESHNESS = ReadTable(
    FileFreshnessView,
    "customer_file_freshness",
    sortable=("file_refreshed_at",),
    filters=("owner_id",),
)
file_freshness = Projection("customer_file_freshness", FILE_FRESHNESS.table)


@file_freshness.on(Customer.Registered)
def _registered(event: Customer.Registered, db: Connection) -> None:
    FILE_FRESHNESS.insert(db, event, file_refreshed_at=event.timestamp, refreshed_by=None)


@file_freshness.on(Customer.FileRecorded)
def _recorded(event: Customer.FileRecorded, db: Connection) -> None:
    FILE_FRESHNESS.update(
        db, event, file_refreshed_at=event.timestamp, refreshed_by=event.recorded_by
    )


@file_freshness.on(Customer.FileRefreshed)
def _refreshed(event: Customer.FileRefreshed, db: Connection) -> None:
    FILE_FRESHNESS.update(
        db, event, file_refreshed_at=event.timestamp, refreshed_by=event.refreshed_by
    )


@file_freshness.on(Customer.MasterDataChanged)
def _master_data_changed(event: Customer.MasterDataChanged, db: Connection) -> None:
    FILE_FRESHNESS.update(
        db,
        event,
        legal_name=event.legal_name,
        file_refreshed_at=event.timestamp,
        refreshed_by=event.applied_by,
    )


@file_freshness.on(Customer.OwnersAssigned)
def _owners(event: Customer.OwnersAssigned, db: Connection) -> None:
    FILE_FRESHNESS.update(db, event, owner_id=event.owner_id)


# -- CU-18: visit plans and visits


class VisitPlanView(View):
    plan_id: UUID = identity("plan_id")
    salesperson: UserId
    period: Period
    starts_on: date
    visits_planned: int
    visits_recorded: int
    key_visits_confirmed_by: str | None = Field(
        description="The sales manager who confirmed the week's key visits", max_length=64
    )
    version: int


VISIT_PLANS = ReadTable(
    VisitPlanView, "visit_plans", sortable=("starts_on",), filters=("salesperson", "period")
)


class VisitView(View):
    """CU-18: the target-customer sheet of one visit."""

    visit_id: UUID = identity("visit_id")
    plan_id: UUID
    customer_id: UUID
    visited_on: date
    facts: str
    recorded_by: UserId


VISITS = ReadTable(
    VisitView, "customer_visits", sortable=("visited_on",), filters=("customer_id", "recorded_by")
)
visits = Projection("visits", VISIT_PLANS.table, VISITS.table)


@visits.on(VisitPlan.Planned)
def _planned(event: VisitPlan.Planned, db: Connection) -> None:
    VISIT_PLANS.insert(
        db,
        event,
        visits_planned=len(event.visits),
        visits_recorded=0,
        key_visits_confirmed_by=None,
    )


@visits.on(VisitPlan.KeyVisitsConfirmed)
def _key_visits(event: VisitPlan.KeyVisitsConfirmed, db: Connection) -> None:
    VISIT_PLANS.update(db, event, key_visits_confirmed_by=event.confirmed_by)


@visits.on(VisitPlan.VisitRecorded)
def _visited(event: VisitPlan.VisitRecorded, db: Connection) -> None:
    VISIT_PLANS.update(db, event, visits_recorded=VISIT_PLANS.table.c.visits_recorded + 1)
    visit_id = uuid5(NAMESPACE_OID, f"visit:{event.originator_id}:{event.originator_version}")
    VISITS.insert(db, event, visit_id=visit_id, plan_id=event.originator_id)


# -- CU-25: care plans


class CarePlanView(View):
    care_plan_id: UUID = identity("care_plan_id")
    customer_id: UUID
    follow_up_every_days: int
    measures: str
    drawn_up_by: UserId
    starts_on: date
    next_follow_up_on: date = Field(description="Follow-ups are due from this day (CU-25)")
    follow_ups: int
    last_findings: str | None
    last_feedback: str | None
    version: int


CARE_PLANS = ReadTable(
    CarePlanView, "care_plans", sortable=("next_follow_up_on",), filters=("customer_id",)
)
care_plans = Projection("care_plans", CARE_PLANS.table)


@care_plans.on(CarePlan.DrawnUp)
def _drawn_up(event: CarePlan.DrawnUp, db: Connection) -> None:
    CARE_PLANS.insert(db, event, follow_ups=0, last_findings=None, last_feedback=None)


@care_plans.on(CarePlan.FollowUpRecorded)
def _followed_up(event: CarePlan.FollowUpRecorded, db: Connection) -> None:
    CARE_PLANS.update(
        db,
        event,
        follow_ups=CARE_PLANS.table.c.follow_ups + 1,
        last_findings=event.findings,
        last_feedback=event.feedback,
        next_follow_up_on=event.next_follow_up_on,
    )


# -- CU-26: the trading history


class TradingEntryView(View):
    """One document orders, billing or service-desk reported of the customer."""

    entry_id: UUID = identity("entry_id")
    customer_id: UUID
    kind: str = Field(
        description="shipment, delivery, contract, return, return_received, invoice, "
        "receipt_signed, payment, overdue, dishonoured, discrepancy, survey or complaint",
        max_length=20,
    )
    order_id: UUID | None
    document_id: UUID | None = Field(
        description="The invoice, contract, return, payment, receivable, instrument, statement, "
        "service call or complaint"
    )
    amount: Decimal | None = Field(max_digits=16, decimal_places=2)
    currency: str | None = Field(max_length=3)
    detail: str | None = Field(
        description="Days overdue; whether a discrepancy is explained, a survey or complaint "
        "dissatisfied; what a return's count found",
        max_length=200,
    )
    recorded_at: datetime


TRADING_ENTRIES = ReadTable(
    TradingEntryView,
    "trading_entries",
    sortable=("recorded_at",),
    filters=("customer_id", "kind", "order_id"),
)
trading_entries = Projection("trading_entries", TRADING_ENTRIES.table)


@trading_entries.on(TradingHistory.ShipmentRecorded)
def _shipment(event: TradingHistory.ShipmentRecorded, db: Connection) -> None:
    _entry(event, db, "shipment", event.order_id, None, event.amount, event.currency)


@trading_entries.on(TradingHistory.DeliveryRecorded)
def _delivery(event: TradingHistory.DeliveryRecorded, db: Connection) -> None:
    _entry(event, db, "delivery", event.order_id)


@trading_entries.on(TradingHistory.InvoiceRecorded)
def _invoice(event: TradingHistory.InvoiceRecorded, db: Connection) -> None:
    _entry(event, db, "invoice", event.order_id, event.invoice_id, event.amount, event.currency)


@trading_entries.on(TradingHistory.ContractRecorded)
def _contract(event: TradingHistory.ContractRecorded, db: Connection) -> None:
    _entry(event, db, "contract", None, event.contract_id, event.amount, event.currency)


@trading_entries.on(TradingHistory.ReturnRecorded)
def _return(event: TradingHistory.ReturnRecorded, db: Connection) -> None:
    _entry(event, db, "return", event.order_id, event.return_id, event.amount, event.currency)


@trading_entries.on(TradingHistory.ReturnReceived)
def _return_received(event: TradingHistory.ReturnReceived, db: Connection) -> None:
    detail = event.discrepancy[:200] or None
    _entry(event, db, "return_received", event.order_id, event.return_id, detail=detail)


@trading_entries.on(TradingHistory.ReceiptSignedRecorded)
def _receipt_signed(event: TradingHistory.ReceiptSignedRecorded, db: Connection) -> None:
    _entry(event, db, "receipt_signed", event.order_id, event.invoice_id)


@trading_entries.on(TradingHistory.PaymentRecorded)
def _payment(event: TradingHistory.PaymentRecorded, db: Connection) -> None:
    _entry(event, db, "payment", None, event.payment_id, event.amount, event.currency, event.method)


@trading_entries.on(TradingHistory.OverdueRecorded)
def _overdue(event: TradingHistory.OverdueRecorded, db: Connection) -> None:
    detail = f"{event.days_overdue} days overdue"
    _entry(event, db, "overdue", None, event.receivable_id, event.amount, event.currency, detail)


@trading_entries.on(TradingHistory.DishonourRecorded)
def _dishonoured(event: TradingHistory.DishonourRecorded, db: Connection) -> None:
    _entry(
        event,
        db,
        "dishonoured",
        None,
        event.instrument_id,
        event.amount,
        event.currency,
        event.instrument_type,
    )


@trading_entries.on(TradingHistory.DiscrepancyRecorded)
def _discrepancy(event: TradingHistory.DiscrepancyRecorded, db: Connection) -> None:
    difference = event.balance - event.customer_balance
    detail = "explained" if event.explained else "unexplained"
    _entry(event, db, "discrepancy", None, event.statement_id, difference, event.currency, detail)


@trading_entries.on(TradingHistory.SurveyRecorded)
def _survey(event: TradingHistory.SurveyRecorded, db: Connection) -> None:
    detail = "dissatisfied" if event.dissatisfied else "satisfied"
    _entry(event, db, "survey", None, event.call_id, detail=detail)


@trading_entries.on(TradingHistory.ComplaintRecorded)
def _complaint(event: TradingHistory.ComplaintRecorded, db: Connection) -> None:
    detail = f"{event.subject}, {'valid' if event.valid else 'not valid'}"
    _entry(event, db, "complaint", None, event.complaint_id, detail=detail)


def _entry(
    event: Aggregate.Event,
    db: Connection,
    kind: str,
    order_id: UUID | None,
    document_id: UUID | None = None,
    amount: Decimal | None = None,
    currency: str | None = None,
    detail: str | None = None,
) -> None:
    TRADING_ENTRIES.insert(
        db,
        event,
        entry_id=uuid5(NAMESPACE_OID, f"trading:{event.originator_id}:{event.originator_version}"),
        kind=kind,
        order_id=order_id,
        document_id=document_id,
        amount=amount,
        currency=currency,
        detail=detail,
        recorded_at=event.timestamp,
    )


class TradeView(View):
    contracts: int
    returns: int
    returned: dict[str, Money] = Field(description="Returned value per currency")


class PaymentRecordView(View):
    """CU-26: the payment record; with what went wrong, the credit review's inputs (CU-11)."""

    receipts_signed: int
    payments: int
    paid: dict[str, Money] = Field(description="Paid per currency")
    last_paid_at: datetime | None
    overdue: dict[str, int] = Field(description="Days overdue per receivable")
    dishonoured_instruments: int
    unexplained_discrepancies: int


class SatisfactionView(View):
    """CU-05: the satisfaction profile."""

    surveys: int
    dissatisfied_surveys: int = Field(description="Some item rated 1 or 2 of 4 (SD-31)")
    complaints: int
    valid_complaints: int


class CreditReviewFiguresView(View):
    """CU-11: billing's figures when the credit review fell due (confidential, CU-21)."""

    currency: str
    open_receivables: Money
    overdue_receivables: Money
    unbilled_shipments: Money
    reservations: Money
    as_of: datetime


class OpenPipelineView(View):
    """CU-11: orders' open pipeline when the credit review fell due (confidential, CU-21)."""

    currency: str
    open_orders: int
    open_orders_amount: Money
    open_quotes_amount: Money
    as_of: datetime


class TradingHistoryView(View):
    """CU-26: what the customer has traded, for the credit evaluation and the grade."""

    customer_id: UUID
    shipments: int
    deliveries: int
    invoices: int
    shipped: dict[str, Money] = Field(description="Shipped value per currency")
    invoiced: dict[str, Money] = Field(description="Invoiced value per currency")
    last_shipped_at: datetime | None
    last_delivered_at: datetime | None
    trade: TradeView
    payment_record: PaymentRecordView
    satisfaction: SatisfactionView
    credit_review_figures: CreditReviewFiguresView | None = Field(
        default=None,
        description="CU-11: billing's answer to the credit review falling due; "
        "shown to the confidential levels only (CU-21)",
    )
    open_pipeline: OpenPipelineView | None = Field(
        default=None,
        description="CU-11: orders' answer to the credit review falling due; "
        "shown to the confidential levels only (CU-21)",
    )


# -- CU-21: reads of the sensitive fields


class SensitiveReadView(View):
    read_id: UUID = identity("read_id")
    customer_id: UUID
    reader: UserId
    fields: list[str]
    read_at: datetime


SENSITIVE_READS = ReadTable(
    SensitiveReadView, "sensitive_reads", sortable=("read_at",), filters=("customer_id", "reader")
)
sensitive_read_log = Projection("sensitive_reads", SENSITIVE_READS.table)


@sensitive_read_log.on(SensitiveRead.Logged)
def _read(event: SensitiveRead.Logged, db: Connection) -> None:
    SENSITIVE_READS.insert(db, event, fields=list(event.fields), read_at=event.timestamp)


# -- CU-24: needs analysis and segmentation


class CustomerNeedsView(View):
    needs_id: UUID = identity("needs_id")
    customer_id: UUID
    segment: str | None = Field(max_length=200)
    service_focus: str | None
    needs: str | None
    analyses: int
    last_analysed_at: datetime | None


SEGMENTS = ReadTable(
    CustomerNeedsView,
    "customer_segments",
    sortable=("last_analysed_at",),
    filters=("segment", "customer_id"),
)
segments = Projection("customer_segments", SEGMENTS.table)


@segments.on(CustomerNeeds.Opened)
def _needs_opened(event: CustomerNeeds.Opened, db: Connection) -> None:
    SEGMENTS.insert(
        db,
        event,
        segment=None,
        service_focus=None,
        needs=None,
        analyses=0,
        last_analysed_at=None,
    )


@segments.on(CustomerNeeds.Analysed)
def _analysed(event: CustomerNeeds.Analysed, db: Connection) -> None:
    SEGMENTS.update(
        db,
        event,
        segment=event.segment,
        service_focus=event.service_focus,
        needs=event.needs,
        analyses=SEGMENTS.table.c.analyses + 1,
        last_analysed_at=event.timestamp,
    )


def file_stale(as_of: datetime) -> ColumnElement[bool]:
    """CU-20: the file was neither recorded nor confirmed for longer than the refresh interval."""
    stale_before = as_of - timedelta(days=FILE_REFRESH_INTERVAL_DAYS)
    return FILE_FRESHNESS.table.c.file_refreshed_at <= stale_before
