"""Business flows through the running services' HTTP APIs, as the company's people and its
customers drive them: signing as the development users with the stack's development keys, and
answering customers' signing links as their signing page would.

`countersign demo` runs one order-to-cash flow and prints each step; `countersign load` runs
many flows at once under Locust. A flow waits for another service's reaction by polling its
queries (events travel through Kafka); each wait is reported to ``observe`` as a "reaction", so
a load run shows how long reactions take as users see them.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID, uuid4

import httpx

from billing.domain.credit_note import CreditNote
from countersign.approving import approve_all_steps, grant_next_step
from runtime import clock
from runtime.idempotency import HEADER as IDEMPOTENCY_KEY

Report = Callable[[str], None]

Observe = Callable[[str, str, float, int, BaseException | None], None]
"""(kind, name, milliseconds, response bytes, the error or None): one request, one reaction
waited for, or one whole flow."""

DRAWN_SIGNATURE = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
"""A signature as a signing page draws it: a PNG data URL (of one pixel)."""

_IDS = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _quiet(kind: str, name: str, ms: float, size: int, error: BaseException | None) -> None:
    return None


def _silent(line: str) -> None:
    return None


def key_contents(promised_in_days: int = 30) -> dict[str, Any]:
    """OR-30: what an order needs confirmed besides its customer and lines before it is
    submitted: the delivery date and place and the payment terms."""
    promised = datetime.now(tz=UTC).date() + timedelta(days=promised_in_days)
    return {
        "delivery_date": promised.isoformat(),
        "delivery_place": "Pudong warehouse 3",
        "payment_terms_days": 30,
    }


T = TypeVar("T")


class FlowError(RuntimeError):
    """A step did not go as the flow expects; the message says which."""


class FlowClient:
    """Calls the services as a development user (``Bearer dev-<user>``).

    A service may be restarting and the broker stalled: a request that fails at the connection,
    times out or meets a server error (5xx) or a concurrent change (409) is sent again with
    backoff until ``timeout``. Each command carries an ``Idempotency-Key`` of its own, kept
    across its retries, so a command whose answer was lost after it committed is answered again
    rather than done twice."""

    def __init__(
        self,
        urls: Mapping[str, str],
        keys_dir: Path,
        timeout: float = 60.0,
        observe: Observe = _quiet,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.urls = urls
        self.keys_dir = keys_dir
        self.http = httpx.Client(timeout=10.0, transport=transport)
        self.observe = observe
        self._timeout = timeout
        self.retries = 0
        """Requests sent again after a lost connection, a timeout, a 5xx or a 409."""
        self.replayed = 0
        """Commands answered again from their receipt: the first answer was lost."""

    def call(
        self,
        method: str,
        service: str,
        path: str,
        user: str,
        body: Any = None,
        *,
        observed: bool = True,
    ) -> httpx.Response:
        name = f"{service} {method} {_IDS.sub('{id}', path.partition('?')[0])}"
        headers = {"Authorization": f"Bearer dev-{user}"}
        if method != "GET":
            headers[IDEMPOTENCY_KEY] = str(uuid4())
        url = f"{self.urls[service]}{path}"
        return self._retried(
            name, observed, lambda: self.http.request(method, url, json=body, headers=headers)
        )

    def _retried(
        self, name: str, observed: bool, send: Callable[[], httpx.Response]
    ) -> httpx.Response:
        """``send`` until it is answered with neither a server error nor a conflict, or until
        ``timeout``; only the last attempt is observed, timed from the first."""
        started = time.perf_counter()
        deadline = time.monotonic() + self._timeout
        delay = 0.1
        while True:
            response: httpx.Response | None = None
            failure: BaseException | None = None
            try:
                response = send()
            except httpx.TransportError as error:
                failure = error
            else:
                failure = FlowError(response.text) if _retryable(response) else None
                self.replayed += response.headers.get("Idempotent-Replayed") == "true"
            if failure is None or time.monotonic() + delay > deadline:
                break
            self.retries += 1
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
        if observed:
            size = 0 if response is None else len(response.content)
            self.observe("HTTP", name, _ms(started), size, failure)
        if response is None:
            raise FlowError(
                f"{name}: no answer after {self._timeout:g}s ({failure}); "
                "is the stack up (`countersign up`)?"
            )
        return response

    def ok(self, method: str, service: str, path: str, user: str, body: Any = None) -> Any:
        response = self.call(method, service, path, user, body)
        if response.status_code >= 300:
            raise FlowError(
                f"{method} {service}{path} answered {response.status_code}: {response.text}"
            )
        return response.json()

    def approve(self, service: str, path: str) -> list[tuple[str, str]]:
        """Every pending step of the document's approval, granted and signed. Each round reads
        the approval afresh, so one cut short (a lost answer, a restarting service) is simply
        run again from where the document stands."""
        return self._signed(service, path, approve_all_steps)

    def grant_step(self, service: str, path: str, step: str) -> str:
        """``step`` of the document's chain granted and signed, for a chain whose steps wait on
        work between them (a return's check, its detail). Read afresh on each try, like
        ``approve``: a step already granted (its answer lost) is not granted again. Returns who
        granted it."""
        granted = self._signed(service, path, functools.partial(grant_next_step, only=step))
        assert granted is not None  # only=step: granted now or before, else an error
        return granted[1]

    def _signed(self, service: str, path: str, grant: Callable[[httpx.Client, str, Path], T]) -> T:
        """``grant`` on the document until it goes through, or until ``timeout``."""
        started = time.perf_counter()
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                granted = grant(self.http, f"{self.urls[service]}{path}", self.keys_dir)
                break
            except (httpx.TransportError, RuntimeError) as error:
                if time.monotonic() > deadline:
                    raise FlowError(f"approving {service}{path}: {error}") from None
                self.retries += 1
                time.sleep(0.5)
        self.observe("APPROVAL", f"{service} {_IDS.sub('{id}', path)}", _ms(started), 0, None)
        return granted

    def answer_as_customer(self, url: str, name: str, comment: str) -> None:
        """What the customer's signing page posts: the link is its only credential."""
        body = {"signed": True, "typed_name": name, "comment": comment, "image": DRAWN_SIGNATURE}
        headers = {IDEMPOTENCY_KEY: str(uuid4())}
        response = self._retried(
            "customer signs", True, lambda: self.http.post(url, json=body, headers=headers)
        )
        if response.status_code >= 300:
            raise FlowError(f"signing at {url} answered {response.status_code}: {response.text}")

    def wait_for(self, what: str, check: Callable[[], Any]) -> Any:
        """Events travel through Kafka: poll until the other service has reacted."""
        started = time.perf_counter()
        deadline = time.monotonic() + self._timeout
        while not (result := check()):
            if time.monotonic() > deadline:
                error = FlowError(f"gave up after {self._timeout:g}s waiting for {what}")
                self.observe("REACTION", what, _ms(started), 0, error)
                raise error
            time.sleep(0.1)
        self.observe("REACTION", what, _ms(started), 0, None)
        return result

    def get_if(self, service: str, path: str, user: str) -> Any:
        """A poll of a query (not counted as a request of its own): its answer, or None."""
        response = self.call("GET", service, path, user, observed=False)
        return response.json() if response.status_code == 200 else None

    def close(self) -> None:
        self.http.close()


def _retryable(response: httpx.Response) -> bool:
    """A server error or a concurrent change: nothing was done, the same request may succeed."""
    return response.status_code >= 500 or response.status_code == 409


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


PUMP = "centrifugal pump"
"""What every flow sells (as ``PUMP-7``), and what a return names coming back (OR-25)."""


@dataclass(frozen=True)
class Delivered:
    """What an order-to-cash flow leaves behind for the flows that follow it."""

    customer_id: str
    order_id: str
    product_code: str
    serial_numbers: list[str]
    voucher_ids: list[str]
    invoice_id: str
    unbilled: str


def order_to_cash(client: FlowClient, report: Report = _silent, paid: bool = True) -> Delivered:
    """Customer registered and approved through its signed chain -> goods request placed from
    its contract, approved by the branch and sales managers -> credit reserved by billing ->
    outbound order issued, goods shipped -> billing counts the shipment unbilled -> delivery
    signed by the customer -> service vouchers opened -> invoice requested, reviewed, issued,
    dispatched, signed for by the customer -> paid (unless ``paid`` is false)."""
    token = uuid4().hex[:10]
    customer = client.ok(
        "POST", "customers", "/customers", "salesperson", {"legal_name": f"Harbin Pumps {token}"}
    )
    customer_id = customer["customer_id"]
    report(f"customers  registered customer {customer_id} ({customer['status']}) as salesperson")

    serials = [f"PX7-{token}-1", f"PX7-{token}-2"]
    line = {
        "product_code": "PUMP-7",
        "description": PUMP,
        "quantity": 2,
        "unit_price": "1250.00",
        "serial_numbers": serials,
    }
    order_body = {
        "customer_id": customer_id,
        "lines": [line],
        "contract_id": str(uuid4()),
        **key_contents(),
    }

    def refused_as_unapproved() -> dict[str, Any] | None:
        response = client.call("POST", "orders", "/orders", "salesperson", order_body)
        refusal: dict[str, Any] = response.json()
        return refusal if "not approved" in refusal.get("reason", "") else None

    refusal = client.wait_for("orders to hear of the new customer", refused_as_unapproved)
    report(f"orders     refused an order before approval: {refusal['rule']} {refusal['reason']}")

    body = {"credit_limit": "50000.00"}
    client.ok("POST", "customers", f"/customers/{customer_id}/submit", "salesperson", body)
    report("customers  submitted for approval with a credit limit of 50000.00 CNY")
    for step, user in client.approve("customers", f"/customers/{customer_id}"):
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
        f"orders     placed goods request {order_id} from contract {order_body['contract_id']}: "
        f"total {order['total']} {order['currency']}"
    )
    client.ok("POST", "orders", f"/orders/{order_id}/submit", "salesperson")
    for step, user in client.approve("orders", f"/orders/{order_id}"):
        report(f"orders     step '{step}' granted and signed by {user}")

    def credit_answered() -> dict[str, Any] | None:
        found = client.get_if("orders", f"/orders/{order_id}", "finance")
        waiting = ("pending_approval", "credit_check")
        return found if found and found["status"] not in waiting else None

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
        found = client.get_if("billing", f"/customers/{customer_id}/exposure", "finance")
        return found if found and found["unbilled_shipments"] == order["total"] else None

    exposure = client.wait_for("billing to count the shipment", unbilled)
    report(
        f"billing    exposure {exposure['exposure']} of {exposure['credit_limit']}: "
        f"{exposure['unbilled_shipments']} unbilled"
    )

    contact = {"contact_name": "Zhao Lan", "contact": "+86 139 0000 0000"}
    link = client.ok(
        "POST", "orders", f"/orders/{order_id}/signing-requests", "sales-clerk", contact
    )
    report(f"orders     one-time signing link for the customer: {link['url']}")
    client.answer_as_customer(link["url"], "Zhao Lan", "Received in good order.")
    report("customer   signed the delivery confirmation on that page (CustomerSigned)")
    delivered = client.ok("GET", "orders", f"/orders/{order_id}", "finance")
    report(f"orders     order is {delivered['status']} (DeliveryConfirmed)")

    def vouchers_opened() -> list[dict[str, Any]] | None:
        path = f"/vouchers?customer_id={customer_id}"
        found = client.get_if("service-desk", path, "service-clerk")
        return found["items"] if found and len(found["items"]) == len(serials) else None

    vouchers = client.wait_for("service-desk to open the service vouchers", vouchers_opened)
    for voucher in vouchers:
        report(
            f"service    opened voucher {voucher['voucher_id']} for {voucher['serial_number']},"
            f" warranty until {voucher['warranty_until']}"
        )
    invoice_id = _invoice_to_payment(client, report, customer_id, order_id, token, paid)
    return Delivered(
        customer_id,
        order_id,
        "PUMP-7",
        serials,
        [v["voucher_id"] for v in vouchers],
        invoice_id,
        exposure["unbilled_shipments"],
    )


def _invoice_to_payment(
    client: FlowClient, report: Report, customer_id: str, order_id: str, token: str, paid: bool
) -> str:
    """BI-01 ... BI-09: the invoice request billing opened from the signed delivery, reviewed
    and issued, dispatched and signed for by the customer, then paid."""

    def opened() -> dict[str, Any] | None:
        path = f"/invoice-requests?order_id={order_id}"
        page = client.get_if("billing", path, "finance")
        return page["items"][0] if page and page["items"] else None

    request = client.wait_for("billing to open the invoice request", opened)
    path = f"/invoice-requests/{request['request_id']}"
    report(f"billing    opened invoice request {request['request_id']} for the salesperson")
    detail = client.ok("GET", "billing", path, "salesperson")
    lines = [
        {key: line[key] for key in ("product_code", "quantity", "unit_price")}
        for line in detail["delivered"]
    ]
    client.ok("POST", "billing", f"{path}/submit", "salesperson", {"lines": lines})
    for step, user in client.approve("billing", path):
        report(f"billing    step '{step}' granted and signed by {user}")
    invoice = client.ok("POST", "billing", f"{path}/issue", "finance", {"number": f"INV-{token}"})
    invoice_id: str = invoice["invoice_id"]
    report(f"billing    finance issued invoice {invoice['number']} for {invoice['amount']}")
    client.ok(
        "POST",
        "billing",
        f"/invoices/{invoice_id}/dispatch",
        "sales-clerk",
        {"register_number": f"REG-{token}"},
    )
    contact = {"contact_name": "Zhao Lan", "contact": "+86 139 0000 0000"}
    link = client.ok(
        "POST", "billing", f"/invoices/{invoice_id}/signing-requests", "sales-clerk", contact
    )
    client.answer_as_customer(link["url"], "Zhao Lan", "Invoice received.")
    report("customer   signed for the invoice on their own link (InvoiceReceiptSignedByCustomer)")
    if paid:
        _pay(client, report, customer_id, invoice_id, token)
    return invoice_id


def _pay(client: FlowClient, report: Report, customer_id: str, invoice_id: str, ref: str) -> None:
    """BI-04, BI-09: finance records the customer's transfer of what the invoice still owes."""
    owed = client.ok("GET", "billing", f"/receivables/{invoice_id}", "finance")
    payment = {
        "customer_id": customer_id,
        "amount": owed["outstanding"],
        "currency": owed["currency"],
        "method": "bank_transfer",
        "bank_ref": f"TRANSFER-{ref}",
        "received_at": clock.now().isoformat(),
        "applied_to": [{"invoice_id": invoice_id, "amount": owed["outstanding"]}],
    }
    client.ok("POST", "billing", "/payments", "finance", payment)
    receivable = client.ok("GET", "billing", f"/receivables/{invoice_id}", "finance")
    report(
        f"billing    finance recorded the payment: settled {receivable['settled']}, "
        f"outstanding {receivable['outstanding']} (PaymentApplied)"
    )


def service_call(client: FlowClient, delivered: Delivered, report: Report = _silent) -> str:
    """SD-03 ... SD-21: a delivered customer calls in; the supervisor dispatches a technician, who
    arrives, diagnoses a warranty job, completes it; the customer signs the report on their
    link; the clerk closes the call and the unit leader approves the report. Returns the call."""
    body = {
        "customer_id": delivered.customer_id,
        "caller_name": "Zhao Lan",
        "address": "2 Harbour Road, Ningbo",
        "phone": "+86 21 5555 0101",
        "model": delivered.product_code,
        "channel": "phone",
        "zone": "urban",
        "fault": "The pump stops after ten minutes",
        "voucher_id": delivered.voucher_ids[0],
    }
    call_id: str = client.ok("POST", "service-desk", "/service-calls", "service-clerk", body)[
        "call_id"
    ]
    path = f"/service-calls/{call_id}"
    report(f"service    call {call_id} registered, SLA clock running")
    dispatch = {"technician_ids": ["technician"]}
    client.ok("POST", "service-desk", f"{path}/dispatch", "service-supervisor", dispatch)
    client.ok("POST", "service-desk", f"{path}/arrival", "technician")
    diagnosis = {
        "in_warranty": True,
        "tampered": False,
        "running_hours": 1200,
        "findings": "Motor overheats",
        "cause": "Clogged filter",
        "service_type": "C",
    }
    client.ok("POST", "service-desk", f"{path}/diagnosis", "technician", diagnosis)
    completion = {
        "work_done": "Cleaned the filter, replaced the seal",
        "parts": [{"name": "Seal", "quantity": 1, "reason": "worn"}],
        "guidance_given": "Clean the filter monthly",
    }
    client.ok("POST", "service-desk", f"{path}/completion", "technician", completion)
    contact = {"contact_name": "Zhao Lan", "contact": "+86 139 0000 0000"}
    link = client.ok("POST", "service-desk", f"{path}/signing-requests", "technician", contact)
    client.answer_as_customer(link["url"], "Zhao Lan", "Fixed, thank you.")
    report("customer   signed the service report after the work (SD-11)")
    client.ok("POST", "service-desk", f"{path}/close", "service-clerk")
    for step, user in client.approve("service-desk", path):
        report(f"service    step '{step}' granted and signed by {user}")
    return call_id


def product_return(client: FlowClient, report: Report = _silent) -> tuple[Delivered, str]:
    """OR-24 ... OR-29, BI-18: one unit of an order delivered and invoiced (not paid yet) comes
    back: the branch manager confirms, the salesperson checks the goods, the technical
    department authenticates them, the sales manager approves the detail; the red outbound
    order, the warehouse's count; billing's red-letter invoice approved by the sales manager and
    finance, issued by finance; the customer pays the rest. Returns the order and the return."""
    delivered = order_to_cash(client, report, paid=False)
    body = {"order_id": delivered.order_id, "reason_code": "defective"}
    return_id: str = client.ok("POST", "orders", "/returns", "salesperson", body)["return_id"]
    path = f"/returns/{return_id}"
    report(f"orders     return {return_id} asked for by the salesperson (OR-24)")
    user = client.grant_step("orders", path, "branch_manager")
    report(f"orders     confirmed (OR-24): step granted and signed by {user}")
    goods = {"product_code": delivered.product_code, "description": PUMP, "quantity": 1}
    client.ok("POST", "orders", f"{path}/verification", "salesperson", {"lines": [goods]})
    user = client.grant_step("orders", path, "technical_authentication")
    report(f"orders     goods checked (OR-25), authenticated (OR-26) by {user}")
    client.ok("POST", "orders", f"{path}/detail", "salesperson")
    user = client.grant_step("orders", path, "sales_manager")
    report(f"orders     return detail approved (OR-27) by {user}")
    client.ok("POST", "orders", f"{path}/red-outbound", "sales-clerk")
    counted = {"counted": {delivered.product_code: 1}}
    client.ok("POST", "orders", f"{path}/receipt", "warehouse", counted)
    report("orders     red outbound order issued, the goods received and counted (OR-28)")

    note = f"/credit-notes/{CreditNote.id_for(UUID(return_id))}"
    client.wait_for(
        "billing to open the credit note", lambda: client.get_if("billing", note, "finance")
    )
    for step, user in client.approve("billing", note):
        report(f"billing    credit note step '{step}' granted and signed by {user}")
    issued = client.ok(
        "POST", "billing", f"{note}/issue", "finance", {"number": f"RED-{return_id[:8]}"}
    )
    report(f"billing    finance issued red-letter invoice {issued['number']} (BI-18)")
    _pay(client, report, delivered.customer_id, delivered.invoice_id, return_id[:8])
    return delivered, return_id


def complaint(client: FlowClient, delivered: Delivered, report: Report = _silent) -> str:
    """SD-32 ... SD-39: the customer complains by phone; the service department investigates,
    the clerk classifies it, the chain routes it, the department assigns, proposes and (the
    customer agreeing) carries out a solution, follows up, the supervisor's visit; closed on the
    customer's satisfaction. Returns the complaint."""
    body = {
        "customer_id": delivered.customer_id,
        "channel": "phone",
        "subject": "service",
        "description": "The technician came two days late",
    }
    desk = "service-department"
    complaint_id: str = client.ok("POST", "service-desk", "/complaints", "service-clerk", body)[
        "complaint_id"
    ]
    path = f"/complaints/{complaint_id}"
    report(f"service    complaint {complaint_id} received, reply due in 5 working days")
    investigation = {
        "valid": True,
        "findings": "Dispatched a day late",
        "investigation_form_ref": f"INV-{complaint_id[:8]}",
        "responsible_dept": "service",
    }
    client.ok("POST", "service-desk", f"{path}/investigation", desk, investigation)
    severity = {"severity": "general"}
    client.ok("POST", "service-desk", f"{path}/classification", "service-clerk", severity)
    for step, user in client.approve("service-desk", path):
        report(f"service    step '{step}' granted and signed by {user}")
    assignment = {"dept": "service", "transfer_form_ref": f"TR-{complaint_id[:8]}"}
    client.ok("POST", "service-desk", f"{path}/assignment", desk, assignment)
    solution = {"solution": "A free maintenance visit"}
    client.ok("POST", "service-desk", f"{path}/solution", desk, solution)
    opinion = {"accepted": True, "opinion_form_ref": f"OP-{complaint_id[:8]}"}
    client.ok("POST", "service-desk", f"{path}/customer-opinion", desk, opinion)
    client.ok("POST", "service-desk", f"{path}/implementation", desk)
    client.ok("POST", "service-desk", f"{path}/follow-ups", desk, {"satisfaction": "satisfied"})
    visit = {"visitor_id": "technician", "notes": "Apologised, checked the unit"}
    client.ok("POST", "service-desk", f"{path}/visit", "service-supervisor", visit)
    closed = client.ok("POST", "service-desk", f"{path}/closure", desk, {"notice_method": "phone"})
    report(f"service    complaint {closed['status']} on the customer's satisfaction (SD-39)")
    return complaint_id
