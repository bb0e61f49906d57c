"""Order to cash across the running services and the broker: an approved customer's goods
request through the credit gate to the goods issued (orders, billing's exposure), the customer's
signed delivery confirmation, the invoice request billing opens from it, reviewed and issued by
finance (BI-01), dispatched and signed for by the customer (BI-02), paid (BI-09); the exposure
follows each step (BI-11) and customers' trading history records the receipt and the payment
(RULES §7 row 7); and a return of one unit through orders' return chain is credited by an
approved red-letter invoice (OR-24 ... OR-28, BI-18, §7 row 6)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any
from uuid import UUID

from billing.domain.credit_note import CreditNote
from tests.e2e.api import Api, eventually, money
from tests.signers import page_answer


async def invoiced_order(api: Api, name: str) -> tuple[str, str, str]:
    """An approved customer's order of two units at 10.50 shipped through the credit gate,
    its delivery signed, and the invoice request billing opened from it reviewed and issued by
    finance (BI-01); returns (customer, order, invoice) ids."""
    customer_id = await api.approved_customer(name, limit="5000")
    order_id = await api.order_when_customer_known(customer_id, [f"{name}-1", f"{name}-2"])
    await api.ship_order(order_id)
    await api.unbilled(customer_id, "21.00")  # shipped and not invoiced yet (§7 row 5)
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
        "POST", "billing", f"{request_path}/issue", "finance", {"number": f"INV-{name}"}
    )
    assert money(invoice["amount"]) == Decimal("21.00")
    return customer_id, order_id, str(invoice["invoice_id"])


async def test_bi_01_bi_09_bi_11_an_order_runs_to_cash_across_the_services(api: Api) -> None:
    customer_id, order_id, invoice_id = await invoiced_order(api, "OTC")
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

    # §7 row 7, BI-09: orders marks the order paid: the sale is complete.
    async def sale_complete() -> dict[str, Any] | None:
        order = await api.ok("GET", "orders", f"/orders/{order_id}", "finance")
        return order if order["status"] == "paid" else None

    order = await eventually(sale_complete, timeout=60, what="orders to mark the order paid")
    assert order["invoice_id"] == invoice_id


async def test_or_24_or_28_bi_18_a_return_is_credited_across_the_services(api: Api) -> None:
    customer_id, order_id, invoice_id = await invoiced_order(api, "RET")

    # OR-24 ... OR-28: one unit back, through orders' return chain to the red outbound order.
    made = await api.ok(
        "POST",
        "orders",
        "/returns",
        "salesperson",
        {"order_id": order_id, "reason_code": "defective"},
    )
    path = f"/returns/{made['return_id']}"
    # The decisions are the steps of the return chain, each signed by its approver.
    assert await api.grant_next_step("orders", path) == ("branch_manager", "branch-manager")
    goods = {"lines": [{"product_code": "PUMP-7", "description": "pump", "quantity": 1}]}
    await api.ok("POST", "orders", f"{path}/verification", "salesperson", goods)
    authenticated = await api.grant_next_step("orders", path)
    assert authenticated == ("technical_authentication", "technical")
    await api.ok("POST", "orders", f"{path}/detail", "salesperson")
    assert await api.grant_next_step("orders", path) == ("sales_manager", "sales-manager")
    await api.ok("POST", "orders", f"{path}/red-outbound", "sales-clerk")

    # §7 row 6, BI-18: billing opens the red-letter credit note from the red outbound order.
    note = f"/credit-notes/{CreditNote.id_for(UUID(made['return_id']))}"

    async def requested() -> dict[str, Any] | None:
        response = await api.call("GET", "billing", note, "finance")
        return response.json() if response.status_code == 200 else None

    credit = await eventually(requested, timeout=60, what="billing to open the credit note")
    assert (money(credit["amount"]), credit["original_invoice_id"]) == (
        Decimal("10.50"),
        invoice_id,
    )
    await api.approve_all_steps("billing", note)
    await api.ok("POST", "billing", f"{note}/issue", "finance", {"number": "RED-RET-1"})
    receivable = await api.ok("GET", "billing", f"/receivables/{invoice_id}", "finance")
    assert (money(receivable["credited"]), money(receivable["outstanding"])) == (
        Decimal("10.50"),
        Decimal("10.50"),
    )
    exposure = await api.exposure(customer_id)
    assert exposure is not None and money(exposure["open_receivables"]) == Decimal("10.50")

    # §7 row 6: customers records the return (CU-26, an input to CU-06).
    async def recorded() -> dict[str, Any] | None:
        history = await api.ok(
            "GET", "customers", f"/customers/{customer_id}/trading-history", "finance"
        )
        return history if history["trade"]["returns"] == 1 else None

    history = await eventually(recorded, timeout=60, what="customers to record the return")
    assert history["trade"]["returned"] == {"CNY": "10.50"}

    # RULES §8: billing's credit note (CreditNoteIssued) ends the return's cycle in orders.
    async def cycle_ended() -> float | None:
        text = (await api.call("GET", "orders", "/metrics", "finance")).text
        found = re.search(r"^countersign_orders_return_cycles_total (\S+)$", text, re.MULTILINE)
        return float(found[1]) if found and float(found[1]) >= 1 else None

    await eventually(cycle_ended, timeout=60, what="orders to end the return's cycle")
