"""Maps service-desk's domain events to their public contracts."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from contracts import IntegrationEvent
from contracts.service_desk import ServiceVoucherCreated
from service_desk.domain.voucher import ServiceVoucher


def to_contract(event: DomainEventProtocol[UUID]) -> IntegrationEvent | None:
    if isinstance(event, ServiceVoucher.Created):
        return ServiceVoucherCreated(
            voucher_id=event.originator_id,
            customer_id=event.customer_id,
            order_id=event.order_id,
            product_code=event.product_code,
            serial_number=event.serial_number,
            warranty_until=event.warranty_until,
        )
    return None
