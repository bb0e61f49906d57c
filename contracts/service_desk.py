"""Events published by the service-desk service on ``service-desk.events``."""

from __future__ import annotations

from datetime import date
from typing import ClassVar
from uuid import UUID

from contracts.envelope import IntegrationEvent


class ServiceVoucherCreated(IntegrationEvent):
    """SD-02: one service voucher per product sold."""

    producer: ClassVar[str] = "service-desk"
    event_type: ClassVar[str] = "ServiceVoucherCreated"
    schema_version: ClassVar[int] = 1
    voucher_id: UUID
    customer_id: UUID
    order_id: UUID
    product_code: str
    serial_number: str
    warranty_until: date


PUBLISHED: tuple[type[IntegrationEvent], ...] = (ServiceVoucherCreated,)
