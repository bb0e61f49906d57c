"""Customers' reactions to what billing, service-desk and orders report, each event raised by its
real producer through its HTTP API and carried by the real broker (RULES §7 rows 8, 18, 21, 22):
a dishonoured instrument, an unexplained reconciliation discrepancy and a receivable overdue past
the threshold open a dangerous-customer review (CU-13, CU-06); a dissatisfied survey and a valid
closed complaint, repeated, make the grade review due (CU-05); the June and December
reconciliation schedules the grade and credit reviews (BI-08, CU-05, CU-11), and the credit
review falling due brings billing's figures and orders' open pipeline onto the trading history
(CU-11).

Billing's and service-desk's clocks are moved (``tests/e2e/clocked_services.py``) where only time
makes the producer speak: months for the overdue receivable and the reconciliation, a night for
the survey; their timers tick every second. Every wait is on a GET of customers' own queries."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from countersign.flows import FlowClient, order_to_cash, service_call
from countersign.stack import Stack
from tests.e2e.api import Api, eventually, money
from tests.e2e.clocked_stack import CALENDAR, WAIT, clock_of, working_day_from

# The module's stack: billing and service-desk on movable clocks, timers ticking each second.
from tests.e2e.clocked_stack import stack as stack
from tests.e2e.test_order_to_cash import invoiced_order


async def customer_file(api: Api, customer_id: str) -> dict[str, Any]:
    found: dict[str, Any] = await api.ok("GET", "customers", f"/customers/{customer_id}", "finance")
    return found


async def trading_history(api: Api, customer_id: str) -> dict[str, Any]:
    path = f"/customers/{customer_id}/trading-history"
    found: dict[str, Any] = await api.ok("GET", "customers", path, "finance")
    return found


async def history_where(
    api: Api, customer_id: str, shows: Callable[[dict[str, Any]], bool], what: str
) -> dict[str, Any]:
    """The customer's trading history once it ``shows`` what a reaction recorded."""

    async def recorded() -> dict[str, Any] | None:
        history = await trading_history(api, customer_id)
        return history if shows(history) else None

    return await eventually(recorded, timeout=WAIT, what=f"customers to record {what}")


async def review_opened(
    api: Api, customer_id: str, what: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The customer's file and the first abnormality reported, once a dangerous-customer review
    is under way (each read table catches up on its own)."""

    async def opened() -> tuple[dict[str, Any], dict[str, Any]] | None:
        found = await customer_file(api, customer_id)
        path = f"/abnormalities?customer_id={customer_id}"
        reported = await api.every_item("customers", path, "finance")
        return (found, reported[0]) if found["open_review_id"] and reported else None

    return await eventually(opened, timeout=WAIT, what=f"customers to open a review on {what}")


async def review_trigger(api: Api, review_id: str) -> str:
    review = await api.ok("GET", "customers", f"/risk-reviews/{review_id}", "finance")
    return str(review["trigger"])


# -- row 8: a dishonoured instrument (BI-14 → CU-13)


async def test_row_8_cu_13_a_dishonoured_instrument_opens_a_review_and_holds_the_customer(
    api: Api,
) -> None:
    customer_id = await api.approved_customer("BOUNCE")
    assert (await customer_file(api, customer_id))["open_review_id"] is None
    cheque = {
        "customer_id": customer_id,
        "instrument_type": "cheque",
        "number": "CHQ-0001",
        "amount": "500.00",
        "currency": "CNY",
        "maturity": (date.today() + timedelta(days=30)).isoformat(),
    }
    instrument = await api.ok("POST", "billing", "/instruments", "salesperson", cheque)
    path = f"/instruments/{instrument['instrument_id']}"
    await api.ok("POST", "billing", f"{path}/handover", "finance")
    await api.ok("POST", "billing", f"{path}/dishonour", "finance", {"reason": "No funds"})

    found, reported = await review_opened(api, customer_id, "the dishonoured cheque")
    assert found["standing"] == "provisional_hold"  # CU-13: high severity holds at once
    assert await review_trigger(api, found["open_review_id"]) == "bounced_instrument"
    assert (reported["source"], reported["severity"]) == ("billing", "high")
    assert f"cheque {instrument['instrument_id']}" in reported["facts"]
    assert reported["facts"].endswith("dishonoured: No funds")
    await history_where(
        api,
        customer_id,
        lambda history: history["payment_record"]["dishonoured_instruments"] == 1,
        "the dishonoured instrument",
    )


# -- rows 22, 21, 8: the June or December reconciliation (BI-08 → CU-05, CU-11, CU-13)


@dataclasses.dataclass(frozen=True)
class Reconciled:
    """Two invoiced customers and their statements of the period, issued by billing's timer."""

    disputed: str
    """The customer whose books will disagree."""
    explained: str
    """The customer whose books disagree for a reason known."""
    statements: dict[str, dict[str, Any]]
    invoices: dict[str, str]


def half_year_end(day: date) -> date:
    """BI-08: the last day of the June or December period ``day`` falls in."""
    return date(day.year, 6, 30) if day.month <= 6 else date(day.year, 12, 31)


@pytest.fixture(scope="module")
async def reconciled(stack: Stack) -> AsyncIterator[Reconciled]:
    api = Api(stack)
    try:
        invoices: dict[str, str] = {}
        for name in ("DISPUTE", "EXPLAIN"):
            customer_id, _, invoice_id = await invoiced_order(api, name)
            invoices[customer_id] = invoice_id
        disputed, explained = invoices

        async def issued() -> dict[str, dict[str, Any]] | None:
            found = {}
            for customer_id in invoices:
                path = f"/reconciliation-statements?customer_id={customer_id}"
                page = await api.ok("GET", "billing", path, "finance")
                if not page["items"]:
                    return None
                found[customer_id] = page["items"][0]
            return found

        # BI-08: billing's timer issues the statements from the period's last working day on;
        # these invoices fall in the period under way, so its end is when they are reconciled.
        period_end = half_year_end(datetime.now(tz=CALENDAR.zone).date())
        with clock_of(stack, "billing", working_day_from(period_end + timedelta(days=1))):
            statements = await eventually(issued, timeout=WAIT, what="the period's statements")
        assert {s["as_of"] for s in statements.values()} == {period_end.isoformat()}
        yield Reconciled(disputed, explained, statements, invoices)
    finally:
        await api.close()


async def test_row_22_bi_08_cu_05_cu_11_the_reconciliation_schedules_the_grade_and_credit_reviews(
    api: Api, reconciled: Reconciled
) -> None:
    statement = reconciled.statements[reconciled.explained]
    assert (statement["status"], money(statement["balance"])) == ("issued", money("21.00"))

    async def scheduled() -> dict[str, Any] | None:
        found = await customer_file(api, reconciled.explained)
        due = found["grade_review_due_since"] and found["credit_review_due_since"]
        return found if due else None

    found = await eventually(scheduled, timeout=WAIT, what="customers to schedule the reviews")
    assert found["open_review_id"] is None  # a statement alone is no abnormality


async def test_row_21_cu_11_the_credit_review_due_brings_billing_s_figures_and_orders_pipeline(
    api: Api, reconciled: Reconciled
) -> None:
    """CU-11: customers publishes ``CreditReviewDue`` with the reconciliation (row 22); billing
    answers ``CreditReviewFiguresSupplied``, orders ``OpenPipelineSupplied``."""

    async def supplied() -> dict[str, Any] | None:
        history = await trading_history(api, reconciled.explained)
        answered = history["credit_review_figures"] and history["open_pipeline"]
        return history if answered else None

    history = await eventually(supplied, timeout=WAIT, what="billing's and orders' answers")
    figures, pipeline = history["credit_review_figures"], history["open_pipeline"]
    assert (figures["currency"], money(figures["open_receivables"])) == ("CNY", money("21.00"))
    assert money(figures["overdue_receivables"]) == 0
    assert (pipeline["open_orders"], money(pipeline["open_quotes_amount"])) == (0, money("0"))
    # CU-21: the figures are the confidential levels' only.
    path = f"/customers/{reconciled.explained}/trading-history"
    shown = await api.ok("GET", "customers", path, "salesperson")
    assert (shown["credit_review_figures"], shown["open_pipeline"]) == (None, None)


async def test_row_8_cu_13_an_unexplained_reconciliation_discrepancy_opens_a_review(
    api: Api, reconciled: Reconciled
) -> None:
    statement = reconciled.statements[reconciled.disputed]
    path = f"/reconciliation-statements/{statement['statement_id']}/discrepancy"
    await api.ok("POST", "billing", path, "finance", {"customer_balance": "0.00"})

    found, reported = await review_opened(api, reconciled.disputed, "the disputed statement")
    assert found["standing"] == "good"  # CU-13: medium severity: reviewed, not held
    assert await review_trigger(api, found["open_review_id"]) == "abnormality"
    assert (reported["source"], reported["severity"]) == ("billing", "medium")
    await history_where(
        api,
        reconciled.disputed,
        lambda history: history["payment_record"]["unexplained_discrepancies"] == 1,
        "the unexplained discrepancy",
    )


async def test_row_8_cu_13_an_explained_reconciliation_discrepancy_is_only_recorded(
    api: Api, reconciled: Reconciled
) -> None:
    statement = reconciled.statements[reconciled.explained]
    path = f"/reconciliation-statements/{statement['statement_id']}/discrepancy"
    body = {"customer_balance": "0.00", "explanation": "Invoice INV-EXPLAIN not received yet"}
    await api.ok("POST", "billing", path, "finance", body)

    async def recorded() -> list[dict[str, Any]] | None:
        query = f"/trading-entries?customer_id={reconciled.explained}&kind=discrepancy"
        entries = await api.every_item("customers", query, "finance")
        return entries or None

    [entry] = await eventually(recorded, timeout=WAIT, what="customers to record it")
    assert (entry["detail"], money(entry["amount"])) == ("explained", money("21.00"))
    assert (await customer_file(api, reconciled.explained))["open_review_id"] is None
    history = await trading_history(api, reconciled.explained)
    assert history["payment_record"]["unexplained_discrepancies"] == 0


# -- row 8: a receivable overdue past the threshold (BI-11 → CU-13)


async def test_row_8_cu_13_bi_11_a_receivable_overdue_past_the_threshold_opens_a_review(
    api: Api, stack: Stack, reconciled: Reconciled
) -> None:
    customer_id = reconciled.explained
    invoice_id = reconciled.invoices[customer_id]
    receivable = await api.ok("GET", "billing", f"/receivables/{invoice_id}", "finance")
    assert (await customer_file(api, customer_id))["open_review_id"] is None
    # XC-07: 90 days is the rule parameters' abnormality threshold; billing reports once the
    # receivable is 30 days late (BI-11), so at 91 days the one report is past both.
    late = working_day_from(date.fromisoformat(receivable["due_on"]) + timedelta(days=91))
    with clock_of(stack, "billing", late):
        found, reported = await review_opened(api, customer_id, "the overdue receivable")
    assert found["standing"] == "provisional_hold"
    assert await review_trigger(api, found["open_review_id"]) == "overdue_receivables"
    assert (reported["source"], reported["severity"]) == ("billing", "high")
    history = await history_where(
        api, customer_id, lambda history: history["payment_record"]["overdue"], "the overdue"
    )
    [days] = history["payment_record"]["overdue"].values()
    assert days > 90


# -- row 18: the satisfaction profile (SD-31, SD-39 → CU-05)


def serviced_customer(stack: Stack) -> tuple[str, str]:
    """The demo's flows: a customer's order to cash, then a service call on the delivered pump,
    completed and signed for by the customer (SD-03 ... SD-21); returns (customer, call)."""
    urls = {service: stack.url(service) for service in stack.config.services}
    client = FlowClient(urls, stack.config.data_dir / "keys", timeout=WAIT)
    try:
        delivered = order_to_cash(client)
        return delivered.customer_id, service_call(client, delivered)
    finally:
        client.close()


async def closed_valid_complaint(api: Api, customer_id: str) -> None:
    """SD-34 ... SD-39: received, found valid, routed, solved, followed up, visited, closed."""
    received = {
        "customer_id": customer_id,
        "channel": "phone",
        "subject": "service",
        "description": "The technician came two days late",
    }
    complaint = await api.ok("POST", "service-desk", "/complaints", "service-clerk", received)
    path = f"/complaints/{complaint['complaint_id']}"

    async def step(name: str, body: Any, user: str = "service-department") -> None:
        await api.ok("POST", "service-desk", f"{path}/{name}", user, body)

    investigation = {
        "valid": True,
        "findings": "Dispatched a day late",
        "investigation_form_ref": "INV-1",
        "responsible_dept": "service",
    }
    await step("investigation", investigation)
    await step("classification", {"severity": "general"}, "service-clerk")
    await api.approve_all_steps("service-desk", path)
    await step("assignment", {"dept": "service", "transfer_form_ref": "TR-1"})
    await step("solution", {"solution": "A free maintenance visit"})
    await step("customer-opinion", {"accepted": True, "opinion_form_ref": "OP-1"})
    await step("implementation", None)
    await step("follow-ups", {"satisfaction": "satisfied"})
    await step("visit", {"notes": "Visited"}, "service-supervisor")
    await step("closure", {"notice_method": "phone"})


async def test_row_18_cu_05_repeated_dissatisfaction_makes_the_grade_review_due(
    api: Api, stack: Stack
) -> None:
    customer_id, call_id = await asyncio.to_thread(serviced_customer, stack)

    async def sent() -> bool:
        path = f"/surveys/{call_id}"
        response = await api.call("GET", "service-desk", path, "service-department")
        return response.status_code == 200

    # SD-30: the survey goes out on the working day after the completed work.
    tomorrow = datetime.now(tz=CALENDAR.zone).date() + timedelta(days=1)
    with clock_of(stack, "service-desk", working_day_from(tomorrow)):
        await eventually(sent, timeout=WAIT, what="service-desk to send the survey")
    ratings = {"attitude": 4, "technique": 3, "arrival_time": 1, "promise_keeping": 2}
    path = f"/surveys/{call_id}/response"
    await api.ok("POST", "service-desk", path, "service-department", {"ratings": ratings})

    async def profiled(surveys: int, complaints: int) -> dict[str, Any] | None:
        satisfaction = (await trading_history(api, customer_id))["satisfaction"]
        counts = (satisfaction["dissatisfied_surveys"], satisfaction["valid_complaints"])
        return satisfaction if counts == (surveys, complaints) else None

    await eventually(lambda: profiled(1, 0), timeout=WAIT, what="customers to record the survey")
    # CU-05: one dissatisfaction is not repeated dissatisfaction (the rule parameters say 2).
    assert (await customer_file(api, customer_id))["grade_review_due_since"] is None

    await closed_valid_complaint(api, customer_id)

    async def due() -> bool:
        listed = await api.every_item("customers", "/customers/grade-review-due", "finance")
        return customer_id in {item["customer_id"] for item in listed}

    await eventually(lambda: profiled(1, 1), timeout=WAIT, what="customers to record it")
    await eventually(due, timeout=WAIT, what="the grade review to fall due")
    found = await customer_file(api, customer_id)
    assert found["grade_review_due_since"] is not None
    assert found["open_review_id"] is None  # dissatisfaction is no abnormality
