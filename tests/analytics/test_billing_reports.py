"""Billing's figures replayed from a real store (SQLite and PostgreSQL) equal billing's own: the
semi-annual reconciliation coverage (BI-08) as billing's dashboard shows it, with the customers
owed at the period's end as billing's receivables show them; and receivables aging and DSO
(BI-13) as billing's read model computes them, from one shared definition, over the DSO period
of the rule parameters in force (XC-07)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from uuid import UUID, uuid4

import pytest

from billing.application.reconciliation import RECONCILIATION_STATEMENTS
from billing.bootstrap import SPEC
from kernel.application import CALENDAR, RULE_PARAMETERS, KernelApplication
from kernel.policy.domain import policy_signing_fields
from kernel.roles import Role
from kernel.settings import KernelSettings
from runtime import clock
from tests.analytics.test_replay import calendar, replayed, rule_parameters
from tests.analytics.test_service_desk_reports import rows
from tests.billing.conftest import client, signers  # noqa: F401 (billing's service and keys)
from tests.billing.test_expenses_api import app_of
from tests.billing.test_invoicing_api import issued, payment
from tests.billing.test_reconciliation_api import (  # noqa: F401 (the fixture)
    LINK,
    at_june_end,
    metrics,
    restore_clock,
)
from tests.service_client import ServiceClient, service_client
from tests.signers import Signers, as_user, page_answer


def statements_of(billing: ServiceClient, year: int) -> dict[str, str]:
    """The statements of ``year``'s reconciliations, by customer."""
    app_of(billing).catch_up_projections()
    found = billing.page(f"/reconciliation-statements?year={year}", "finance")["items"]
    return {row["customer_id"]: row["statement_id"] for row in found}


def test_bi_08_the_reconciliation_coverage_is_billing_s_and_records_its_positions(
    client: ServiceClient,  # noqa: F811
    signers: Signers,  # noqa: F811
    store_settings: KernelSettings,
    restore_clock: None,  # noqa: F811
    tmp_path: Path,
) -> None:
    app = app_of(client)
    confirming, disputing, waiting = uuid4(), uuid4(), uuid4()
    paid_part = issued(client, signers, confirming)
    client.ok("POST", "/payments", "finance", payment(str(confirming), (paid_part, "25")))
    issued(client, signers, disputing)
    issued(client, signers, waiting)
    year = clock.now().year + 1
    app.catch_up_projections()
    at_june_end(client, year)
    RECONCILIATION_STATEMENTS.tick(app)
    by_customer = statements_of(client, year)

    confirm(client, by_customer[str(confirming)])
    disputed = f"/reconciliation-statements/{by_customer[str(disputing)]}"
    client.ok("POST", f"{disputed}/discrepancy", "salesperson", {"customer_balance": "80.00"})
    client.ok("POST", f"{disputed}/report", "salesperson")
    app.catch_up_projections()

    replayed(store_settings, tmp_path / "a.duckdb")
    found = rows(
        tmp_path / "a.duckdb", f"SELECT * FROM reconciliation_coverage WHERE year = {year}"
    )
    # year, period, as of, currency, customers, balance, statements, confirmed, discrepancies,
    # unexplained, awaiting the customer, reported, coverage; customers owed, of them without a
    # statement, the share of them confirmed
    assert [(row[0], row[1], str(row[2]), *row[3:]) for row in found] == [
        (
            *(year, "H1", f"{year}-06-30", "CNY", 3, Decimal("275.00"), 3, 1, 1, 1, 1, 1, 0.3333),
            *(3, 0, 0.3333),
        )
    ]
    live = metrics(client)[("countersign_billing_reconciliation_coverage", ())]
    assert found[0][12] == round(live, 4)
    positions = rows(
        tmp_path / "a.duckdb",
        "SELECT rule, service, position FROM report_positions "
        "WHERE report = 'reconciliation_coverage'",
    )
    assert positions == [("BI-08", "billing", app.recorder.max_notification_id())]


def confirm(billing: ServiceClient, statement_id: str) -> None:
    """The customer confirms the statement by signing it through their own link."""
    path = f"/reconciliation-statements/{statement_id}/signing-requests"
    link = billing.ok("POST", path, "salesperson", LINK)
    signed = billing.http.post(urlparse(link["url"]).path, json=page_answer())
    assert signed.status_code == 200, signed.text


def test_bi_08_customers_owed_at_the_period_s_end_without_a_statement_are_a_coverage_gap(
    client: ServiceClient,  # noqa: F811
    signers: Signers,  # noqa: F811
    store_settings: KernelSettings,
    restore_clock: None,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Billing's statements went out to A, B (paid up: a nil balance) and C; D was invoiced the
    same day after they went out. A and B confirm: the dashboard's coverage is 2 of 3 statements,
    but of the customers owed at the end of June (A, C, D) one has no statement and one confirmed.
    The December before, nobody got a statement though A and C owed."""
    app = app_of(client)
    a, b, c, d = uuid4(), uuid4(), uuid4(), uuid4()
    issued(client, signers, a)
    client.ok("POST", "/payments", "finance", payment(str(b), (issued(client, signers, b), "100")))
    issued(client, signers, c)
    december = clock.now().year
    year = december + 1
    app.catch_up_projections()
    at_june_end(client, year)
    RECONCILIATION_STATEMENTS.tick(app)
    issued(client, signers, d)
    by_customer = statements_of(client, year)
    assert set(by_customer) == {str(a), str(b), str(c)}
    confirm(client, by_customer[str(a)])
    confirm(client, by_customer[str(b)])
    app.catch_up_projections()

    def owed_on(day: date) -> set[UUID]:
        """The customers billing's receivables show a balance for at the end of ``day``."""
        return {
            customer
            for customer in (a, b, c, d)
            if Decimal(
                client.ok(
                    "GET", f"/receivables/aging?as_of={day}&customer_id={customer}", "finance"
                )["receivables"]
            )
        }

    replayed(store_settings, tmp_path / "a.duckdb")
    columns = (
        "year, period, statements, confirmed, coverage, customers_owed, owed_without_statement, "
        "owed_coverage"
    )
    found = rows(tmp_path / "a.duckdb", f"SELECT {columns} FROM reconciliation_coverage")
    by_period = {(row[0], row[1]): row[2:] for row in found}
    june, dec = owed_on(date(year, 6, 30)), owed_on(date(december, 12, 31))
    assert (june, dec) == ({a, c, d}, {a, c})
    live = metrics(client)[("countersign_billing_reconciliation_coverage", ())]
    assert by_period[(year, "H1")] == (
        3,
        2,
        round(live, 4),
        len(june),
        len(june - {a, b, c}),
        round(1 / len(june), 4),
    )
    # Edge: a half-year ended with customers owed and no statement at all.
    assert by_period[(december, "H2")] == (0, 0, None, len(dec), len(dec), 0.0)


def test_bi_13_aging_and_dso_replayed_equal_billing_s_read_model(
    client: ServiceClient,  # noqa: F811
    signers: Signers,  # noqa: F811
    store_settings: KernelSettings,
    restore_clock: None,  # noqa: F811
    tmp_path: Path,
) -> None:
    app = app_of(client)
    start = clock.now()
    first_customer, second_customer = uuid4(), uuid4()
    oldest = issued(client, signers, first_customer)
    clock.use(lambda: start + timedelta(days=50))
    middle = issued(client, signers, second_customer)
    client.ok("POST", "/payments", "finance", payment(str(first_customer), (oldest, "30")))
    clock.use(lambda: start + timedelta(days=130))
    issued(client, signers, second_customer)
    client.ok("POST", "/payments", "finance", payment(str(second_customer), (middle, "100")))
    app.catch_up_projections()

    replayed(store_settings, tmp_path / "a.duckdb")
    aging = rows(
        tmp_path / "a.duckdb",
        "SELECT as_of, bucket, sum(outstanding) FROM receivables_aging GROUP BY ALL",
    )
    as_of = aging[0][0]
    live = client.ok("GET", f"/receivables/aging?as_of={as_of}", "finance")
    replayed_buckets = {bucket: amount for _, bucket, amount in aging if bucket != "settled"}
    live_buckets = {bucket: Decimal(amount) for bucket, amount in live["buckets"].items()}
    assert {b: a for b, a in live_buckets.items() if a} == replayed_buckets
    assert len(replayed_buckets) == 2  # the oldest invoice is overdue, the newest current
    (dso,) = rows(tmp_path / "a.duckdb", "SELECT receivables, dso_days FROM dso")
    assert (dso[0], Decimal(str(dso[1]))) == (
        Decimal(live["receivables"]),
        Decimal(live["dso"]),
    )


def sign_version(
    app: KernelApplication,
    signers: Signers,  # noqa: F811
    policy_key: str,
    version: int,
) -> None:
    """The general manager signs the configured ``version`` of ``policy_key`` (XC-07)."""
    configured = app.configured_policy(policy_key)
    fields = policy_signing_fields(policy_key, version, configured.digest)
    gm = as_user("gm", Role.LEADERSHIP_GM)
    app.approve_policy(gm, policy_key, version, signers.sign("gm", fields))


@pytest.fixture
def parameters_file(store_settings: KernelSettings, tmp_path: Path) -> KernelSettings:
    """The settings with rule parameters of the test's own (version 1: a 90-day DSO period)."""
    path = tmp_path / "rule-parameters.toml"
    path.write_text(rule_parameters(1, 90))
    return store_settings.model_copy(update={"rule_parameters_file": path})


def test_bi_13_xc_07_the_replayed_dso_period_is_the_signed_version_s_as_billing_s(
    parameters_file: KernelSettings,
    signers: Signers,  # noqa: F811
    restore_clock: None,  # noqa: F811
    tmp_path: Path,
) -> None:
    with service_client(SPEC, parameters_file) as billing:
        app = app_of(billing)
        signers.put_policies_in_force(app)
        start = datetime.combine(clock.now().date(), time(4), UTC)  # noon, company time
        clock.use(lambda: start)
        issued(billing, signers, uuid4())
        clock.use(lambda: start + timedelta(days=50))
        issued(billing, signers, uuid4())
        before = start + timedelta(days=60)
        clock.use(lambda: before)
        app.catch_up_projections()
        today = before.astimezone(app.calendar.zone).date()
        live_before = billing.ok("GET", f"/receivables/aging?as_of={today}", "finance")

        # The general manager signs version 2: a 30-day period, in force from then on.
        clock.use(lambda: before + timedelta(minutes=1))
        parameters_file.rule_parameters_file.write_text(rule_parameters(2, 30))
        sign_version(app, signers, RULE_PARAMETERS, 2)
        live_after = billing.ok("GET", f"/receivables/aging?as_of={today}", "finance")

    def dso(target: Path, **options: Any) -> dict[str, Any]:
        replayed(parameters_file, target, **options)
        (row,) = rows(target, "SELECT period_days, receivables, credit_sales, dso_days FROM dso")
        return {
            "period_days": row[0],
            "receivables": str(row[1]),
            "credit_sales": str(row[2]),
            "dso": str(Decimal(str(row[3]))),
        }

    def live(aging: dict[str, Any]) -> dict[str, Any]:
        return {key: aging[key] for key in ("period_days", "receivables", "credit_sales", "dso")}

    assert dso(tmp_path / "before.duckdb", as_of=before) == live(live_before)
    assert dso(tmp_path / "after.duckdb") == live(live_after)
    assert (live_before["period_days"], live_after["period_days"]) == (90, 30)
    assert live_before["dso"] != live_after["dso"]  # the period changed the figure


@pytest.fixture
def calendar_file(store_settings: KernelSettings, tmp_path: Path) -> KernelSettings:
    """The settings with a working calendar of the test's own (version 1: Asia/Shanghai)."""
    path = tmp_path / "calendar.toml"
    path.write_text(calendar(1, "Asia/Shanghai"))
    return store_settings.model_copy(update={"calendar_file": path})


def test_xc_07_xc_10_the_replayed_day_is_billing_s_under_the_calendar_signed(
    calendar_file: KernelSettings,
    signers: Signers,  # noqa: F811
    restore_clock: None,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Two invoices issued at 17:30 UTC, 01:30 the next day in Shanghai: the first under version
    1 of the calendar, the second once the general manager signed version 2 (Europe/London).
    The day the replay gives the moment each was issued is the day billing dated it."""
    near_midnight = datetime(2026, 11, 2, 17, 30, tzinfo=UTC)
    clock.use(lambda: near_midnight)
    with service_client(SPEC, calendar_file) as billing:
        app = app_of(billing)
        signers.put_policies_in_force(app)
        first = issued(billing, signers, uuid4())

        clock.use(lambda: near_midnight + timedelta(minutes=1))
        calendar_file.calendar_file.write_text(calendar(2, "Europe/London"))
        sign_version(app, signers, CALENDAR, 2)
        second_at = near_midnight + timedelta(minutes=2)
        clock.use(lambda: second_at)
        second = issued(billing, signers, uuid4())
        app.catch_up_projections()
        live = {
            row["invoice_id"]: row["issued_on"]
            for row in billing.page("/receivables", "finance")["items"]
        }

    def replayed_day(invoice: str, target: Path, as_of: datetime) -> tuple[str, str]:
        """The replay's day of ``as_of`` (its aging's) and the invoice's as billing dated it."""
        replayed(calendar_file, target, as_of=as_of)
        ((day, issued_on),) = rows(
            target, f"SELECT as_of, issued_on FROM receivables_aging WHERE invoice_id = '{invoice}'"
        )
        return str(day), str(issued_on)

    first_day = replayed_day(first, tmp_path / "first.duckdb", near_midnight)
    second_day = replayed_day(second, tmp_path / "second.duckdb", second_at)
    assert first_day == (live[first], live[first])
    assert second_day == (live[second], live[second])
    assert live[first] != live[second]  # the calendar signed in between moved the day
