"""HTTP queries over service vouchers."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from kernel.roles import Role
from runtime.auth import Principal, requires
from runtime.http import application_of
from runtime.views import Page, Paging
from service_desk.application import ServiceDeskApplication
from service_desk.projections import VOUCHERS, VoucherView

router = APIRouter(tags=["service vouchers"])
App = Annotated[ServiceDeskApplication, Depends(application_of(ServiceDeskApplication))]
READERS = (Role.SERVICE_CLERK, Role.TECHNICIAN, Role.SERVICE_SUPERVISOR, Role.SERVICE_DEPARTMENT)
Reader = Annotated[Principal, Depends(requires(*READERS))]


@router.get("/vouchers")
def list_vouchers(
    _: Reader,
    paging: Paging,
    app: App,
    customer_id: UUID | None = None,
    serial_number: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[VoucherView]:
    """Service vouchers, by serial number."""
    return app.read_models.page(
        VOUCHERS, paging, customer_id=customer_id, serial_number=serial_number
    )


@router.get("/vouchers/{voucher_id}")
def get_voucher(_: Reader, voucher_id: UUID, app: App) -> VoucherView:
    return VoucherView.model_validate(app.voucher(voucher_id))
