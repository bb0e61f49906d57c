"""Read tables of service billing (BI-16): the fees technicians collected on site, until the
accountant booked them against a signed cash handover, and those not handed in by the close of
their day."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import AliasChoices, Field
from sqlalchemy import Connection

from billing.domain.service_fee import ServiceFee, ServiceFeeStatus
from runtime.projections import Projection
from runtime.views import Money, ReadTable, View, identity


class ServiceFeeView(View):
    fee_id: UUID = identity("fee_id")
    call_id: UUID
    customer_id: UUID
    amount: Money
    currency: str = Field(max_length=3)
    receipt_no: str = Field(max_length=64)
    status: ServiceFeeStatus
    handover_due_at: datetime = Field(description="BI-16: the close of the day it was collected")
    handed_to: str | None = Field(description="The accountant who received it", max_length=64)
    handover_missed: bool = Field(description="BI-16: not handed in by the close of its day")
    collected_at: datetime = Field(validation_alias=AliasChoices("collected_at", "created_on"))


SERVICE_FEES = ReadTable(
    ServiceFeeView,
    "service_fees",
    sortable=("collected_at", "amount"),
    filters=("call_id", "customer_id", "status", "handover_missed"),
)
service_fees = Projection("service_fees", SERVICE_FEES.table)


@service_fees.on(ServiceFee.Collected)
def _collected(event: ServiceFee.Collected, db: Connection) -> None:
    SERVICE_FEES.insert(
        db,
        event,
        status=ServiceFeeStatus.COLLECTED,
        handed_to=None,
        handover_missed=False,
        collected_at=event.timestamp,
    )


@service_fees.on(ServiceFee.HandedIn)
def _handed_in(event: ServiceFee.HandedIn, db: Connection) -> None:
    changes: dict[str, object] = {"status": ServiceFeeStatus.HANDED_IN}
    if not event.on_time:
        changes["handover_missed"] = True
    SERVICE_FEES.update(db, event, handed_to=event.handed_to, **changes)


@service_fees.on(ServiceFee.HandoverMissed)
def _missed(event: ServiceFee.HandoverMissed, db: Connection) -> None:
    SERVICE_FEES.update(db, event, handover_missed=True)
