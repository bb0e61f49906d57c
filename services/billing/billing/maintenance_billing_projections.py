"""Read table of maintenance-contract billing (BI-16, RULES §7 row 14): one row per instalment of
each contract's type-B billing schedule, to list by contract or customer and by due date."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid5

from pydantic import Field
from sqlalchemy import Connection

from billing.domain.maintenance_billing import MaintenanceBilling
from runtime.projections import Projection
from runtime.views import Money, ReadTable, View, identity


class MaintenanceInstalmentView(View):
    instalment_id: UUID = identity("instalment_id")
    schedule_id: UUID
    contract_id: UUID
    customer_id: UUID
    number: int = Field(description="The instalment's number in its schedule, from 1")
    due_on: date
    amount: Money
    currency: str = Field(max_length=3)
    renewed_by_id: UUID | None = Field(description="SD-29: the contract that renewed this one")


MAINTENANCE_INSTALMENTS = ReadTable(
    MaintenanceInstalmentView,
    "maintenance_instalments",
    sortable=("due_on", "number"),
    filters=("contract_id", "customer_id"),
)
maintenance_billing = Projection("maintenance_billing", MAINTENANCE_INSTALMENTS.table)


@maintenance_billing.on(MaintenanceBilling.Drawn)
def _drawn(event: MaintenanceBilling.Drawn, db: Connection) -> None:
    for instalment in event.instalments:
        MAINTENANCE_INSTALMENTS.insert(
            db,
            event,
            instalment_id=uuid5(event.originator_id, str(instalment.number)),
            schedule_id=event.originator_id,
            number=instalment.number,
            due_on=instalment.due_on,
            amount=instalment.amount,
            renewed_by_id=None,
        )


@maintenance_billing.on(MaintenanceBilling.Renewed)
def _renewed(event: MaintenanceBilling.Renewed, db: Connection) -> None:
    table = MAINTENANCE_INSTALMENTS.table
    db.execute(
        table.update()
        .where(table.c.schedule_id == event.originator_id)
        .values(renewed_by_id=event.renewal_id)
    )
