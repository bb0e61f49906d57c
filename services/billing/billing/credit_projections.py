"""The customers' credit exposure (BI-11), one row per customer, kept by the ``exposures``
projection from the exposure aggregates' events: each reservation, unbilled shipment and open
receivable is an item row, and the customer's row sums them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import Field
from sqlalchemy import Connection, Select, delete, func, insert, select, update

from billing.domain.credit_exposure import CreditExposure
from runtime.figures import Figure
from runtime.projections import Projection
from runtime.views import Money, ReadTable, View, identity


class ItemKind(StrEnum):
    RESERVED = "reserved"
    UNBILLED = "unbilled"
    RECEIVABLE = "receivable"


class CreditItemView(View):
    item_id: UUID = identity("item_id", "The order (reserved, unbilled) or the invoice")
    customer_id: UUID
    kind: ItemKind
    amount: Money


class ExposureView(View):
    customer_id: UUID = identity("customer_id")
    exposure_id: UUID = Field(description="The customer's exposure: its audit trail's id")
    currency: str = Field(max_length=3)
    credit_limit: Money
    open_receivables: Money
    unbilled_shipments: Money
    reserved: Money = Field(description="Credit reserved for approved orders not shipped yet")
    exposure: Money = Field(description="Open receivables + unbilled shipments + reserved")
    available: Money = Field(description="The credit limit less the exposure")
    credit_hold: bool
    blacklisted: bool
    updated_at: datetime


CREDIT_ITEMS = ReadTable(
    CreditItemView, "credit_items", sortable=("amount",), filters=("customer_id", "kind")
)
EXPOSURES = ReadTable(
    ExposureView,
    "credit_exposures",
    sortable=("exposure", "available", "credit_limit", "updated_at"),
    filters=("credit_hold", "blacklisted", "currency", "exposure_id"),
)
exposures = Projection("exposures", CREDIT_ITEMS.table, EXPOSURES.table)

_ITEM_COLUMN = {
    ItemKind.RESERVED: "reserved",
    ItemKind.UNBILLED: "unbilled_shipments",
    ItemKind.RECEIVABLE: "open_receivables",
}


def _item(
    db: Connection, customer_id: UUID, item_id: UUID, kind: ItemKind | None, amount: Decimal
) -> None:
    items = CREDIT_ITEMS.table
    db.execute(delete(items).where(items.c.item_id == item_id))
    if kind is not None and amount > 0:
        db.execute(
            insert(items).values(item_id=item_id, customer_id=customer_id, kind=kind, amount=amount)
        )


def _customer(db: Connection, event: CreditExposure.Event) -> UUID:
    columns = EXPOSURES.table.c
    found = db.scalar(select(columns.customer_id).where(columns.exposure_id == event.originator_id))
    assert found is not None, "an exposure's event before its opening"
    return UUID(str(found))


def _refresh(db: Connection, event: CreditExposure.Event, **values: object) -> None:
    """The customer's row from its items, with ``values`` changed."""
    customer_id = _customer(db, event)
    items = CREDIT_ITEMS.table.c
    sums = dict.fromkeys(_ITEM_COLUMN.values(), Decimal(0))
    query = select(items.kind, items.amount).where(items.customer_id == customer_id)
    for kind, amount in db.execute(query):
        sums[_ITEM_COLUMN[ItemKind(kind)]] += amount
    row = EXPOSURES.get(db, customer_id)
    limit = values.get("credit_limit", row.credit_limit if row else Decimal(0))
    assert isinstance(limit, Decimal)
    exposure = sum(sums.values(), Decimal(0))
    table = EXPOSURES.table
    columns = {
        **sums,
        "exposure": exposure,
        "available": limit - exposure,
        "updated_at": event.timestamp,
        **values,
    }
    db.execute(update(table).where(table.c.customer_id == customer_id).values(**columns))


@exposures.on(CreditExposure.Opened)
def _opened(event: CreditExposure.Opened, db: Connection) -> None:
    zero = Decimal(0)
    EXPOSURES.insert(
        db,
        event,
        customer_id=event.customer_id,
        exposure_id=event.originator_id,
        currency="",
        credit_limit=zero,
        open_receivables=zero,
        unbilled_shipments=zero,
        reserved=zero,
        exposure=zero,
        available=zero,
        credit_hold=False,
        blacklisted=False,
        updated_at=event.timestamp,
    )


@exposures.on(CreditExposure.LimitChanged)
def _limit(event: CreditExposure.LimitChanged, db: Connection) -> None:
    _refresh(db, event, credit_limit=event.credit_limit, currency=event.currency)


@exposures.on(CreditExposure.StandingChanged)
def _standing(event: CreditExposure.StandingChanged, db: Connection) -> None:
    _refresh(db, event, credit_hold=event.credit_hold, blacklisted=event.blacklisted)


@exposures.on(CreditExposure.CreditReserved)
def _reserved(event: CreditExposure.CreditReserved, db: Connection) -> None:
    _item(db, _customer(db, event), event.order_id, ItemKind.RESERVED, event.amount)
    _refresh(db, event)


@exposures.on(CreditExposure.CreditDeclined)
def _declined(event: CreditExposure.CreditDeclined, db: Connection) -> None:
    # Whatever the reason, nothing is reserved for the order now.
    _item(db, _customer(db, event), event.order_id, None, Decimal(0))
    _refresh(db, event)


@exposures.on(CreditExposure.ReservationReleased)
def _released(event: CreditExposure.ReservationReleased, db: Connection) -> None:
    _item(db, _customer(db, event), event.order_id, None, Decimal(0))
    _refresh(db, event)


@exposures.on(CreditExposure.Shipped)
def _shipped(event: CreditExposure.Shipped, db: Connection) -> None:
    _item(db, _customer(db, event), event.order_id, ItemKind.UNBILLED, event.amount)
    _refresh(db, event)


@exposures.on(CreditExposure.Invoiced)
def _invoiced(event: CreditExposure.Invoiced, db: Connection) -> None:
    _item(db, _customer(db, event), event.order_id, None, Decimal(0))
    _item(db, _customer(db, event), event.invoice_id, ItemKind.RECEIVABLE, event.amount)
    _refresh(db, event)


@exposures.on(CreditExposure.Paid)
def _paid(event: CreditExposure.Paid, db: Connection) -> None:
    items = CREDIT_ITEMS.table.c
    owed = db.scalar(select(items.amount).where(items.item_id == event.invoice_id))
    left = (owed or Decimal(0)) - event.amount
    _item(db, _customer(db, event), event.invoice_id, ItemKind.RECEIVABLE, left)
    _refresh(db, event)


@exposures.on(CreditExposure.ExposureChanged)
def _changed(event: CreditExposure.ExposureChanged, db: Connection) -> None:
    _refresh(db, event)


# -- RULES.md §8 "Billing": credit utilisation, from the exposures table

_exposures = EXPOSURES.table.c


def _by_currency(*values: Any) -> Select[Any]:
    return select(_exposures.currency, *values).group_by(_exposures.currency)


def _exposure_total(app: Any, now: datetime) -> Select[Any]:
    return _by_currency(func.sum(_exposures.exposure))


def _limits_total(app: Any, now: datetime) -> Select[Any]:
    return _by_currency(func.sum(_exposures.credit_limit))


def _over_limit(app: Any, now: datetime) -> Select[Any]:
    over = _exposures.exposure > _exposures.credit_limit
    return select(func.count()).select_from(EXPOSURES.table).where(over)


def _without_limit(app: Any, now: datetime) -> Select[Any]:
    trading = (_exposures.credit_limit <= Decimal(0), _exposures.exposure > Decimal(0))
    return select(func.count()).select_from(EXPOSURES.table).where(*trading)


CREDIT_FIGURES = (
    Figure(
        "countersign_billing_credit_exposure",
        "Customers' credit exposure (open receivables + unbilled shipments + reserved), by "
        "currency; utilisation is this over countersign_billing_credit_limits.",
        _exposure_total,
        labels=("currency",),
        rule="BI-11",
    ),
    Figure(
        "countersign_billing_credit_limits",
        "The credit limits customers approved, by currency.",
        _limits_total,
        labels=("currency",),
        rule="BI-11",
    ),
    Figure(
        "countersign_billing_customers_over_limit",
        "Customers whose exposure exceeds their limit (approved over-credit sales).",
        _over_limit,
        rule="OR-18",
    ),
    Figure(
        "countersign_billing_customers_without_limit_with_exposure",
        "Customers with no credit limit who nevertheless owe or have goods reserved or shipped "
        "unbilled: trading on credit without a limit; should be 0.",
        _without_limit,
        rule="CU-07",
    ),
)
