"""Order to cash across the running services and the broker: an approved customer's goods
request through the credit gate to the goods issued (orders, billing's exposure), the customer's
signed delivery confirmation, the invoice request billing opens from it, reviewed and issued by
finance (BI-01), dispatched and signed for by the customer (BI-02), paid (BI-09); the exposure
follows each step (BI-11) and customers' trading history records the receipt and the payment
(RULES §7 row 7)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.e2e.api import Api, eventually, money
from tests.signers import page_answer


async def test_bi_01_bi_09_bi_11_an_order_runs_to_cash_across_the_services(api: Api) -> None:
    customer_id = await api.approved_customer("Order To Cash Ltd", limit="5000")
    order_id = await api.order_when_customer_known(customer_id, ["OTC-1", "OTC-2"])
    await api.ship_order(order_id)
    await api.unbilled(customer_id, "21.00")  # two units at 10.50, shipped and not invoiced
    await api.customer_signs_delivery(order_id)

    # §7 row 4: billing opens the invoice request for the account owner from the confirmation.
    async def opened() -> dict[str, Any] | None:
        page = await api.ok("GET", "billing", f"/invoice-requests?order_id={order_id}", "finance")
        return page["items"][0] if page["items"] else None

    request = await eventually(opened, timeout=60, what="billing to open the invoice request")
    request_path = f"/invoice-requests/{request['request_id']}"
    detail = await api.ok("GET", "billing", request_path, "salesperson")
    lines = [
        {k: line[k] for k in ("product_code", "quantity", "unit_price")}
        for line in detail["delivered"]
    ]
    await api.ok("POST", "billing", f"{request_path}/submit", "salesperson", {"lines": lines})
    await api.approve_all_steps("billing", request_path)
    invoice = await api.ok(
        "POST", "billing", f"{request_path}/issue", "finance", {"number": "INV-OTC-1"}
    )
    invoice_id = invoice["invoice_id"]
    assert money(invoice["amount"]) == Decimal("21.00")
    exposure = await api.exposure(customer_id)
    assert exposure is not None
    assert (money(exposure["unbilled_shipments"]), money(exposure["open_receivables"])) == (
        0,
        Decimal("21.00"),
    )

    # BI-02: dispatched and registered, then the customer signs for it on their own link.
    invoice_path = f"/invoices/{invoice_id}"
    await api.ok(
        "POST", "billing", f"{invoice_path}/dispatch", "sales-clerk", {"register_number": "R-1"}
    )
    link = await api.ok(
        "POST",
        "billing",
        f"{invoice_path}/signing-requests",
        "sales-clerk",
        {"contact_name": "Zhao Lan", "contact": "+86 139 0000 0000"},
    )
    signed = await api.http.post(link["url"], json=page_answer())
    assert signed.status_code == 200, signed.text

    # BI-05, BI-09: finance records the customer's transfer; the sale is complete.
    payment = {
        "customer_id": customer_id,
        "amount": "21.00",
        "currency": "CNY",
        "method": "bank_transfer",
        "bank_ref": "ICBC 0001",
        "received_at": "2026-12-01T08:00:00+00:00",
        "applied_to": [{"invoice_id": invoice_id, "amount": "21.00"}],
    }
    await api.ok("POST", "billing", "/payments", "finance", payment)
    receivable = await api.ok("GET", "billing", f"/receivables/{invoice_id}", "finance")
    assert receivable["settled"] is True and money(receivable["outstanding"]) == 0
    exposure = await api.exposure(customer_id)
    assert exposure is not None and money(exposure["exposure"]) == 0

    # §7 row 7: customers hears of the signed receipt and the payment (CU-26).
    async def recorded() -> dict[str, Any] | None:
        history = await api.ok(
            "GET", "customers", f"/customers/{customer_id}/trading-history", "finance"
        )
        record = history["payment_record"]
        return history if (record["receipts_signed"], record["payments"]) == (1, 1) else None

    history = await eventually(recorded, timeout=60, what="customers to record the payment")
    assert history["payment_record"]["paid"] == {"CNY": "21.00"}
    assert history["invoices"] == 1
