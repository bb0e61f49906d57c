"""Billing raises one invoice per shipment (BI-01), listed from the ``invoices`` read table."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from uuid import uuid4

import pytest
from eventsourcing.persistence import Tracking

from billing.bootstrap import SPEC
from contracts.orders import GoodsIssued, OrderLine
from kernel.settings import KernelSettings
from runtime.unit_of_work import CommandContext
from tests.service_client import ServiceClient, service_client

POLICY = CommandContext("billing:policy")


@pytest.fixture
def client(store_settings: KernelSettings) -> Iterator[ServiceClient]:
    with service_client(SPEC, store_settings) as client:
        yield client


def shipped(customer_id: object, quantity: int) -> GoodsIssued:
    line = OrderLine(product_code="P-1", quantity=quantity, unit_price=Decimal("12.50"))
    return GoodsIssued(
        order_id=uuid4(),
        customer_id=customer_id,
        lines=[line],
        currency="CNY",
        issued_by="warehouse",
    )


def test_bi01_one_invoice_per_shipment_for_what_was_shipped(client: ServiceClient) -> None:
    customer_id = uuid4()
    shipments = [shipped(customer_id, n) for n in (1, 2, 3)] + [shipped(uuid4(), 9)]
    for position, shipment in enumerate(shipments, start=1):
        client.app.process(shipment, POLICY, Tracking("orders.events:0", position))
    # The same shipment again, as a new message (another position): still one invoice.
    client.app.process(shipments[0], POLICY, Tracking("orders.events:0", 10))

    page = client.page(f"/invoices?customer_id={customer_id}&sort=-amount&limit=2", "finance")
    assert page["total"] == 3
    assert [i["amount"] for i in page["items"]] == ["37.50", "25.00"]
    assert {i["order_id"] for i in page["items"]} <= {str(s.order_id) for s in shipments}
    invoice = page["items"][0]
    assert client.ok("GET", f"/invoices/{invoice['invoice_id']}", "accountant") == invoice
    assert client.page(f"/invoices?order_id={shipments[3].order_id}", "finance")["total"] == 1
