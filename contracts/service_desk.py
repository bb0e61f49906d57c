"""Events published by the service-desk service on ``service-desk.events``."""

from __future__ import annotations

from uuid import UUID

from contracts.envelope import IntegrationEvent
from contracts.values import Code, Day


class ServiceVoucherCreated(
    IntegrationEvent, producer="service-desk", aggregate_field="voucher_id"
):
    """SD-02: one service voucher per product sold."""

    voucher_id: UUID
    customer_id: UUID
    order_id: UUID
    product_code: Code
    serial_number: Code
    warranty_until: Day


PUBLISHED: tuple[type[IntegrationEvent], ...] = (ServiceVoucherCreated,)
