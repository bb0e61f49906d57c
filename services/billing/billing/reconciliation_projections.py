"""Read tables of the June and December reconciliation (BI-08): one row per statement, from issued
to confirmed by the customer or found to differ, and reported; and the customers' balances at a
period's end, read from the receivables, for the statements not issued yet."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from pydantic import AliasChoices, Field
from sqlalchemy import Connection, and_, func, select, type_coerce

from billing.domain.reconciliation import Period, ReconciliationStatement, StatementStatus
from billing.invoicing_projections import RECEIVABLES, outstanding_on
from runtime.projections import Projection
from runtime.views import Money, ReadTable, View, identity


class ReconciliationView(View):
    statement_id: UUID = identity("statement_id")
    customer_id: UUID
    year: int
    period: Period
    as_of: date = Field(description="The period's last day: the balance is the ledger's then")
    balance: Money
    currency: str = Field(max_length=3)
    account_owner_id: str | None = Field(
        description="The salesperson who reconciles with the customer", max_length=64
    )
    status: StatementStatus
    customer_balance: Decimal | None = Field(
        description="What the customer's books show", max_digits=16, decimal_places=2
    )
    explained: bool | None = Field(description="Whether the discrepancy is accounted for")
    reported: bool = Field(description="Reported to the sales manager and finance")
    issued_at: datetime = Field(validation_alias=AliasChoices("issued_at", "created_on"))


RECONCILIATIONS = ReadTable(
    ReconciliationView,
    "reconciliations",
    sortable=("issued_at", "balance"),
    filters=("customer_id", "year", "period", "status", "reported", "account_owner_id"),
)
reconciliations = Projection("reconciliations", RECONCILIATIONS.table)


@reconciliations.on(ReconciliationStatement.Issued)
def _issued(event: ReconciliationStatement.Issued, db: Connection) -> None:
    RECONCILIATIONS.insert(
        db,
        event,
        status=StatementStatus.ISSUED,
        customer_balance=None,
        explained=None,
        reported=False,
        issued_at=event.timestamp,
    )


@reconciliations.on(ReconciliationStatement.Confirmed)
def _confirmed(event: ReconciliationStatement.Confirmed, db: Connection) -> None:
    RECONCILIATIONS.update(db, event, status=StatementStatus.CONFIRMED)


@reconciliations.on(ReconciliationStatement.DiscrepancyFound)
def _discrepancy(event: ReconciliationStatement.DiscrepancyFound, db: Connection) -> None:
    RECONCILIATIONS.update(
        db,
        event,
        status=StatementStatus.DISCREPANCY,
        customer_balance=event.customer_balance,
        explained=event.explained,
    )


@reconciliations.on(ReconciliationStatement.Reported)
def _reported(event: ReconciliationStatement.Reported, db: Connection) -> None:
    RECONCILIATIONS.update(db, event, reported=True)


def balances_to_reconcile(
    db: Connection, year: int, period: Period
) -> list[tuple[UUID, str, Decimal]]:
    """BI-08: each customer's balance in each currency at the end of the period, from the
    receivables issued by then, where no statement of the period was issued yet."""
    as_of = period.last_day(year)
    receivables, statements = RECEIVABLES.table.c, RECONCILIATIONS.table.c
    issued = (
        select(statements.statement_id)
        .where(
            statements.customer_id == receivables.customer_id,
            statements.currency == receivables.currency,
            statements.year == year,
            statements.period == period,
        )
        .exists()
    )
    owed = type_coerce(func.sum(outstanding_on(as_of)), receivables.amount.type)
    query = (
        select(receivables.customer_id, receivables.currency, owed)
        .where(and_(receivables.issued_on <= as_of, ~issued))
        .group_by(receivables.customer_id, receivables.currency)
    )
    return [(row[0], row[1], Decimal(row[2] or 0)) for row in db.execute(query)]
