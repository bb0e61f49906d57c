"""Invoices listed from the ``invoices`` read table; a shipment raises none by itself."""

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
from tests.billing.invoicing import invoice_issued
from tests.service_client import ServiceClient, service_client

POLICY = CommandContext("billing:policy")


@pytest.fixture
def client(store_settings: KernelSettings) -> Iterator[ServiceClient]:
    with service_client(SPEC, store_settings) as client:
        yield client


def test_invoices_are_listed_by_customer_and_order_largest_first(client: ServiceClient) -> None:
    """BI-11: a shipment raises no invoice by itself (the exposure counts it unbilled); the
    invoices finance issues are listed from the ``invoices`` read table."""
    customer_id = uuid4()
    shipment = GoodsIssued(
        order_id=uuid4(),
        customer_id=customer_id,
        lines=[OrderLine(product_code="P-1", quantity=1, unit_price=Decimal("12.50"))],
        currency="CNY",
        issued_by="warehouse",
    )
    client.app.process(shipment, POLICY, Tracking("orders.events:0", 1))
    assert client.page("/invoices", "finance")["total"] == 0

    invoices = [invoice_issued(client.app, customer_id, Decimal(n) * 12) for n in (1, 2, 3)]
    invoice_issued(client.app, uuid4(), Decimal(99))
    page = client.page(f"/invoices?customer_id={customer_id}&sort=-amount&limit=2", "finance")
    assert page["total"] == 3
    assert [i["amount"] for i in page["items"]] == ["36.00", "24.00"]
    invoice = page["items"][0]
    assert client.ok("GET", f"/invoices/{invoice['invoice_id']}", "accountant") == invoice
    order_id = invoices[0].order_id
    assert client.page(f"/invoices?order_id={order_id}", "finance")["total"] == 1
