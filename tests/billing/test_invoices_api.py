"""Invoices listed from the ``invoices`` read table; a shipment raises none by itself."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

from eventsourcing.persistence import Tracking

from contracts.orders import GoodsIssued, OrderLine
from runtime.unit_of_work import CommandContext
from tests.billing.test_invoicing_api import issued
from tests.service_client import ServiceClient
from tests.signers import Signers

POLICY = CommandContext("billing:policy")


def priced(amount: int) -> list[dict[str, object]]:
    return [{"product_code": "P-1", "quantity": 1, "unit_price": str(amount)}]


def test_invoices_are_listed_by_customer_and_order_largest_first(
    client: ServiceClient, signers: Signers
) -> None:
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

    invoice_ids = [issued(client, signers, customer_id, priced(n * 12)) for n in (1, 2, 3)]
    issued(client, signers, uuid4(), priced(99))
    client.app.catch_up_projections()
    page = client.page(f"/invoices?customer_id={customer_id}&sort=-amount&limit=2", "finance")
    assert page["total"] == 3
    assert [i["amount"] for i in page["items"]] == ["36.00", "24.00"]
    invoice = page["items"][0]
    assert client.ok("GET", f"/invoices/{invoice['invoice_id']}", "accountant") == invoice
    order_id = client.ok("GET", f"/receivables/{invoice_ids[0]}", "finance")["order_id"]
    assert client.page(f"/invoices?order_id={order_id}", "finance")["total"] == 1
