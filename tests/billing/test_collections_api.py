"""Collections over HTTP on a real store (BI-06, BI-14): an instrument an employee received is
handed to finance, who signs for it; the timer flags, once, an instrument not handed over by the
close of its day; finance records a dishonoured instrument, published as
``InstrumentDishonoured``. Refusals are 4xx that write nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from billing.adapters.outbound import OUTBOUND
from billing.application.collections import INSTRUMENT_HANDOVERS
from contracts.billing import InstrumentDishonoured
from kernel.approvals.domain import Capacity, Method, SignatureCapture
from runtime import clock
from runtime.aggregate import RuleViolation
from tests.billing.test_expenses_api import app_of, refused
from tests.billing.test_invoicing_api import issued, payment
from tests.service_client import ServiceClient
from tests.signers import Signers


def instrument(client: ServiceClient, user: str = "salesperson", **changes: Any) -> dict[str, Any]:
    body = {
        "customer_id": str(uuid4()),
        "instrument_type": "acceptance_bill",
        "number": "AB-0001",
        "amount": "5000.00",
        "currency": "CNY",
        "maturity": "2027-03-01",
        **changes,
    }
    answer: dict[str, Any] = client.ok("POST", "/instruments", user, body)
    return answer


def published(client: ServiceClient, aggregate_id: str) -> list[Any]:
    stored = app_of(client).events.get(UUID(aggregate_id))
    return [contract for event in stored if (contract := OUTBOUND(event)) is not None]


def test_bi_06_an_instrument_is_handed_to_finance_who_signs_for_it(
    client: ServiceClient,
) -> None:
    received = instrument(client)
    assert (received["status"], received["received_by"]) == ("received", "salesperson")
    path = f"/instruments/{received['instrument_id']}/handover"
    handed = client.ok("POST", path, "finance")
    assert (handed["status"], handed["handed_to"]) == ("with_finance", "finance")
    client.app.catch_up_projections()
    rows = client.page("/instruments?status=with_finance", "sales-manager")["items"]
    assert [(r["instrument_id"], r["handed_to"]) for r in rows] == [
        (received["instrument_id"], "finance")
    ]


def test_bi_06_only_finance_signs_for_an_instrument_and_only_once(
    client: ServiceClient,
) -> None:
    received = instrument(client, "sales-clerk")
    path = f"/instruments/{received['instrument_id']}/handover"
    refused(client, path, "salesperson", "BI-06")
    refused(client, path, "sales-clerk", "BI-06")
    refused(client, path, "sales-manager", "BI-06")
    client.ok("POST", path, "finance")
    refused(client, path, "finance", "BI-06")


def test_bi_06_the_one_who_received_it_does_not_sign_for_it(client: ServiceClient) -> None:
    received = instrument(client, "finance")
    refused(client, f"/instruments/{received['instrument_id']}/handover", "finance", "BI-06")


def test_bi_06_only_instruments_are_registered(client: ServiceClient) -> None:
    body = {
        "customer_id": str(uuid4()),
        "instrument_type": "acceptance_bill",
        "number": "AB-1",
        "amount": "0",
        "currency": "CNY",
        "maturity": "2027-03-01",
    }
    response = client.call("POST", "/instruments", "salesperson", body)
    assert 400 <= response.status_code < 500, response.text
    response = client.call(
        "POST", "/instruments", "salesperson", {**body, "amount": "10", "instrument_type": "iou"}
    )
    assert 400 <= response.status_code < 500, response.text


def test_bi_06_an_instrument_not_handed_over_by_the_close_of_its_day_is_flagged_once(
    client: ServiceClient,
) -> None:
    app = app_of(client)
    late = instrument(client)
    on_time = instrument(client)
    client.ok("POST", f"/instruments/{on_time['instrument_id']}/handover", "finance")
    app.catch_up_projections()
    due = datetime.fromisoformat(late["handover_due_at"])
    try:
        clock.use(lambda: due - timedelta(minutes=1))
        INSTRUMENT_HANDOVERS.tick(app)
        app.catch_up_projections()
        assert client.page("/instruments?handover_missed=true", "finance")["items"] == []
        clock.use(lambda: due + timedelta(minutes=1))
        INSTRUMENT_HANDOVERS.tick(app)
        app.catch_up_projections()
        INSTRUMENT_HANDOVERS.tick(app)  # once per instrument
        app.catch_up_projections()
    finally:
        clock.use(lambda: datetime.now(tz=UTC))
    stored = [type(e).__name__ for e in app.events.get(UUID(late["instrument_id"]))]
    assert stored.count("HandoverMissed") == 1
    # XC-08: recorded once as a violation against the employee who received it
    notes = app.recorder.select_notifications(start=1, limit=10_000)
    recorded = [app.mapper.to_domain_event(n) for n in notes if "RuleViolationRecorded" in n.topic]
    assert [(v.finding.rule_id, v.finding.person_id) for v in recorded] == [
        ("BI-06", "salesperson")
    ]
    rows = client.page("/instruments?handover_missed=true", "finance")["items"]
    assert [r["instrument_id"] for r in rows] == [late["instrument_id"]]
    exposition = client.http.get("/metrics").text
    assert "countersign_billing_instruments_handover_missed 1.0" in exposition
    # handed over late, it is still recorded as late
    handed = client.ok("POST", f"/instruments/{late['instrument_id']}/handover", "finance")
    assert (handed["status"], handed["handover_missed"]) == ("with_finance", True)


def test_bi_06_instruments_not_handed_over_on_metrics(client: ServiceClient) -> None:
    instrument(client)
    handed = instrument(client)
    client.ok("POST", f"/instruments/{handed['instrument_id']}/handover", "finance")
    client.app.catch_up_projections()
    text = client.http.get("/metrics").text
    assert "countersign_billing_instruments_not_handed_over 1.0" in text


def test_bi_14_finance_records_a_dishonoured_instrument_and_billing_publishes_it(
    client: ServiceClient,
) -> None:
    received = instrument(client, instrument_type="cheque", number="CH-9")
    instrument_id = received["instrument_id"]
    path = f"/instruments/{instrument_id}/dishonour"
    body = {"reason": "insufficient funds"}
    refused(client, path, "finance", "BI-14", body)  # not with finance yet
    client.ok("POST", f"/instruments/{instrument_id}/handover", "finance")
    refused(client, path, "salesperson", "BI-14", body)
    refused(client, path, "sales-manager", "BI-14", body)
    dishonoured = client.ok("POST", path, "finance", body)
    assert (dishonoured["status"], dishonoured["dishonour_reason"]) == (
        "dishonoured",
        "insufficient funds",
    )
    refused(client, path, "finance", "BI-14", body)
    (event,) = [c for c in published(client, instrument_id) if isinstance(c, InstrumentDishonoured)]
    assert (event.instrument_id, event.customer_id, event.instrument_type) == (
        UUID(instrument_id),
        UUID(received["customer_id"]),
        "cheque",
    )
    assert (event.amount, event.currency, event.reason) == (
        Decimal("5000.00"),
        "CNY",
        "insufficient funds",
    )


# -- BI-04: the collection request


def collection(client: ServiceClient, signers: Signers) -> tuple[str, str]:
    """An invoice of 100.00 CNY issued to a customer of ``salesperson``: (customer, invoice)."""
    invoice_id = issued(client, signers)
    customer_id = client.ok("GET", f"/receivables/{invoice_id}", "finance")["customer_id"]
    return str(customer_id), invoice_id


def raise_body(customer_id: str, invoice_id: str, amount: str = "100.00") -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "currency": "CNY",
        "amount": amount,
        "bank_account": "ICBC 6222 0000 1111",
        "invoice_ids": [invoice_id],
    }


def test_bi_04_salesperson_raises_sales_and_finance_confirm_customer_told_and_chased(
    client: ServiceClient, signers: Signers
) -> None:
    customer_id, invoice_id = collection(client, signers)
    request = client.ok(
        "POST", "/collection-requests", "salesperson", raise_body(customer_id, invoice_id)
    )
    request_id = request["request_id"]
    assert (request["status"], request["salesperson_id"]) == ("submitted", "salesperson")
    notify = f"/collection-requests/{request_id}/notify"
    refused(client, notify, "salesperson", "BI-04", {"channel": "phone"})  # not confirmed yet
    app = app_of(client)
    signers.decide(app, UUID(request_id), "sales-manager", "sales_manager")
    signers.decide(app, UUID(request_id), "finance", "finance")
    assert client.ok("GET", f"/collection-requests/{request_id}", "finance")["status"] == (
        "confirmed"
    )
    refused(client, notify, "finance", "BI-04", {"channel": "phone"})
    told = client.ok("POST", notify, "salesperson", {"channel": "phone"})
    assert told["status"] == "customer_notified"
    chase = f"/collection-requests/{request_id}/chase"
    client.ok("POST", chase, "salesperson", {"note": "called the buyer"})
    refused(client, chase, "sales-clerk", "BI-04", {"note": "not theirs"})
    refused(client, chase, "finance", "BI-04", {"note": "not theirs"})
    app.catch_up_projections()
    rows = client.page(f"/collection-requests?customer_id={customer_id}", "sales-manager")
    assert [(r["status"], r["chases"]) for r in rows["items"]] == [("customer_notified", 1)]
    # BI-05: the salesperson who chased never records the money; finance does
    body = payment(customer_id, (invoice_id, "100"))
    refused(client, "/payments", "salesperson", "BI-05", body)
    client.ok("POST", "/payments", "finance", body)


def test_bi_04_a_collection_request_covers_open_receivables_and_is_raised_by_sales(
    client: ServiceClient, signers: Signers
) -> None:
    customer_id, invoice_id = collection(client, signers)
    path = "/collection-requests"
    refused(client, path, "finance", "BI-04", raise_body(customer_id, invoice_id))
    refused(client, path, "salesperson", "BI-04", raise_body(customer_id, invoice_id, "100.01"))
    refused(client, path, "salesperson", "BI-04", raise_body(str(uuid4()), invoice_id))
    refused(client, path, "salesperson", "BI-04", raise_body(customer_id, str(uuid4())))
    client.ok("POST", "/payments", "finance", payment(customer_id, (invoice_id, "100")))
    refused(client, path, "salesperson", "BI-04", raise_body(customer_id, invoice_id))


def test_bi_04_a_rejected_collection_request_is_not_told_to_the_customer(
    client: ServiceClient, signers: Signers
) -> None:
    customer_id, invoice_id = collection(client, signers)
    request = client.ok(
        "POST", "/collection-requests", "salesperson", raise_body(customer_id, invoice_id, "60")
    )
    request_id = request["request_id"]
    signers.decide(
        app_of(client),
        UUID(request_id),
        "sales-manager",
        "sales_manager",
        "reject",
        "wrong account",
    )
    found = client.ok("GET", f"/collection-requests/{request_id}", "salesperson")
    assert found["status"] == "rejected"
    path = f"/collection-requests/{request_id}/notify"
    refused(client, path, "salesperson", "BI-04", {"channel": "email"})


# -- BI-17: cash handovers


def own_signature(user: str) -> SignatureCapture:
    return SignatureCapture(
        user, user, Capacity.EMPLOYEE, "", Method.E_SIGN, None, "Shanghai", clock.now()
    )


def refused_signature(
    client: ServiceClient, signers: Signers, handover_id: str, user: str, capture: SignatureCapture
) -> None:
    app = app_of(client)
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolation) as refusal:
        signers.seal(app, UUID(handover_id), user, capture)
    assert refusal.value.rule == "BI-17"
    assert app.recorder.max_notification_id() == before


def test_bi_17_a_cash_handover_is_signed_by_both_giver_and_receiver(
    client: ServiceClient, signers: Signers
) -> None:
    body = {
        "giver_id": "salesperson",
        "receiver_id": "finance",
        "amount": "800.00",
        "currency": "CNY",
        "purpose": "cash the customer paid on site",
    }
    handover = client.ok("POST", "/cash-handovers", "finance", body)
    handover_id = handover["handover_id"]
    assert handover["status"] == "awaiting_signatures"
    app = app_of(client)
    refused_signature(client, signers, handover_id, "sales-manager", own_signature("sales-manager"))
    refused_signature(client, signers, handover_id, "finance", own_signature("salesperson"))
    signers.seal(app, UUID(handover_id), "salesperson", own_signature("salesperson"))
    refused_signature(client, signers, handover_id, "salesperson", own_signature("salesperson"))
    one = client.ok("GET", f"/cash-handovers/{handover_id}", "finance")
    assert one["status"] == "awaiting_signatures"  # one signature is not enough
    signers.seal(app, UUID(handover_id), "finance", own_signature("finance"))
    assert client.ok("GET", f"/cash-handovers/{handover_id}", "finance")["status"] == "signed"
    refused_signature(client, signers, handover_id, "finance", own_signature("finance"))
    app.catch_up_projections()
    rows = client.page("/cash-handovers?receiver_id=finance&status=signed", "finance")["items"]
    assert [r["handover_id"] for r in rows] == [handover_id]


def test_bi_17_a_cash_handover_passes_between_two_and_is_recorded_by_one_of_them(
    client: ServiceClient,
) -> None:
    body = {
        "giver_id": "salesperson",
        "receiver_id": "finance",
        "amount": "800.00",
        "currency": "CNY",
        "purpose": "cash",
    }
    refused(client, "/cash-handovers", "sales-manager", "BI-17", body)
    refused(client, "/cash-handovers", "finance", "BI-17", {**body, "giver_id": "finance"})
    client.ok("POST", "/cash-handovers", "salesperson", body)


# -- BI-07: the daily collections check


def test_bi_07_a_daily_check_lists_exceptions_open_until_resolved(client: ServiceClient) -> None:
    app = app_of(client)
    today = clock.now().astimezone(app.calendar.zone).date()
    yesterday, earlier = today - timedelta(days=1), today - timedelta(days=2)
    found = {
        "kind": "unapplied_cash",
        "description": "5,000 received without a reference",
        "owner_id": "sales-clerk",
    }
    first = client.ok(
        "POST",
        "/collections-checks",
        "finance",
        {"day": earlier.isoformat(), "exceptions": [found]},
    )
    (exception_id,) = first["exception_ids"]
    app.catch_up_projections()
    second = client.ok(
        "POST",
        "/collections-checks",
        "sales-clerk",
        {"day": yesterday.isoformat(), "exceptions": []},
    )
    assert (second["exception_ids"], second["carried_over"]) == ([], [exception_id])
    refused(client, "/collections-checks", "finance", "BI-07", {"day": yesterday.isoformat()})
    path = f"/collection-exceptions/{exception_id}/resolve"
    refused(client, path, "salesperson", "BI-07", {"resolution": "not mine"})
    resolved = client.ok("POST", path, "sales-clerk", {"resolution": "applied to INV-7"})
    assert (resolved["status"], resolved["resolved_by"]) == ("resolved", "sales-clerk")
    refused(client, path, "finance", "BI-07", {"resolution": "again"})
    app.catch_up_projections()
    exposition = client.http.get("/metrics").text
    assert "countersign_billing_collections_checked_today 0.0" in exposition
    third = client.ok("POST", "/collections-checks", "finance", {"day": today.isoformat()})
    assert third["carried_over"] == []
    app.catch_up_projections()
    exposition = client.http.get("/metrics").text
    assert "countersign_billing_collections_checked_today 1.0" in exposition
    assert "countersign_billing_collection_exceptions_open 0.0" in exposition
    assert client.page("/collection-exceptions?status=open", "finance")["items"] == []
    checks = client.page("/collections-checks", "sales-manager")["items"]
    assert [(c["new_exceptions"], c["carried_over"]) for c in checks] == [(1, 0), (0, 1), (0, 0)]


def test_bi_07_the_clerk_and_finance_check_the_collections_once_the_day_came(
    client: ServiceClient,
) -> None:
    today = clock.now().astimezone(app_of(client).calendar.zone).date()
    body = {"day": today.isoformat()}
    refused(client, "/collections-checks", "salesperson", "BI-07", body)
    refused(client, "/collections-checks", "sales-manager", "BI-07", body)
    later = {"day": (today + timedelta(days=1)).isoformat()}
    refused(client, "/collections-checks", "finance", "BI-07", later)
    client.ok("POST", "/collections-checks", "sales-clerk", body)
