"""The customer cared for over HTTP on a real store: stale files (CU-20), visit plans, the weekly
meeting, visits and work logs (CU-18), care plans and follow-ups due (CU-25), and the trading
history fed by orders' and billing's events (CU-26), tiered access (CU-21) and segments (CU-24).
Refusals are 422s with the rule's id that change nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import Tracking

from contracts.billing import InvoiceIssued
from contracts.orders import DeliveryConfirmedByCustomer, GoodsIssued, OrderLine
from customers.bootstrap import SPEC
from customers.domain.access import CONFIDENTIAL_FIELDS, RISK_FIELDS
from customers.domain.customer import FILE_REFRESH_INTERVAL_DAYS
from kernel.application import KernelApplication
from kernel.settings import KernelSettings
from runtime.unit_of_work import CommandContext
from tests.service_client import ServiceClient, service_client
from tests.signers import Signers

SATURDAY_MORNING = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
"""09:00 in Shanghai, the calendar's zone: the weekly meeting before the week of MONDAY."""
MONDAY = date(2026, 12, 7)
ALICE = {"name": "Alice Wang", "role": "Purchasing manager", "phone": "+86 21 5555 0101"}
POLICY = CommandContext("customers:policy")


@pytest.fixture
def client(store_settings: KernelSettings, moved_clock: list[datetime]) -> Iterator[ServiceClient]:
    moved_clock[0] = SATURDAY_MORNING
    with service_client(SPEC, store_settings) as client:
        assert isinstance(client.app, KernelApplication)
        Signers(store_settings.keys_path).put_policies_in_force(client.app)
        yield client


def register(client: ServiceClient, name: str = "ACME Valves") -> str:
    customer = client.ok("POST", "/customers", "salesperson", {"legal_name": name})
    return str(customer["customer_id"])


def refused(client: ServiceClient, path: str, user: str, body: Any, rule: str) -> dict[str, Any]:
    response = client.call("POST", path, user, body)
    assert response.status_code == 422, response.text
    answer: dict[str, Any] = response.json()
    assert answer["rule"] == rule, answer
    return answer


def ids(page: Any, key: str) -> list[str]:
    return [str(item[key]) for item in page["items"]]


def test_cu_20_a_file_not_refreshed_for_three_months_is_stale_until_sales_refresh_it(
    client: ServiceClient, moved_clock: list[datetime]
) -> None:
    customer_id = register(client)
    empty_id = register(client, "Bravo Pumps")
    client.ok("POST", f"/customers/{customer_id}/file", "salesperson", {"contacts": [ALICE]})
    assert client.page("/customer-files/stale", "sales-manager")["total"] == 0

    moved_clock[0] += timedelta(days=FILE_REFRESH_INTERVAL_DAYS + 1)
    stale = client.page("/customer-files/stale?owner_id=salesperson", "sales-manager")
    assert sorted(ids(stale, "customer_id")) == sorted([customer_id, empty_id])

    refused(
        client,
        f"/customers/{empty_id}/file/refresh",
        "salesperson",
        {"how_checked": "call"},
        "CU-20",
    )
    refreshed = client.ok(
        "POST",
        f"/customers/{customer_id}/file/refresh",
        "salesperson",
        {"how_checked": "Visited the plant; contacts unchanged"},
    )
    assert refreshed["customer_id"] == customer_id
    stale = client.page("/customer-files/stale", "sales-manager")
    assert ids(stale, "customer_id") == [empty_id]


def test_cu_18_only_the_sales_manager_confirms_weekly_key_visits(client: ServiceClient) -> None:
    key_id, other_id = register(client), register(client, "Bravo Pumps")
    week = {
        "period": "week",
        "starts_on": MONDAY.isoformat(),
        "visits": [
            {"customer_id": key_id, "on": MONDAY.isoformat(), "purpose": "Quote line 2"},
            {"customer_id": other_id, "on": "2026-12-08", "purpose": "Introduce"},
        ],
    }
    plan = client.ok("POST", "/visit-plans", "salesperson", week)
    assert (plan["salesperson"], plan["visits_planned"]) == ("salesperson", 2)
    refused(client, "/visit-plans", "salesperson", week, "CU-18")  # planned already
    tuesday = {**week, "starts_on": "2026-12-08"}
    refused(client, "/visit-plans", "salesperson-2", tuesday, "CU-18")

    path = f"/visit-plans/{plan['plan_id']}/key-visits"
    refused(client, path, "salesperson", {"customer_ids": [key_id]}, "CU-18")
    assert client.ok("GET", f"/visit-plans/{plan['plan_id']}", "finance")["key_customer_ids"] == []
    confirmed = client.ok("POST", path, "sales-manager", {"customer_ids": [key_id]})
    assert confirmed["key_customer_ids"] == [key_id]
    assert confirmed["key_visits_confirmed_by"] == "sales-manager"
    plans = client.page("/visit-plans?salesperson=salesperson&period=week", "sales-manager")
    assert plans["items"][0]["key_visits_confirmed_by"] == "sales-manager"


def test_cu_18_each_visit_is_recorded_with_the_facts_by_its_salesperson(
    client: ServiceClient, moved_clock: list[datetime]
) -> None:
    customer_id = register(client)
    day = {
        "period": "day",
        "starts_on": MONDAY.isoformat(),
        "visits": [{"customer_id": customer_id, "on": MONDAY.isoformat(), "purpose": "Demo"}],
    }
    plan = client.ok("POST", "/visit-plans", "salesperson", day)
    path = f"/visit-plans/{plan['plan_id']}/visits"
    visit = {"customer_id": customer_id, "visited_on": MONDAY.isoformat(), "facts": "New buyer"}
    refused(client, path, "salesperson", visit, "CU-18")  # Monday has not come yet

    moved_clock[0] += timedelta(days=2)
    refused(client, path, "salesperson-2", visit, "CU-18")  # not their plan
    recorded = client.ok("POST", path, "salesperson", visit)
    assert recorded["visits_recorded"] == 1
    visits = client.page(f"/customer-visits?customer_id={customer_id}", "sales-manager")
    assert [(v["facts"], v["recorded_by"]) for v in visits["items"]] == [
        ("New buyer", "salesperson")
    ]
    assert client.page("/visit-plans?period=day", "finance")["items"][0]["visits_recorded"] == 1


def test_cu_18_the_work_log_is_written_on_the_day(client: ServiceClient) -> None:
    today = SATURDAY_MORNING.date().isoformat()
    client.ok("POST", "/work-logs", "salesperson", {"day": today, "entry": "Weekly meeting"})
    log = client.ok("POST", "/work-logs", "salesperson", {"day": today, "entry": "Called ACME"})
    assert log["entries"] == ["Weekly meeting", "Called ACME"]
    refused(client, "/work-logs", "salesperson", {"day": "2026-12-04", "entry": "Late"}, "CU-18")
    assert client.ok("GET", f"/work-logs/salesperson/{today}", "sales-manager") == log


def test_cu_25_key_customers_get_a_care_plan_and_follow_ups_fall_due(
    client: ServiceClient, moved_clock: list[datetime]
) -> None:
    key_id, ordinary_id = register(client), register(client, "Bravo Pumps")
    client.ok("POST", f"/customers/{key_id}/file", "salesperson", {"important": True})
    plan_body = {"customer_id": ordinary_id, "follow_up_every_days": 30, "measures": "Visit"}
    refused(client, "/care-plans", "service-department", plan_body, "CU-25")
    plan = client.ok(
        "POST", "/care-plans", "service-department", {**plan_body, "customer_id": key_id}
    )
    refused(client, "/care-plans", "sales-manager", {**plan_body, "customer_id": key_id}, "CU-25")
    assert client.page("/care-plans/follow-ups-due", "service-department")["total"] == 0

    moved_clock[0] += timedelta(days=31)
    due = client.page("/care-plans/follow-ups-due", "sales-manager")
    assert ids(due, "care_plan_id") == [plan["care_plan_id"]]

    path = f"/care-plans/{plan['care_plan_id']}/follow-ups"
    today = moved_clock[0].date()
    refused(
        client,
        path,
        "salesperson",
        {"visited_on": (today + timedelta(days=1)).isoformat(), "findings": "ok"},
        "CU-25",
    )
    followed = client.ok(
        "POST",
        path,
        "salesperson",
        {"visited_on": today.isoformat(), "findings": "Line 2 idle", "feedback": "Slow spares"},
    )
    assert (followed["follow_ups"], followed["last_feedback"]) == (1, "Slow spares")
    assert client.page("/care-plans/follow-ups-due", "sales-manager")["total"] == 0


def line(quantity: int) -> OrderLine:
    return OrderLine(product_code="P-1", quantity=quantity, unit_price=Decimal("12.50"))


def test_cu_26_the_trading_history_accumulates_orders_and_billing_events(
    client: ServiceClient,
) -> None:
    customer_id = register(client)
    order_id, invoice_id = uuid4(), uuid4()
    shipped = GoodsIssued(
        order_id=order_id,
        customer_id=customer_id,
        lines=[line(4)],
        currency="CNY",
        issued_by="warehouse",
    )
    delivered = DeliveryConfirmedByCustomer(
        order_id=order_id, customer_id=customer_id, lines=[line(4)], received_at=SATURDAY_MORNING
    )
    invoiced = InvoiceIssued(
        invoice_id=invoice_id,
        order_id=order_id,
        customer_id=customer_id,
        amount=Decimal("50.00"),
        currency="CNY",
    )
    client.app.process(shipped, POLICY, Tracking("orders.events:0", 1))
    client.app.process(delivered, POLICY, Tracking("orders.events:0", 2))
    client.app.process(invoiced, POLICY, Tracking("billing.events:0", 1))
    # The same shipment again, as a new message: counted once.
    client.app.process(shipped, POLICY, Tracking("orders.events:0", 3))

    history = client.ok("GET", f"/customers/{customer_id}/trading-history", "finance")
    assert (history["shipments"], history["deliveries"], history["invoices"]) == (1, 1, 1)
    assert (history["shipped"], history["invoiced"]) == ({"CNY": "50.00"}, {"CNY": "50.00"})
    entries = client.page(f"/trading-entries?customer_id={customer_id}", "sales-manager")
    assert sorted(e["kind"] for e in entries["items"]) == ["delivery", "invoice", "shipment"]

    untraded = register(client, "Bravo Pumps")
    assert client.ok("GET", f"/customers/{untraded}/trading-history", "finance")["shipments"] == 0


def test_cu_21_sensitive_fields_only_to_allowed_levels_and_each_read_is_logged(
    client: ServiceClient,
) -> None:
    customer_id = register(client)
    client.ok(
        "POST",
        f"/customers/{customer_id}/file",
        "salesperson",
        {"industry_standing": "Market leader", "contacts": [ALICE]},
    )
    client.ok("POST", f"/customers/{customer_id}/submit", "salesperson", {"credit_limit": "5000"})

    seen_by_sales = client.ok("GET", f"/customers/{customer_id}", "salesperson")
    assert all(seen_by_sales[field] is None for field in CONFIDENTIAL_FIELDS)
    assert (seen_by_sales["contacts"], seen_by_sales["standing"]) == ([ALICE], "good")
    log = "/customer-files/sensitive-reads"
    assert client.call("GET", log, "salesperson").status_code == 403

    seen_by_finance = client.ok("GET", f"/customers/{customer_id}", "finance")
    assert (seen_by_finance["credit_limit"], seen_by_finance["industry_standing"]) == (
        "5000.00",
        "Market leader",
    )
    client.ok("GET", f"/customers/{customer_id}", "sales-manager")
    reads = client.page(f"{log}?customer_id={customer_id}", "gm")
    everything = [*CONFIDENTIAL_FIELDS, *RISK_FIELDS]
    assert sorted((r["reader"], r["fields"]) for r in reads["items"]) == [
        ("finance", everything),
        ("sales-manager", everything),
        ("salesperson", list(RISK_FIELDS)),
    ]


def test_cu_24_needs_analysed_into_segments_and_changes_required_later(
    client: ServiceClient,
) -> None:
    customer_id, other_id = register(client), register(client, "Bravo Pumps")
    path = f"/customers/{customer_id}/needs"
    first = {
        "channel": "survey",
        "needs": "Valves for line 2",
        "segment": "OEM",
        "service_focus": "Fast spares",
    }
    analysed = client.ok("POST", path, "service-department", first)
    assert (analysed["customer_id"], analysed["analyses"]) == (customer_id, 1)
    refused(client, path, "salesperson", {**first, "channel": "visit"}, "CU-24")  # no changes
    client.ok("POST", path, "salesperson", {**first, "changes": "Unchanged after the visit"})
    other = {**first, "segment": "Distributor", "channel": "industry_report"}
    client.ok("POST", f"/customers/{other_id}/needs", "sales-manager", other)

    oem = client.page("/customer-segments?segment=OEM", "service-department")
    assert [(s["customer_id"], s["analyses"]) for s in oem["items"]] == [(customer_id, 2)]
