"""Bad debt over HTTP on a real store (BI-10, BI-12, BI-15): a receivable the timer reported
overdue is proposed doubtful and classified by the sales manager and finance; its write-off is
reviewed by the sales manager, the finance manager and leadership before finance writes it off;
the receivable, its aging and the customer's exposure then no longer count it; recoveries are
recorded against the register. Refusals are 4xx that write nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from prometheus_client.parser import text_string_to_metric_families

from billing.application.invoicing import OVERDUE_RECEIVABLES
from runtime import clock
from tests.billing.test_expenses_api import app_of, refused
from tests.billing.test_invoicing_api import issued
from tests.customers.test_metrics import promtool_accepts
from tests.service_client import ServiceClient
from tests.signers import Signers


@pytest.fixture
def restore_clock() -> Iterator[None]:
    yield
    clock.use(lambda: datetime.now(tz=UTC))


def overdue(client: ServiceClient, invoice_id: str) -> None:
    """The clock on a working day 65 days on, and the timer's report of the receivable."""
    app = app_of(client)
    later = clock.now() + timedelta(days=65)
    while not app.calendar.is_working_day(later.astimezone(app.calendar.zone).date()):
        later += timedelta(days=1)
    clock.use(lambda: later)
    app.catch_up_projections()
    OVERDUE_RECEIVABLES.tick(app)
    assert client.ok("GET", f"/receivables/{invoice_id}", "finance")["status"] == "issued"


def test_bi_12_classified_reviewed_written_off_and_recovered(
    client: ServiceClient, signers: Signers, restore_clock: None
) -> None:
    app = app_of(client)
    invoice_id = issued(client, signers)
    customer_id = client.ok("GET", f"/receivables/{invoice_id}", "finance")["customer_id"]
    propose = {"invoice_id": invoice_id, "basis": "customer insolvent, in liquidation"}
    # BI-12: a receivable not escalated yet is no bad debt.
    refused(client, "/bad-debts", "salesperson", "BI-12", propose)
    overdue(client, invoice_id)
    refused(client, "/bad-debts", "technician", "BI-12", propose)
    assert client.call("POST", "/bad-debts", "salesperson", {"basis": "x"}).status_code == 422

    debt = client.ok("POST", "/bad-debts", "salesperson", propose)
    debt_id = debt["bad_debt_id"]
    assert (debt["status"], debt["amount"]) == ("proposed", "100.00")
    refused(client, "/bad-debts", "salesperson", "BI-12", propose)  # one file per receivable
    approval = client.ok("GET", f"/bad-debts/{debt_id}/approval", "salesperson")
    assert [s["name"] for s in approval["steps"]] == ["sales_manager", "finance"]
    history = {"collection_history": "chased monthly since March; letters sent"}
    refused(client, f"/bad-debts/{debt_id}/write-off-request", "accountant", "BI-12", history)
    signers.decide(app, UUID(debt_id), "sales-manager", "sales_manager")
    signers.decide(app, UUID(debt_id), "finance", "finance")
    assert client.ok("GET", f"/bad-debts/{debt_id}", "finance")["status"] == "doubtful"

    requested = client.ok("POST", f"/bad-debts/{debt_id}/write-off-request", "accountant", history)
    assert requested["status"] == "write_off_requested"
    approval = client.ok("GET", f"/bad-debts/{debt_id}/approval", "accountant")
    assert [s["name"] for s in approval["steps"]] == [
        "sales_manager",
        "finance_manager",
        "leadership",
    ]
    # BI-10: no write-off before the review approved it.
    refused(client, f"/bad-debts/{debt_id}/write-off", "finance", "BI-10")
    signers.decide(app, UUID(debt_id), "sales-manager", "sales_manager")
    signers.decide(app, UUID(debt_id), "finance", "finance")
    refused(client, f"/bad-debts/{debt_id}/write-off", "finance", "BI-10")
    signers.decide(app, UUID(debt_id), "gm", "leadership_gm")
    refused(client, f"/bad-debts/{debt_id}/write-off", "salesperson", "BI-15")
    written = client.ok("POST", f"/bad-debts/{debt_id}/write-off", "finance")
    assert written["status"] == "written_off"

    # The receivable, its aging and the exposure no longer count it.
    receivable = client.ok("GET", f"/receivables/{invoice_id}", "finance")
    assert (receivable["written_off"], receivable["outstanding"], receivable["settled"]) == (
        "100.00",
        "0.00",
        True,
    )
    exposure = client.ok("GET", f"/customers/{customer_id}/exposure", "finance")
    assert exposure["open_receivables"] == "0.00"
    app.catch_up_projections()
    today = clock.now().astimezone(app.calendar.zone).date()
    path = f"/receivables/aging?as_of={today.isoformat()}&customer_id={customer_id}"
    assert client.ok("GET", path, "sales-manager")["receivables"] == "0.00"
    row = client.page(f"/receivables?customer_id={customer_id}", "finance")["items"][0]
    assert (row["written_off"], row["settled"]) == ("100.00", True)

    recovery = f"/bad-debts/{debt_id}/recoveries"
    refused(client, recovery, "salesperson", "BI-15", {"amount": "40", "reference": "B-1"})
    refused(client, recovery, "finance", "BI-12", {"amount": "100.01", "reference": "B-1"})
    recovered = client.ok("POST", recovery, "finance", {"amount": "40", "reference": "B-1"})
    assert recovered["recovered"] == "40.00"

    app.catch_up_projections()
    (listed,) = client.page(f"/bad-debts?customer_id={customer_id}", "sales-manager")["items"]
    assert (listed["status"], listed["written_off"], listed["recovered"]) == (
        "written_off",
        "100.00",
        "40.00",
    )
    exposition = client.http.get("/metrics").text
    promtool_accepts(exposition)
    found = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if "bad_debt" in sample.name
    }
    assert found[("countersign_billing_bad_debts", (("status", "written_off"),))] == 1
    assert found[("countersign_billing_bad_debts", (("status", "doubtful"),))] == 0
    assert found[("countersign_billing_bad_debts_written_off_amount", ())] == 100
    assert found[("countersign_billing_bad_debt_recovered_amount", ())] == 40
