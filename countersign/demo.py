"""`countersign demo`: drive the walking-skeleton flow through the four running services' HTTP
APIs with the development tokens, reporting each step as it happens."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx

from countersign.approving import approve_all_steps, put_policies_in_force
from runtime import clock

Report = Callable[[str], None]

DRAWN_SIGNATURE = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
"""A signature as a signing page draws it: a PNG data URL (of one pixel)."""


class DemoError(RuntimeError):
    """A step did not go as the flow expects; the message says which."""


class _Client:
    def __init__(self, urls: Mapping[str, str], timeout: float) -> None:
        self.urls = urls
        self.http = httpx.Client(timeout=10.0)
        self._timeout = timeout

    def call(
        self, method: str, service: str, path: str, user: str, body: Any = None
    ) -> httpx.Response:
        try:
            return self.http.request(
                method,
                f"{self.urls[service]}{path}",
                json=body,
                headers={"Authorization": f"Bearer dev-{user}"},
            )
        except httpx.TransportError as error:
            raise DemoError(
                f"cannot reach {service} at {self.urls[service]} ({error}); "
                "is the stack up (`countersign up`)?"
            ) from None

    def ok(self, method: str, service: str, path: str, user: str, body: Any = None) -> Any:
        response = self.call(method, service, path, user, body)
        if response.status_code >= 300:
            raise DemoError(
                f"{method} {service}{path} answered {response.status_code}: {response.text}"
            )
        return response.json()

    def answer_as_customer(self, url: str, name: str, comment: str) -> None:
        """What the customer's signing page posts: the link is its only credential."""
        body = {"signed": True, "typed_name": name, "comment": comment, "image": DRAWN_SIGNATURE}
        try:
            response = self.http.post(url, json=body)
        except httpx.TransportError as error:
            raise DemoError(f"cannot reach the signing page {url} ({error})") from None
        if response.status_code >= 300:
            raise DemoError(f"signing at {url} answered {response.status_code}: {response.text}")

    def wait_for(self, what: str, check: Callable[[], Any]) -> Any:
        """Events travel through Kafka: poll until the other service has reacted."""
        deadline = time.monotonic() + self._timeout
        while not (result := check()):
            if time.monotonic() > deadline:
                raise DemoError(f"gave up after {self._timeout:g}s waiting for {what}")
            time.sleep(0.1)
        return result

    def close(self) -> None:
        self.http.close()


def run_demo(
    urls: Mapping[str, str], report: Report, keys_dir: Path, timeout: float = 60.0
) -> dict[str, Any]:
    """Authority matrix in force -> customer registered and approved through its signed chain ->
    goods request placed from its contract, approved by the branch and sales managers -> credit
    reserved by billing -> outbound order issued, goods shipped -> billing counts the shipment
    unbilled -> delivery confirmed -> service vouchers opened.
    Returns the ids it created."""
    client = _Client(urls, timeout)
    try:
        return _flow(client, report, keys_dir)
    finally:
        client.close()


def _flow(client: _Client, report: Report, keys_dir: Path) -> dict[str, Any]:
    for service, url in client.urls.items():
        versions = put_policies_in_force(client.http, url, keys_dir)
        in_force = ", ".join(f"{key} v{version}" for key, version in sorted(versions.items()))
        report(f"{service:<10} {in_force} in force, signed by the general manager")

    customer = client.ok(
        "POST", "customers", "/customers", "salesperson", {"legal_name": "Harbin Pumps Ltd"}
    )
    customer_id = customer["customer_id"]
    report(f"customers  registered customer {customer_id} ({customer['status']}) as salesperson")

    line = {
        "product_code": "PUMP-7",
        "description": "centrifugal pump",
        "quantity": 2,
        "unit_price": "1250.00",
        "serial_numbers": ["PX7-0001", "PX7-0002"],
    }
    contract_id = str(uuid4())
    order_body = {"customer_id": customer_id, "lines": [line], "contract_id": contract_id}

    def refused_as_unapproved() -> dict[str, Any] | None:
        response = client.call("POST", "orders", "/orders", "salesperson", order_body)
        refusal: dict[str, Any] = response.json()
        return refusal if "not approved" in refusal.get("reason", "") else None

    refusal = client.wait_for("orders to hear of the new customer", refused_as_unapproved)
    report(f"orders     refused an order before approval: {refusal['rule']} {refusal['reason']}")

    client.ok(
        "POST",
        "customers",
        f"/customers/{customer_id}/submit",
        "salesperson",
        {"credit_limit": "50000.00"},
    )
    report("customers  submitted for approval with a credit limit of 50000.00 CNY")
    for step, user in approve_all_steps(
        client.http, f"{client.urls['customers']}/customers/{customer_id}", keys_dir
    ):
        report(f"customers  step '{step}' granted and signed by {user}")
    approved = client.ok("GET", "customers", f"/customers/{customer_id}", "sales-manager")
    report(
        f"customers  customer is {approved['status']}, credit limit "
        f"{approved['credit_limit']} {approved['currency']}"
    )

    def placed() -> dict[str, Any] | None:
        response = client.call("POST", "orders", "/orders", "salesperson", order_body)
        return response.json() if response.status_code == 201 else None

    order = client.wait_for("orders to hear of the approval", placed)
    order_id = order["order_id"]
    report(
        f"orders     placed goods request {order_id} from contract {contract_id}: total "
        f"{order['total']} {order['currency']}"
    )

    client.ok("POST", "orders", f"/orders/{order_id}/submit", "salesperson")
    for step, user in approve_all_steps(
        client.http, f"{client.urls['orders']}/orders/{order_id}", keys_dir
    ):
        report(f"orders     step '{step}' granted and signed by {user}")

    def credit_answered() -> dict[str, Any] | None:
        found: dict[str, Any] = client.ok("GET", "orders", f"/orders/{order_id}", "finance")
        return found if found["status"] not in ("pending_approval", "credit_check") else None

    checked = client.wait_for("billing to answer the credit check", credit_answered)
    report(
        f"billing    reserved {order['total']} against the credit limit "
        f"{checked['credit_limit']} (exposure before: {checked['exposure']}); order is "
        f"{checked['status']}"
    )
    client.ok("POST", "orders", f"/orders/{order_id}/outbound", "sales-clerk")
    report("orders     outbound order issued by the sales clerk, copy 2 to the warehouse")
    shipped = client.ok("POST", "orders", f"/orders/{order_id}/ship", "warehouse")
    report(
        f"orders     shipped by the warehouse (GoodsIssued), within a working day: "
        f"{shipped['sla_met']}"
    )

    def unbilled() -> dict[str, Any] | None:
        response = client.call("GET", "billing", f"/customers/{customer_id}/exposure", "finance")
        if response.status_code != 200:
            return None
        found: dict[str, Any] = response.json()
        return found if found["unbilled_shipments"] == order["total"] else None

    exposure = client.wait_for("billing to count the shipment", unbilled)
    report(
        f"billing    exposure {exposure['exposure']} of {exposure['credit_limit']}: "
        f"{exposure['unbilled_shipments']} unbilled"
    )

    link = client.ok(
        "POST",
        "orders",
        f"/orders/{order_id}/signing-requests",
        "sales-clerk",
        {"contact_name": "Zhao Lan", "contact": "+86 139 0000 0000"},
    )
    report(f"orders     one-time signing link for the customer: {link['url']}")
    client.answer_as_customer(link["url"], "Zhao Lan", "Received in good order.")
    report("customer   signed the delivery confirmation on that page (CustomerSigned)")
    delivered = client.ok("GET", "orders", f"/orders/{order_id}", "finance")
    report(f"orders     order is {delivered['status']} (DeliveryConfirmed)")

    vouchers = client.wait_for(
        "service-desk to open the service vouchers",
        lambda: (
            client.ok(
                "GET", "service-desk", f"/vouchers?customer_id={customer_id}", "service-clerk"
            )["items"]
            or None
        ),
    )
    for voucher in vouchers:
        report(
            f"service    opened voucher {voucher['voucher_id']} for {voucher['serial_number']},"
            f" warranty until {voucher['warranty_until']}"
        )
    invoice_id = _invoice_to_payment(client, report, keys_dir, customer_id, order_id)
    return {
        "customer_id": customer_id,
        "order_id": order_id,
        "unbilled": exposure["unbilled_shipments"],
        "voucher_ids": [v["voucher_id"] for v in vouchers],
        "invoice_id": invoice_id,
    }


def _invoice_to_payment(
    client: _Client, report: Report, keys_dir: Path, customer_id: str, order_id: str
) -> str:
    """BI-01 ... BI-09: the invoice request billing opened from the signed delivery, reviewed
    and issued, dispatched and signed for by the customer, then paid."""

    def opened() -> dict[str, Any] | None:
        page = client.ok("GET", "billing", f"/invoice-requests?order_id={order_id}", "finance")
        return page["items"][0] if page["items"] else None

    request = client.wait_for("billing to open the invoice request", opened)
    path = f"/invoice-requests/{request['request_id']}"
    report(f"billing    opened invoice request {request['request_id']} for the salesperson")
    detail = client.ok("GET", "billing", path, "salesperson")
    lines = [
        {key: line[key] for key in ("product_code", "quantity", "unit_price")}
        for line in detail["delivered"]
    ]
    client.ok("POST", "billing", f"{path}/submit", "salesperson", {"lines": lines})
    for step, user in approve_all_steps(client.http, f"{client.urls['billing']}{path}", keys_dir):
        report(f"billing    step '{step}' granted and signed by {user}")
    invoice = client.ok("POST", "billing", f"{path}/issue", "finance", {"number": "INV-DEMO-1"})
    invoice_id: str = invoice["invoice_id"]
    report(f"billing    finance issued invoice {invoice['number']} for {invoice['amount']}")
    client.ok(
        "POST",
        "billing",
        f"/invoices/{invoice_id}/dispatch",
        "sales-clerk",
        {"register_number": "REG-DEMO-1"},
    )
    link = client.ok(
        "POST",
        "billing",
        f"/invoices/{invoice_id}/signing-requests",
        "sales-clerk",
        {"contact_name": "Zhao Lan", "contact": "+86 139 0000 0000"},
    )
    client.answer_as_customer(link["url"], "Zhao Lan", "Invoice received.")
    report("customer   signed for the invoice on their own link (InvoiceReceiptSignedByCustomer)")
    payment = {
        "customer_id": customer_id,
        "amount": invoice["amount"],
        "currency": invoice["currency"],
        "method": "bank_transfer",
        "bank_ref": "DEMO-TRANSFER-1",
        "received_at": clock.now().isoformat(),
        "applied_to": [{"invoice_id": invoice_id, "amount": invoice["amount"]}],
    }
    client.ok("POST", "billing", "/payments", "finance", payment)
    receivable = client.ok("GET", "billing", f"/receivables/{invoice_id}", "finance")
    report(
        f"billing    finance recorded the payment: settled {receivable['settled']}, "
        f"outstanding {receivable['outstanding']} (PaymentApplied)"
    )
    return invoice_id
