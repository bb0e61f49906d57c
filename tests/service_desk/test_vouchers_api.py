"""Service-desk opens a voucher per delivered unit (SD-02), listed from the ``vouchers`` read
table."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from eventsourcing.persistence import Tracking

from contracts.orders import DeliveryConfirmedByCustomer, OrderLine
from kernel.settings import KernelSettings
from runtime.unit_of_work import CommandContext
from service_desk.bootstrap import SPEC
from tests.service_client import ServiceClient, service_client

POLICY = CommandContext("service-desk:policy")


@pytest.fixture
def client(store_settings: KernelSettings) -> Iterator[ServiceClient]:
    with service_client(SPEC, store_settings) as client:
        yield client


def test_sd02_a_voucher_per_delivered_unit_with_its_warranty(client: ServiceClient) -> None:
    customer_id = uuid4()
    serials = ["SN-3", "SN-1", "SN-2"]
    delivered = DeliveryConfirmedByCustomer(
        order_id=uuid4(),
        customer_id=customer_id,
        lines=[
            OrderLine(
                product_code="P-1", quantity=3, unit_price=Decimal(1), serial_numbers=serials
            ),
            OrderLine(product_code="P-2", quantity=5, unit_price=Decimal(1)),  # not serialised
        ],
        received_at=datetime(2026, 3, 15, 10, tzinfo=UTC),
    )
    client.app.process(delivered, POLICY, Tracking("orders.events:0", 1))
    client.app.process(delivered, POLICY, Tracking("orders.events:0", 2))  # republished

    page = client.page(f"/vouchers?customer_id={customer_id}&limit=2", "service-clerk")
    assert page["total"] == 3
    assert [v["serial_number"] for v in page["items"]] == ["SN-1", "SN-2"]
    assert {v["warranty_until"] for v in page["items"]} == {"2027-03-15"}
    voucher = page["items"][0]
    assert client.ok("GET", f"/vouchers/{voucher['voucher_id']}", "technician") == voucher
    assert client.page("/vouchers?serial_number=SN-3", "technician")["total"] == 1
