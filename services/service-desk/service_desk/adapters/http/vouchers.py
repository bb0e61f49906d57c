"""HTTP queries over service vouchers."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from kernel.roles import Role
from runtime.auth import Principal, requires
from runtime.http import application_of
from runtime.views import Page, PageRequest
from service_desk.application import ServiceDeskApplication
from service_desk.projections import VOUCHERS, VoucherView

router = APIRouter(tags=["service vouchers"])
App = Annotated[ServiceDeskApplication, Depends(application_of(ServiceDeskApplication))]
READERS = (Role.SERVICE_CLERK, Role.TECHNICIAN, Role.SERVICE_SUPERVISOR, Role.SERVICE_DEPARTMENT)
Reader = Annotated[Principal, Depends(requires(*READERS))]


@router.get("/vouchers")
def list_vouchers(
    _: Reader, query: Annotated[PageRequest, Depends(VOUCHERS.query)], app: App
) -> Page[VoucherView]:
    """Service vouchers, by serial number; of one customer, or one serial number, if given."""
    return app.read_models.page(VOUCHERS, query)


@router.get("/vouchers/{voucher_id}")
def get_voucher(_: Reader, voucher_id: UUID, app: App) -> VoucherView:
    return VoucherView.model_validate(app.voucher(voucher_id))
