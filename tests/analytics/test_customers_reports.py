"""XC-11's salesperson work statistics and the work plans owed, replayed from the customers
service's real store (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from kernel.settings import KernelSettings
from tests.analytics.test_replay import replayed
from tests.analytics.test_service_desk_reports import rows
from tests.customers.test_care_api import MONDAY, SATURDAY_MORNING, client, register  # noqa: F401
from tests.service_client import ServiceClient

MISSING = "SELECT report, period, person_id FROM missing_submissions WHERE rule = 'XC-11'"
A_WEEK_LATER = datetime(2026, 12, 15, 2, 0, tzinfo=UTC)
"""Tuesday of the week after MONDAY's, 10:00 in Shanghai."""


def plan(service: ServiceClient, period: str, starts_on: date, customer_id: str) -> None:
    visit = {"customer_id": customer_id, "on": starts_on.isoformat(), "purpose": "Demo"}
    body = {"period": period, "starts_on": starts_on.isoformat(), "visits": [visit]}
    service.ok("POST", "/visit-plans", "salesperson", body)


def test_xc_11_a_salesperson_s_weekly_plan_not_made_is_tracked_until_it_is_made(
    client: ServiceClient,  # noqa: F811
    store_settings: KernelSettings,
    tmp_path: Path,
) -> None:
    customer_id = register(client)
    plan(client, "month", date(2026, 12, 1), customer_id)
    plan(client, "week", MONDAY, customer_id)
    today = SATURDAY_MORNING.date().isoformat()
    client.ok("POST", "/work-logs", "salesperson", {"day": today, "entry": "Weekly meeting"})
    target = tmp_path / "a.duckdb"
    replayed(store_settings, target, as_of=A_WEEK_LATER)
    # The weeks since the first plan's: the one of 1 December and the one of the 15th have none.
    assert rows(target, MISSING) == [
        ("weekly_work_plan", "2026-W49", "salesperson"),
        ("weekly_work_plan", "2026-W51", "salesperson"),
    ]
    work = (
        "SELECT period_kind, period, plans, visits_planned, work_log_entries FROM salesperson_work"
    )
    assert rows(target, work) == [
        ("month", "2026-12", 1, 1, 1),
        ("week", "2026-W49", 0, 0, 1),
        ("week", "2026-W50", 1, 1, 0),
    ]

    plan(client, "week", MONDAY + timedelta(days=7), customer_id)
    replayed(store_settings, target, as_of=A_WEEK_LATER)
    assert rows(target, MISSING) == [("weekly_work_plan", "2026-W49", "salesperson")]
