"""Maps orders' domain events to their public contracts."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from contracts import IntegrationEvent
from contracts import orders as contract
from orders.domain.order import Order, OrderLine


def _lines(lines: list[OrderLine]) -> list[contract.OrderLine]:
    return [
        contract.OrderLine(
            product_code=line.product_code,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            serial_numbers=list(line.serial_numbers),
        )
        for line in lines
    ]


def _total(lines: list[OrderLine]) -> Decimal:
    return sum((line.amount for line in lines), Decimal(0))


def to_contract(event: DomainEventProtocol[UUID]) -> IntegrationEvent | None:
    if isinstance(event, Order.Placed):
        return contract.OrderPlaced(
            order_id=event.originator_id,
            customer_id=event.customer_id,
            lines=_lines(event.lines),
            total=_total(event.lines),
            currency=event.currency,
        )
    if isinstance(event, Order.GoodsIssued):
        return contract.GoodsIssued(
            order_id=event.originator_id,
            customer_id=event.customer_id,
            lines=_lines(event.lines),
            total=_total(event.lines),
            currency=event.currency,
            issued_by=event.issued_by,
        )
    if isinstance(event, Order.DeliveryConfirmed):
        return contract.DeliveryConfirmedByCustomer(
            order_id=event.originator_id,
            customer_id=event.customer_id,
            lines=_lines(event.lines),
            received_at=event.received_at,
        )
    return None
