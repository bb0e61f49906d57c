"""The bad-debt register (呆账统计表, 呆账追踪补偿表, BI-12): one row per receivable proposed as
doubtful, from classification to write-off, with what was recovered on it since."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import AliasChoices, Field
from sqlalchemy import Connection, select

from billing.domain.bad_debt import BadDebt, BadDebtStatus
from runtime.projections import Projection
from runtime.views import Money, ReadTable, View, identity


class BadDebtView(View):
    bad_debt_id: UUID = identity("bad_debt_id")
    invoice_id: UUID
    customer_id: UUID
    amount: Money = Field(description="What was outstanding when it was proposed as doubtful")
    currency: str = Field(max_length=3)
    basis: str = Field(max_length=2000)
    status: BadDebtStatus
    written_off: Money = Field(description="Written off the receivable after the review")
    recovered: Money = Field(description="Recovered since it was written off")
    proposed_by: str = Field(max_length=64)
    proposed_at: datetime = Field(validation_alias=AliasChoices("proposed_at", "created_on"))


BAD_DEBTS = ReadTable(
    BadDebtView,
    "bad_debts",
    sortable=("proposed_at", "amount"),
    filters=("customer_id", "invoice_id", "status"),
)
bad_debts = Projection("bad_debts", BAD_DEBTS.table)


@bad_debts.on(BadDebt.Proposed)
def _proposed(event: BadDebt.Proposed, db: Connection) -> None:
    BAD_DEBTS.insert(
        db,
        event,
        status=BadDebtStatus.PROPOSED,
        written_off=Decimal(0),
        recovered=Decimal(0),
        proposed_at=event.timestamp,
    )


def _status(status: BadDebtStatus) -> Callable[[Any, Connection], None]:
    """The file moved to ``status``."""

    def project(event: Any, db: Connection) -> None:
        BAD_DEBTS.update(db, event, status=status)

    return project


for _event, _new_status in (
    (BadDebt.Classified, BadDebtStatus.DOUBTFUL),
    (BadDebt.ClassificationRejected, BadDebtStatus.NOT_DOUBTFUL),
    (BadDebt.WriteOffRequested, BadDebtStatus.WRITE_OFF_REQUESTED),
    (BadDebt.WriteOffApproved, BadDebtStatus.WRITE_OFF_APPROVED),
    (BadDebt.WriteOffRejected, BadDebtStatus.DOUBTFUL),
):
    bad_debts.on(_event)(_status(_new_status))


@bad_debts.on(BadDebt.WrittenOff)
def _written_off(event: BadDebt.WrittenOff, db: Connection) -> None:
    BAD_DEBTS.update(db, event, status=BadDebtStatus.WRITTEN_OFF, written_off=event.amount)


@bad_debts.on(BadDebt.Recovered)
def _recovered(event: BadDebt.Recovered, db: Connection) -> None:
    columns = BAD_DEBTS.table.c
    recovered = db.execute(
        select(columns.recovered).where(columns.bad_debt_id == event.originator_id)
    ).scalar_one()
    BAD_DEBTS.update(db, event, recovered=recovered + event.amount)
