"""The vouchers list: one row per service voucher, kept by the ``vouchers`` projection."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy import Connection

from contracts.values import Code
from runtime.projections import Projection
from runtime.views import ReadTable, View, identity
from service_desk.domain.voucher import ServiceVoucher


class VoucherView(View):
    voucher_id: UUID = identity("voucher_id")
    customer_id: UUID
    order_id: UUID
    product_code: Code
    serial_number: Code
    warranty_until: date
    rule_parameters_version: int
    """The rule parameters (XC-07) its warranty length was taken from."""


VOUCHERS = ReadTable(
    VoucherView,
    "vouchers",
    sortable=("serial_number", "warranty_until"),
    filters=("customer_id", "serial_number"),
)
vouchers = Projection("vouchers", VOUCHERS.table)


@vouchers.on(ServiceVoucher.Created)
def _opened(event: ServiceVoucher.Created, db: Connection) -> None:
    VOUCHERS.insert(db, event)
