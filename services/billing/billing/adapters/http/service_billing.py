"""HTTP commands and queries of service billing (BI-16, BI-17): the fees collected on site and
the accountant booking each against the cash handover both signed; the maintenance contracts'
type-B billing schedules (RULES §7 row 14)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from billing.adapters.http.invoicing import App, Employee, Reader
from billing.maintenance_billing_projections import (
    MAINTENANCE_INSTALMENTS,
    MaintenanceInstalmentView,
)
from billing.service_billing_projections import SERVICE_FEES, ServiceFeeView
from runtime.views import Page, PageRequest

router = APIRouter(tags=["service-billing"])


class ServiceFeeDetail(ServiceFeeView):
    handover_id: UUID | None


class HandIn(BaseModel):
    handover_id: UUID


@router.get("/service-fees")
def list_service_fees(
    _: Reader, query: Annotated[PageRequest, Depends(SERVICE_FEES.query)], app: App
) -> Page[ServiceFeeView]:
    """Fees collected on site, with those not handed in by the close of their day (BI-16)."""
    return app.service_fees(query)


@router.get("/service-fees/{fee_id}")
def get_service_fee(_: Reader, fee_id: UUID, app: App) -> ServiceFeeDetail:
    return ServiceFeeDetail.model_validate(app.service_fee(fee_id))


@router.post("/service-fees/{fee_id}/hand-in")
async def hand_in_service_fee(
    context: Employee, fee_id: UUID, body: HandIn, app: App
) -> ServiceFeeDetail:
    """BI-16: the accountant books the fee against the cash handover both signed (BI-17)."""
    fee = await app.perform(app.hand_in_service_fee, context, fee_id, body.handover_id)
    return ServiceFeeDetail.model_validate(fee)


@router.get("/maintenance-billing")
def list_maintenance_instalments(
    _: Reader, query: Annotated[PageRequest, Depends(MAINTENANCE_INSTALMENTS.query)], app: App
) -> Page[MaintenanceInstalmentView]:
    """BI-16: the instalments of the maintenance contracts' billing schedules (type B)."""
    return app.maintenance_instalments(query)
