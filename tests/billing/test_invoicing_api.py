"""Invoicing over HTTP on a real store (BI-01…BI-03, BI-05, BI-09, BI-11, BI-13, BI-19): the
customer-confirmed delivery opens a request for the order's salesperson; the sales department
reviews it and finance issues the invoice; it is dispatched, registered and signed for by the
customer through their own link; payments recorded by finance settle it; aging and DSO as of any
day; an overdue receivable reported once by the timer. Refusals are 4xx that write nothing."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlparse
from uuid import UUID, uuid4

from eventsourcing.persistence import Tracking
from prometheus_client.parser import text_string_to_metric_families

from billing.adapters.outbound import OUTBOUND
from billing.application.invoicing import OVERDUE_RECEIVABLES
from billing.domain.credit_note import CreditNote
from contracts.billing import (
    CreditNoteIssued,
    InvoiceReceiptSignedByCustomer,
    PaymentApplied,
    ReceivableOverdue,
)
from contracts.customers import AccountOwnerChanged, CustomerRegistered
from contracts.orders import (
    ContractSigned,
    DeliveryConfirmedByCustomer,
    OrderLine,
    OrderPlaced,
    RedOutboundOrderIssued,
)
from runtime import clock
from runtime.unit_of_work import CommandContext
from tests.billing.test_expenses_api import app_of, refused
from tests.customers.test_metrics import promtool_accepts
from tests.service_client import ServiceClient
from tests.signers import Signers, page_answer

POLICY = CommandContext("billing:policy")
_POSITIONS = itertools.count(1)
LINES = [
    {"product_code": "P-1", "quantity": 2, "unit_price": "30.00"},
    {"product_code": "P-2", "quantity": 1, "unit_price": "40.00"},
]


def receive(client: ServiceClient, event: Any, topic: str) -> None:
    client.app.process(event, POLICY, Tracking(f"{topic}:0", next(_POSITIONS)))


def delivered(
    client: ServiceClient, customer_id: UUID | None = None, lines: list[dict[str, Any]] = LINES
) -> dict[str, Any]:
    """A customer of ``salesperson`` whose order of ``lines`` was delivered and confirmed: the
    draft request billing opened for it."""
    customer_id = customer_id or uuid4()
    receive(
        client,
        CustomerRegistered(customer_id=customer_id, legal_name="Acme", owner_id="salesperson"),
        "customers.events",
    )
    order_id = uuid4()
    order_lines = [OrderLine.model_validate(line) for line in lines]
    receive(
        client,
        OrderPlaced(order_id=order_id, customer_id=customer_id, lines=order_lines, currency="CNY"),
        "orders.events",
    )
    confirmed = DeliveryConfirmedByCustomer(
        order_id=order_id, customer_id=customer_id, lines=order_lines, received_at=clock.now()
    )
    receive(client, confirmed, "orders.events")
    receive(client, confirmed, "orders.events")  # redelivered as a new message: still one request
    page = client.page(f"/invoice-requests?order_id={order_id}", "salesperson")
    assert page["total"] == 1
    request: dict[str, Any] = page["items"][0]
    return request


def issued(
    client: ServiceClient,
    signers: Signers,
    customer_id: UUID | None = None,
    lines: list[dict[str, Any]] = LINES,
) -> str:
    """An invoice of ``lines`` (100.00 CNY unless given) issued by finance on a reviewed
    request; its id."""
    request_id = delivered(client, customer_id, lines)["request_id"]
    client.ok("POST", f"/invoice-requests/{request_id}/submit", "salesperson", {"lines": lines})
    signers.decide(app_of(client), UUID(request_id), "sales-manager", "sales_manager")
    signers.decide(app_of(client), UUID(request_id), "finance", "finance")
    body = {"number": "INV-0001"}
    invoice = client.ok("POST", f"/invoice-requests/{request_id}/issue", "finance", body)
    return str(invoice["invoice_id"])


def published(client: ServiceClient, aggregate_id: str) -> list[Any]:
    stored = app_of(client).events.get(UUID(aggregate_id))
    return [contract for event in stored if (contract := OUTBOUND(event)) is not None]


def test_bi_01_request_reviewed_issued_dispatched_and_signed_for_by_the_customer(
    client: ServiceClient, signers: Signers
) -> None:
    request = delivered(client)
    assert (request["status"], request["salesperson_id"], request["amount"]) == (
        "draft",
        "salesperson",
        "100.00",
    )
    request_id = request["request_id"]
    # BI-01: never issued without a request the sales department reviewed.
    refused(client, f"/invoice-requests/{request_id}/issue", "finance", "BI-01", {"number": "X"})
    submitted = client.ok(
        "POST", f"/invoice-requests/{request_id}/submit", "salesperson", {"lines": LINES}
    )
    assert submitted["status"] == "submitted"
    approval = client.ok("GET", f"/invoice-requests/{request_id}/approval", "salesperson")
    assert [s["name"] for s in approval["steps"]] == ["sales_review", "finance_issue"]
    refused(client, f"/invoice-requests/{request_id}/issue", "finance", "BI-01", {"number": "X"})
    signers.decide(app_of(client), UUID(request_id), "sales-manager", "sales_manager")
    signers.decide(app_of(client), UUID(request_id), "finance", "finance")
    # BI-15: finance issues it, never a salesperson.
    refused(
        client, f"/invoice-requests/{request_id}/issue", "salesperson", "BI-15", {"number": "X"}
    )

    invoice = client.ok(
        "POST", f"/invoice-requests/{request_id}/issue", "finance", {"number": "INV-7"}
    )
    invoice_id = invoice["invoice_id"]
    assert (invoice["status"], invoice["amount"], invoice["number"]) == (
        "issued",
        "100.00",
        "INV-7",
    )
    refused(client, f"/invoice-requests/{request_id}/issue", "finance", "BI-01", {"number": "Y"})
    (issued_event,) = published(client, invoice_id)
    assert (issued_event.order_id, issued_event.amount) == (UUID(request["order_id"]), 100)

    # BI-02: the customer signs only for an invoice dispatched and registered.
    link_body = {"contact_name": "Zhao Lan", "contact": "+86 139 0000 0000"}
    refused(client, f"/invoices/{invoice_id}/signing-requests", "sales-clerk", "BI-02", link_body)
    dispatched = client.ok(
        "POST", f"/invoices/{invoice_id}/dispatch", "sales-clerk", {"register_number": "R-12"}
    )
    assert (dispatched["status"], dispatched["register_number"]) == (
        "awaiting_customer_signature",
        "R-12",
    )
    link = client.ok("POST", f"/invoices/{invoice_id}/signing-requests", "sales-clerk", link_body)
    page = client.http.get(urlparse(link["url"]).path)
    assert page.status_code == 200 and "Invoice receipt" in page.text and "INV-7" in page.text
    signed = client.http.post(urlparse(link["url"]).path, json=page_answer())
    assert signed.status_code == 200, signed.text

    assert client.ok("GET", f"/receivables/{invoice_id}", "finance")["status"] == "delivered"
    receipt = published(client, invoice_id)[-1]
    assert isinstance(receipt, InvoiceReceiptSignedByCustomer)
    assert receipt.order_id == UUID(request["order_id"])
    row = client.page(f"/receivables?order_id={request['order_id']}", "sales-manager")["items"][0]
    assert (row["receipt_signed"], row["outstanding"]) == (True, "100.00")


def test_bi_02_an_invoice_is_dispatched_and_registered_once(
    client: ServiceClient, signers: Signers
) -> None:
    invoice_id = issued(client, signers)
    body = {"register_number": "R-1"}
    client.ok("POST", f"/invoices/{invoice_id}/dispatch", "finance", body)
    refused(client, f"/invoices/{invoice_id}/dispatch", "finance", "BI-02", body)


def test_bi_01_only_the_orders_salesperson_raises_the_request(client: ServiceClient) -> None:
    request_id = delivered(client)["request_id"]
    path = f"/invoice-requests/{request_id}/submit"
    refused(client, path, "salesperson-2", "BI-01", {"lines": LINES})
    client.ok("POST", path, "salesperson", {"lines": LINES})
    refused(client, path, "salesperson", "BI-01", {"lines": LINES})


def test_bi_03_the_invoice_must_match_the_confirmed_delivery(client: ServiceClient) -> None:
    request_id = delivered(client)["request_id"]
    path = f"/invoice-requests/{request_id}/submit"
    more = [{**LINES[0], "quantity": 3}, LINES[1]]
    answer = refused(client, path, "salesperson", "BI-03", {"lines": more})
    assert len(answer["details"]["delivered"]) == 2
    cheaper = [LINES[0], {**LINES[1], "unit_price": "35.00"}]
    refused(client, path, "salesperson", "BI-03", {"lines": cheaper})
    refused(client, path, "salesperson", "BI-03", {"lines": LINES[:1]})
    # The same lines in another order, prices written differently, match.
    same = [{**LINES[1], "unit_price": "40"}, LINES[0]]
    assert client.ok("POST", path, "salesperson", {"lines": same})["status"] == "submitted"


def test_bi_19_the_due_date_comes_from_the_contracts_payment_terms(
    client: ServiceClient, signers: Signers
) -> None:
    today = clock.now().astimezone(app_of(client).calendar.zone).date()
    default = client.ok("GET", f"/receivables/{issued(client, signers)}", "finance")
    assert default["due_on"] == (today + timedelta(days=30)).isoformat()  # the parameters' default

    customer_id = uuid4()
    signed = ContractSigned(
        contract_id=uuid4(),
        customer_id=customer_id,
        version_hash="a" * 64,
        customer_signature_id=uuid4(),
        company_signature_id=uuid4(),
        sealed=True,
        amount=Decimal(100),
        currency="CNY",
        signed_at=clock.now(),
        payment_terms_days=60,
    )
    receive(client, signed, "orders.events")
    invoice = client.ok("GET", f"/receivables/{issued(client, signers, customer_id)}", "finance")
    assert (invoice["due_on"], invoice["payment_terms_days"]) == (
        (today + timedelta(days=60)).isoformat(),
        60,
    )


def payment(customer_id: str, *parts: tuple[str, str], amount: str | None = None) -> Any:
    total = sum((Decimal(paid) for _, paid in parts), Decimal(0))
    return {
        "customer_id": customer_id,
        "amount": amount or str(total),
        "currency": "CNY",
        "method": "bank_transfer",
        "bank_ref": "ICBC 0001",
        "received_at": clock.now().isoformat(),
        "applied_to": [{"invoice_id": invoice_id, "amount": paid} for invoice_id, paid in parts],
    }


def test_bi_09_partial_payments_and_the_sale_complete_only_when_fully_paid(
    client: ServiceClient, signers: Signers
) -> None:
    invoice_id = issued(client, signers)
    customer_id = client.ok("GET", f"/receivables/{invoice_id}", "finance")["customer_id"]
    first = client.ok("POST", "/payments", "finance", payment(customer_id, (invoice_id, "40")))
    part = client.ok("GET", f"/receivables/{invoice_id}", "finance")
    assert (part["paid"], part["outstanding"], part["settled"]) == ("40.00", "60.00", False)
    (applied,) = [c for c in published(client, first["payment_id"])]
    assert isinstance(applied, PaymentApplied)
    assert (applied.applied_to, applied.amount) == ([UUID(invoice_id)], 40)

    # BI-09: nothing beyond what is owed; the parts add up to the amount received; own invoices.
    refused(client, "/payments", "finance", "BI-09", payment(customer_id, (invoice_id, "61")))
    body = payment(customer_id, (invoice_id, "10"), amount="20")
    refused(client, "/payments", "finance", "BI-09", body)
    refused(client, "/payments", "finance", "BI-09", payment(str(uuid4()), (invoice_id, "10")))

    client.ok("POST", "/payments", "accountant", payment(customer_id, (invoice_id, "60")))
    paid = client.ok("GET", f"/receivables/{invoice_id}", "finance")
    assert (paid["outstanding"], paid["settled"]) == ("0.00", True)
    rows = client.page(f"/receivables?customer_id={customer_id}&settled=true", "finance")
    assert rows["total"] == 1


def test_bi_05_a_salesperson_never_records_money_collected(
    client: ServiceClient, signers: Signers
) -> None:
    invoice_id = issued(client, signers)
    customer_id = client.ok("GET", f"/receivables/{invoice_id}", "finance")["customer_id"]
    body = payment(customer_id, (invoice_id, "100"))
    refused(client, "/payments", "salesperson", "BI-05", body)
    refused(client, "/payments", "sales-clerk", "BI-05", body)
    client.ok("POST", "/payments", "finance", body)


def test_bi_13_aging_and_dso_as_of_any_day(client: ServiceClient, signers: Signers) -> None:
    customer_id = uuid4()
    invoice_id = issued(client, signers, customer_id)
    client.ok("POST", "/payments", "finance", payment(str(customer_id), (invoice_id, "25")))
    client.app.catch_up_projections()
    due = date.fromisoformat(client.ok("GET", f"/receivables/{invoice_id}", "finance")["due_on"])
    today = clock.now().astimezone(app_of(client).calendar.zone).date()

    def aging(as_of: date) -> dict[str, Any]:
        path = f"/receivables/aging?as_of={as_of.isoformat()}&customer_id={customer_id}"
        answer: dict[str, Any] = client.ok("GET", path, "sales-manager")
        return answer

    before = aging(today - timedelta(days=1))
    assert (before["receivables"], before["dso"]) == ("0.00", None)
    now = aging(today)
    assert now["buckets"]["current"] == "75.00"
    assert (now["credit_sales"], now["dso"], now["period_days"]) == ("100.00", "67.5", 90)
    for days, bucket in ((1, "1-30"), (45, "31-60"), (61, "61-90"), (91, "over_90")):
        found = aging(due + timedelta(days=days))["buckets"]
        assert found[bucket] == "75.00", (days, found)
        assert sum(Decimal(v) for v in found.values()) == Decimal(75)
    by_owner = f"/receivables/aging?as_of={today.isoformat()}&salesperson_id="
    assert client.ok("GET", by_owner + "salesperson", "finance")["buckets"]["current"] != "0.00"
    assert client.ok("GET", by_owner + "salesperson-2", "finance")["receivables"] == "0.00"
    assert client.call("GET", "/receivables/aging?as_of=not-a-day", "finance").status_code == 422


def test_bi_11_an_overdue_receivable_is_reported_once_by_the_timer(
    client: ServiceClient, signers: Signers
) -> None:
    app = app_of(client)
    invoice_id = issued(client, signers)
    app.catch_up_projections()
    start = clock.now()

    def at(days: int) -> None:
        later = start + timedelta(days=days)
        while not app.calendar.is_working_day(later.astimezone(app.calendar.zone).date()):
            later += timedelta(days=1)
        clock.use(lambda: later)

    try:
        at(45)  # overdue, but not beyond the threshold of 30 days yet
        OVERDUE_RECEIVABLES.tick(app)
        assert not any(isinstance(c, ReceivableOverdue) for c in published(client, invoice_id))
        at(65)
        OVERDUE_RECEIVABLES.tick(app)
        app.catch_up_projections()
        OVERDUE_RECEIVABLES.tick(app)  # once per receivable
    finally:
        clock.use(lambda: datetime.now(tz=UTC))
    (overdue,) = [c for c in published(client, invoice_id) if isinstance(c, ReceivableOverdue)]
    assert (overdue.receivable_id, overdue.threshold, overdue.amount) == (
        UUID(invoice_id),
        30,
        100,
    )
    assert overdue.days_overdue > 30
    rows = client.page("/receivables?overdue_reported=true", "finance")
    assert [r["invoice_id"] for r in rows["items"]] == [invoice_id]


def test_bi_13_bi_09_the_receivables_dashboard_follows_the_read_models(
    client: ServiceClient, signers: Signers
) -> None:
    invoice_id = issued(client, signers)
    customer_id = client.ok("GET", f"/receivables/{invoice_id}", "finance")["customer_id"]
    client.ok("POST", "/payments", "finance", payment(customer_id, (invoice_id, "25")))
    delivered(client)  # a second request, still a draft
    client.app.catch_up_projections()
    exposition = client.http.get("/metrics").text
    promtool_accepts(exposition)
    found = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name.startswith("countersign_billing_")
    }
    aging = {
        labels[0][1]: value
        for (name, labels), value in found.items()
        if name == "countersign_billing_receivables_aging"
    }
    assert aging == {"current": 75, "1-30": 0, "31-60": 0, "61-90": 0, "over_90": 0}
    assert found[("countersign_billing_dso", ())] == 67.5
    # BI-09: the collection rate per salesperson, 25 of 100.
    owner = (("salesperson", "salesperson"),)
    assert found[("countersign_billing_collected_amount", owner)] == 25
    assert found[("countersign_billing_collectable_amount", owner)] == 100
    assert found[("countersign_billing_collectable_amount", (("salesperson", ""),))] == 0
    assert found[("countersign_billing_receivables_overdue", ())] == 0
    assert found[("countersign_billing_invoices_without_signed_receipt", ())] == 1
    requests = "countersign_billing_invoice_requests"
    assert found[(requests, (("status", "invoiced"),))] == 1
    assert found[(requests, (("status", "draft"),))] == 1
    assert found[(requests, (("status", "rejected"),))] == 0


def test_cu_22_open_receivables_and_drafts_pass_to_the_new_owner(
    client: ServiceClient, signers: Signers
) -> None:
    customer_id = uuid4()
    open_id = issued(client, signers, customer_id)
    paid_id = issued(client, signers, customer_id)
    client.ok("POST", "/payments", "finance", payment(str(customer_id), (paid_id, "100")))
    draft_id = delivered(client, customer_id)["request_id"]
    changed = AccountOwnerChanged(
        customer_id=customer_id,
        owner_id="salesperson-2",
        deputy_id=None,
        reason="handover",
        changed_by="sales-manager",
        handover_id=uuid4(),
    )
    receive(client, changed, "customers.events")

    owners = {
        row["invoice_id"]: row["account_owner_id"]
        for row in client.page(f"/receivables?customer_id={customer_id}", "finance")["items"]
    }
    assert owners == {open_id: "salesperson-2", paid_id: "salesperson"}  # settled: kept
    draft = client.ok("GET", f"/invoice-requests/{draft_id}", "salesperson-2")
    assert draft["salesperson_id"] == "salesperson-2"
    path = f"/invoice-requests/{draft_id}/submit"
    refused(client, path, "salesperson", "BI-01", {"lines": LINES})
    client.ok("POST", path, "salesperson-2", {"lines": LINES})


def test_bi_01_a_request_the_sales_department_rejects_is_corrected_and_submitted_again(
    client: ServiceClient, signers: Signers
) -> None:
    request_id = delivered(client)["request_id"]
    path = f"/invoice-requests/{request_id}/submit"
    client.ok("POST", path, "salesperson", {"lines": LINES})
    app = app_of(client)
    signers.decide(app, UUID(request_id), "sales-manager", "sales_manager", "reject", "wrong tax")
    rejected = client.ok("GET", f"/invoice-requests/{request_id}", "salesperson")
    assert (rejected["status"], rejected["rejection"]) == ("rejected", "wrong tax")
    refused(client, f"/invoice-requests/{request_id}/issue", "finance", "BI-01", {"number": "X"})
    assert client.ok("POST", path, "salesperson", {"lines": LINES})["status"] == "submitted"
    signers.decide(app, UUID(request_id), "sales-manager", "sales_manager")
    signers.decide(app, UUID(request_id), "finance", "finance")
    client.ok("POST", f"/invoice-requests/{request_id}/issue", "finance", {"number": "INV-9"})
    assert client.page("/invoice-requests?status=invoiced", "finance")["total"] == 1


def returned(client: ServiceClient, invoice_id: str, *lines: dict[str, Any]) -> str:
    """Orders' red outbound order for goods of the invoice's order; the credit note's path."""
    invoice = client.ok("GET", f"/receivables/{invoice_id}", "finance")
    return_id = uuid4()
    red = RedOutboundOrderIssued(
        return_id=return_id,
        order_id=invoice["order_id"],
        customer_id=invoice["customer_id"],
        red_outbound_id=uuid4(),
        lines=[OrderLine.model_validate(line) for line in lines],
        currency="CNY",
    )
    receive(client, red, "orders.events")
    receive(client, red, "orders.events")  # redelivered: still one credit note
    return f"/credit-notes/{CreditNote.id_for(return_id)}"


def test_bi_18_a_return_is_reversed_by_an_approved_red_letter_invoice(
    client: ServiceClient, signers: Signers
) -> None:
    invoice_id = issued(client, signers)
    note = returned(client, invoice_id, LINES[1])
    requested = client.ok("GET", note, "finance")
    assert (requested["status"], requested["amount"]) == ("requested", "40.00")
    assert requested["original_invoice_id"] == invoice_id
    approval = client.ok("GET", f"{note}/approval", "finance")
    assert [s["name"] for s in approval["steps"]] == ["sales_manager", "finance"]
    refused(client, f"{note}/issue", "finance", "BI-18", {"number": "RED-1"})
    note_id = UUID(requested["credit_note_id"])
    signers.decide(app_of(client), note_id, "sales-manager", "sales_manager")
    signers.decide(app_of(client), note_id, "finance", "finance")
    # BI-15: finance issues it, never a salesperson.
    refused(client, f"{note}/issue", "salesperson", "BI-15", {"number": "RED-1"})
    issued_note = client.ok("POST", f"{note}/issue", "finance", {"number": "RED-1"})
    assert (issued_note["status"], issued_note["number"]) == ("issued", "RED-1")
    # Published for orders, whose return's cycle it ends (RULES §8).
    (credit,) = [
        published
        for event in app_of(client).events.get(note_id)
        if isinstance(published := OUTBOUND(event), CreditNoteIssued)
    ]
    assert (credit.credit_note_id, credit.amount, str(credit.original_invoice_id)) == (
        note_id,
        Decimal("40.00"),
        invoice_id,
    )
    assert str(credit.order_id) == requested["order_id"]
    refused(client, f"{note}/issue", "finance", "BI-18", {"number": "RED-2"})
    invoice = client.ok("GET", f"/receivables/{invoice_id}", "finance")
    assert (invoice["credited"], invoice["outstanding"]) == ("40.00", "60.00")

    # BI-18: never more than is left of the original invoice.
    too_much = returned(client, invoice_id, {**LINES[0], "quantity": 3})
    too_much_id = UUID(client.ok("GET", too_much, "finance")["credit_note_id"])
    signers.decide(app_of(client), too_much_id, "sales-manager", "sales_manager")
    signers.decide(app_of(client), too_much_id, "finance", "finance")
    refused(client, f"{too_much}/issue", "finance", "BI-18", {"number": "RED-3"})

    customer_id = invoice["customer_id"]
    client.ok("POST", "/payments", "finance", payment(customer_id, (invoice_id, "60")))
    row = client.page(f"/receivables?customer_id={customer_id}", "finance")["items"][0]
    assert (row["paid"], row["credited"], row["outstanding"], row["settled"]) == (
        "60.00",
        "40.00",
        "0.00",
        True,
    )


def test_bi_15_nobody_records_a_payment_on_receivables_they_chase(
    client: ServiceClient, signers: Signers
) -> None:
    customer_id = uuid4()
    invoice_id = issued(client, signers, customer_id)
    # The account passes to an owner who also works in finance (a small branch's set-up).
    changed = AccountOwnerChanged(
        customer_id=customer_id,
        owner_id="finance",
        deputy_id=None,
        reason="handover",
        changed_by="sales-manager",
        handover_id=uuid4(),
    )
    receive(client, changed, "customers.events")
    body = payment(str(customer_id), (invoice_id, "100"))
    refused(client, "/payments", "finance", "BI-15", body)
    client.ok("POST", "/payments", "accountant", body)
