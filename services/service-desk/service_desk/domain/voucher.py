"""Service vouchers: one per product sold (SD-02), the product's service history."""

from __future__ import annotations

from datetime import date
from uuid import NAMESPACE_OID, UUID, uuid5

from eventsourcing.domain import event

from chassis.domain import Aggregate

WARRANTY_MONTHS = 12


def warranty_end(delivered_on: date, months: int = WARRANTY_MONTHS) -> date:
    """The warranty runs from delivery; a day that does not exist in the end month is clamped."""
    month_index = delivered_on.month - 1 + months
    year, month = delivered_on.year + month_index // 12, month_index % 12 + 1
    for day in range(delivered_on.day, 27, -1):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return date(year, month, min(delivered_on.day, 28))


class ServiceVoucher(Aggregate):
    class Created(Aggregate.Created):
        customer_id: UUID
        order_id: UUID
        product_code: str
        serial_number: str
        warranty_until: date

    @event(Created)
    def __init__(
        self,
        customer_id: UUID,
        order_id: UUID,
        product_code: str,
        serial_number: str,
        warranty_until: date,
    ) -> None:
        self.customer_id = customer_id
        self.order_id = order_id
        self.product_code = product_code
        self.serial_number = serial_number
        self.warranty_until = warranty_until

    @classmethod
    def create_id(cls, order_id: UUID, serial_number: str) -> UUID:
        # One voucher per sold unit: a repeated delivery message cannot open a second one.
        return uuid5(NAMESPACE_OID, f"voucher:{order_id}:{serial_number}")


class CustomerServiceFile(Aggregate):
    """The vouchers held for one customer."""

    @event("Opened")
    def __init__(self, customer_id: UUID) -> None:
        self.voucher_ids: list[UUID] = []

    @classmethod
    def create_id(cls, customer_id: UUID) -> UUID:
        return customer_id

    @event("VoucherFiled")
    def file(self, voucher_id: UUID) -> None:
        self.voucher_ids.append(voucher_id)
