"""Events published by the service-desk service on ``service-desk.events``."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from contracts.envelope import IntegrationEvent


class ServiceVoucherCreated(
    IntegrationEvent, producer="service-desk", aggregate_field="voucher_id"
):
    """SD-02: one service voucher per product sold."""

    voucher_id: UUID
    customer_id: UUID
    order_id: UUID
    product_code: str
    serial_number: str
    warranty_until: date


PUBLISHED: tuple[type[IntegrationEvent], ...] = (ServiceVoucherCreated,)
