"""Read tables of the service ledger (SD-46, BI-26): the accounting entries billing booked from
service-desk's events, each with its source, by kind and month; and the receivables from
suppliers, listed and aged like the customers' but apart from them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from pydantic import AliasChoices, Field
from sqlalchemy import Connection, func, select, type_coerce

from billing.domain.aging import BUCKETS
from billing.domain.ledger import EntryKind, LedgerEntry
from billing.domain.supplier_receivable import SupplierReceivable
from billing.invoicing_projections import Aging, bucket_on
from runtime.projections import Projection
from runtime.views import Money, ReadTable, View, identity


class LedgerEntryView(View):
    entry_id: UUID = identity("entry_id")
    kind: EntryKind
    amount: Money
    currency: str = Field(max_length=3)
    source_event: str = Field(
        description="SD-46: the public event it was booked from (none for an adjustment)",
        max_length=100,
    )
    source_id: UUID = Field(description="What the source event is about")
    reference: str | None = Field(
        description="A receipt number, a part number, an adjustment's reason", max_length=200
    )
    call_id: UUID | None
    customer_id: UUID | None
    supplier: str | None = Field(max_length=200)
    booked_on: date
    month: str = Field(description="The month it is booked in, YYYY-MM", max_length=7)
    booked_by: str = Field(max_length=64)
    booked_at: datetime = Field(validation_alias=AliasChoices("booked_at", "created_on"))


LEDGER = ReadTable(
    LedgerEntryView,
    "ledger_entries",
    sortable=("booked_at", "amount"),
    filters=("kind", "month", "call_id", "source_event", "supplier"),
)


class SupplierReceivableView(View):
    receivable_id: UUID = identity("receivable_id")
    claim_id: UUID
    supplier: str = Field(max_length=200)
    amount: Money
    collected: Money
    outstanding: Money
    currency: str = Field(max_length=3)
    filed_on: date
    due_on: date | None = Field(description="BI-26: by the default payment terms")
    settled: bool = Field(description="Nothing left to collect")
    over_settlement: Decimal | None = Field(
        description="BI-26: a settlement beyond what was owed, flagged and not collected",
        max_digits=16,
        decimal_places=2,
    )


SUPPLIER_RECEIVABLES = ReadTable(
    SupplierReceivableView,
    "supplier_receivables",
    sortable=("due_on", "filed_on", "outstanding"),
    filters=("supplier", "settled", "claim_id"),
)
ledger = Projection("ledger", LEDGER.table, SUPPLIER_RECEIVABLES.table)


@ledger.on(LedgerEntry.Booked)
def _booked(event: LedgerEntry.Booked, db: Connection) -> None:
    LEDGER.insert(db, event, month=event.booked_on.strftime("%Y-%m"), booked_at=event.timestamp)


@ledger.on(SupplierReceivable.Filed)
def _filed(event: SupplierReceivable.Filed, db: Connection) -> None:
    SUPPLIER_RECEIVABLES.insert(
        db,
        event,
        collected=Decimal(0),
        outstanding=event.amount,
        settled=False,
        over_settlement=None,
    )


@ledger.on(SupplierReceivable.Collected)
def _collected(event: SupplierReceivable.Collected, db: Connection) -> None:
    columns = SUPPLIER_RECEIVABLES.table.c
    amount = db.execute(
        select(columns.amount).where(columns.receivable_id == event.originator_id)
    ).scalar_one()
    outstanding = amount - event.collected
    SUPPLIER_RECEIVABLES.update(
        db, event, collected=event.collected, outstanding=outstanding, settled=outstanding <= 0
    )


@ledger.on(SupplierReceivable.OverSettlementFlagged)
def _over_settled(event: SupplierReceivable.OverSettlementFlagged, db: Connection) -> None:
    SUPPLIER_RECEIVABLES.update(db, event, over_settlement=event.settled)


def supplier_aging(db: Connection, as_of: date, period_days: int) -> Aging:
    """BI-26: what suppliers still owe on their claims filed by ``as_of``, by days past due,
    as the customers' aging buckets it (BI-13); claims filed in the period count as its sales."""
    columns = SUPPLIER_RECEIVABLES.table.c
    money = columns.amount.type  # sums of amounts read back as amounts, not their cents
    bucket = bucket_on(as_of, columns.due_on)
    filed = columns.filed_on <= as_of
    rows = db.execute(
        select(bucket, type_coerce(func.sum(columns.outstanding), money))
        .where(filed)
        .group_by(bucket)
    ).all()
    buckets = dict.fromkeys(BUCKETS, Decimal(0))
    for name, amount in rows:
        buckets[name] = Decimal(amount or 0)
    since = date.fromordinal(as_of.toordinal() - period_days)
    claimed = db.execute(
        select(type_coerce(func.coalesce(func.sum(columns.amount), 0), money)).where(
            filed, columns.filed_on > since
        )
    ).scalar_one()
    return Aging(as_of, buckets, sum(buckets.values(), Decimal(0)), Decimal(claimed), period_days)
