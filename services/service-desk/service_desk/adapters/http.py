"""HTTP queries over service vouchers."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from chassis.auth import Principal, requires
from chassis.http import application_of
from service_desk.application.service import ServiceDeskApplication
from service_desk.domain.voucher import ServiceVoucher

router = APIRouter(tags=["service vouchers"])
App = Annotated[ServiceDeskApplication, Depends(application_of(ServiceDeskApplication))]
Reader = Annotated[
    Principal,
    Depends(requires("service_clerk", "technician", "service_supervisor", "service_department")),
]


class VoucherView(BaseModel):
    voucher_id: UUID
    customer_id: UUID
    order_id: UUID
    product_code: str
    serial_number: str
    warranty_until: date

    @classmethod
    def of(cls, voucher: ServiceVoucher) -> VoucherView:
        return cls(
            voucher_id=voucher.id,
            customer_id=voucher.customer_id,
            order_id=voucher.order_id,
            product_code=voucher.product_code,
            serial_number=voucher.serial_number,
            warranty_until=voucher.warranty_until,
        )


@router.get("/vouchers/{voucher_id}")
def get_voucher(_: Reader, voucher_id: UUID, app: App) -> VoucherView:
    return VoucherView.of(app.voucher(voucher_id))


@router.get("/customers/{customer_id}/vouchers")
def customer_vouchers(_: Reader, customer_id: UUID, app: App) -> list[VoucherView]:
    return [VoucherView.of(voucher) for voucher in app.vouchers_of(customer_id)]
