"""The June and December reconciliation over HTTP on a real store (BI-08, RULES §7 rows 8, 22): the
timer issues every customer's statement with the balance the receivables show, once; the customer
confirms one through their own link; the other's books differ and the unexplained discrepancy is
published for customers; both are reported to the sales manager and finance; the coverage is on
the dashboard. Refusals are 4xx that write nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time
from urllib.parse import urlparse
from uuid import UUID, uuid4

import pytest
from prometheus_client.parser import text_string_to_metric_families

from billing.application.reconciliation import RECONCILIATION_STATEMENTS, last_working_day
from billing.domain.reconciliation import Period
from contracts.billing import ReconciliationDiscrepancyFound, ReconciliationStatementIssued
from runtime import clock
from tests.billing.test_expenses_api import app_of, refused
from tests.billing.test_invoicing_api import issued, payment, published
from tests.customers.test_metrics import promtool_accepts
from tests.service_client import ServiceClient
from tests.signers import Signers, page_answer

LINK = {"contact_name": "Zhao Lan", "contact": "+86 139 0000 0000"}


@pytest.fixture
def restore_clock() -> Iterator[None]:
    yield
    clock.use(lambda: datetime.now(tz=UTC))


def at_june_end(client: ServiceClient, year: int, days_before: int = 0) -> None:
    """The clock at noon on the last working day of June (or ``days_before`` it)."""
    calendar = app_of(client).calendar
    day = last_working_day(calendar, Period.H1.last_day(year))
    noon = datetime.combine(day, time(12), calendar.zone).astimezone(UTC)
    clock.use(lambda: noon.replace(day=noon.day - days_before))


def metrics(client: ServiceClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    exposition = client.http.get("/metrics").text
    promtool_accepts(exposition)
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name.startswith("countersign_billing_reconciliation")
    }


def test_bi_08_statements_issued_confirmed_or_disputed_and_reported(
    client: ServiceClient, signers: Signers, restore_clock: None
) -> None:
    app = app_of(client)
    confirming, disputing = uuid4(), uuid4()
    paid_part = issued(client, signers, confirming)
    client.ok("POST", "/payments", "finance", payment(str(confirming), (paid_part, "25")))
    issued(client, signers, disputing)
    year = clock.now().year + 1
    app.catch_up_projections()

    at_june_end(client, year, days_before=1)
    RECONCILIATION_STATEMENTS.tick(app)
    assert client.page("/reconciliation-statements", "finance")["total"] == 0
    at_june_end(client, year)
    RECONCILIATION_STATEMENTS.tick(app)
    app.catch_up_projections()
    RECONCILIATION_STATEMENTS.tick(app)  # once per customer and period
    app.catch_up_projections()
    rows = client.page(f"/reconciliation-statements?year={year}&period=H1", "sales-manager")
    by_customer = {UUID(row["customer_id"]): row for row in rows["items"]}
    assert rows["total"] == 2
    confirmed_id = by_customer[confirming]["statement_id"]
    disputed_id = by_customer[disputing]["statement_id"]
    assert (by_customer[confirming]["balance"], by_customer[disputing]["balance"]) == (
        "75.00",
        "100.00",
    )
    assert by_customer[confirming]["account_owner_id"] == "salesperson"
    (statement,) = published(client, confirmed_id)
    assert isinstance(statement, ReconciliationStatementIssued)
    assert (statement.customer_id, statement.period, statement.balance) == (confirming, "H1", 75)

    # BI-08: nothing to report before the customer confirmed or a discrepancy was recorded.
    refused(client, f"/reconciliation-statements/{confirmed_id}/report", "salesperson", "BI-08")

    # The customer confirms by signing through their own link.
    link = client.ok(
        "POST", f"/reconciliation-statements/{confirmed_id}/signing-requests", "salesperson", LINK
    )
    page = client.http.get(urlparse(link["url"]).path)
    assert page.status_code == 200 and "Statement of account" in page.text
    signed = client.http.post(urlparse(link["url"]).path, json=page_answer())
    assert signed.status_code == 200, signed.text
    confirmed = client.ok("GET", f"/reconciliation-statements/{confirmed_id}", "finance")
    assert confirmed["status"] == "confirmed" and confirmed["customer_signature_id"]
    path = f"/reconciliation-statements/{confirmed_id}/signing-requests"
    refused(client, path, "salesperson", "BI-08", LINK)
    body = {"customer_balance": "70.00"}
    refused(
        client, f"/reconciliation-statements/{confirmed_id}/discrepancy", "finance", "BI-08", body
    )

    # The other customer's books differ; unexplained, it is published for customers.
    discrepancy = f"/reconciliation-statements/{disputed_id}/discrepancy"
    refused(client, discrepancy, "salesperson", "BI-08", {"customer_balance": "100.00"})
    refused(client, discrepancy, "technician", "BI-08", {"customer_balance": "80.00"})
    assert client.call("POST", discrepancy, "finance", {"customer_balance": "x"}).status_code == 422
    disputed = client.ok("POST", discrepancy, "salesperson", {"customer_balance": "80.00"})
    assert (disputed["status"], disputed["customer_balance"]) == ("discrepancy", "80.00")
    found = published(client, disputed_id)[-1]
    assert isinstance(found, ReconciliationDiscrepancyFound)
    assert (found.balance, found.customer_balance, found.explained) == (100, 80, False)
    path = f"/reconciliation-statements/{disputed_id}/signing-requests"
    refused(client, path, "salesperson", "BI-08", LINK)

    for statement_id in (confirmed_id, disputed_id):
        reported = client.ok(
            "POST", f"/reconciliation-statements/{statement_id}/report", "salesperson"
        )
        assert reported["reported_by"] == "salesperson"
    refused(client, f"/reconciliation-statements/{disputed_id}/report", "salesperson", "BI-08")
    app.catch_up_projections()
    assert client.page("/reconciliation-statements?reported=true", "finance")["total"] == 2

    found_metrics = metrics(client)
    assert found_metrics[("countersign_billing_reconciliation_coverage", ())] == 0.5
    by_status = "countersign_billing_reconciliation_statements"
    assert found_metrics[(by_status, (("status", "confirmed"),))] == 1
    assert found_metrics[(by_status, (("status", "discrepancy"),))] == 1
    assert found_metrics[(by_status, (("status", "issued"),))] == 0
    unexplained = "countersign_billing_reconciliation_discrepancies_unexplained"
    assert found_metrics[(unexplained, ())] == 1
    reported_metric = "countersign_billing_reconciliation_reported"
    assert found_metrics[(reported_metric, (("reported", "true"),))] == 2
    assert found_metrics[(reported_metric, (("reported", "false"),))] == 0
