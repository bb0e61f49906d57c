"""The service desk's periodic reports and statistics replayed from a real store (SQLite and
PostgreSQL): SD-23's daily service reports and the daily reports owed but not made, and the
satisfaction surveys (SD-30, SD-31, SD-44)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from kernel.settings import KernelSettings
from service_desk.application.surveys import SURVEY_DISPATCH
from tests.analytics.test_replay import replayed
from tests.service_client import ServiceClient
from tests.service_desk.test_daily_reports_api import (  # noqa: F401 (the fixture of its store)
    client,
    decide,
    technician_report,
)
from tests.service_desk.test_service_calls_api import TUESDAY_10, Desk
from tests.service_desk.test_surveys_api import completed_and_signed

DAY = "2026-12-01"


def rows(target: Path, query: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(target), read_only=True) as db:
        return db.execute(query).fetchall()


def missing_daily_reports(target: Path) -> list[tuple[Any, ...]]:
    return rows(
        target,
        "SELECT report, period, person_id FROM missing_submissions WHERE rule = 'SD-23'",
    )


def dispatched(service: ServiceClient, *technicians: str) -> None:
    desk = Desk(service)
    customer_id = desk.customer()
    for technician in technicians:
        call_id = str(desk.register(customer_id)["call_id"])
        body = {"technician_ids": [technician]}
        service.ok("POST", f"/service-calls/{call_id}/dispatch", "service-supervisor", body)


def test_sd_23_the_daily_service_report_comes_from_the_technicians_and_supervisors_reports(
    client: ServiceClient,  # noqa: F811
    store_settings: KernelSettings,
    moved_clock: list[datetime],
    tmp_path: Path,
) -> None:
    dispatched(client, "technician")
    report_id = technician_report(client, A="3", C="4.5")["report_id"]
    decide(client, report_id, "service-supervisor", "service_supervisor")
    body = {"day": DAY, "branch": "NINGBO", "technician_report_ids": [report_id]}
    supervisor = client.ok("POST", "/daily-reports/supervisor", "service-supervisor", body)
    decide(client, str(supervisor["report_id"]), "branch-service-manager", "branch_service_manager")

    replayed(store_settings, tmp_path / "a.duckdb")
    found = rows(
        tmp_path / "a.duckdb",
        "SELECT day, kind, person_id, branch, status, hours_a, hours_c, hours_total, "
        "technician_reports, reviewer, branch_manager FROM daily_service_report",
    )
    assert [(str(row[0]), *row[1:]) for row in found] == [
        (DAY, "supervisor", "service-supervisor", "NINGBO", "signed_by_branch_manager",
         Decimal(3), Decimal("4.5"), Decimal("7.5"), 1, None, "branch-service-manager"),
        (DAY, "technician", "technician", None, "reviewed",
         Decimal(3), Decimal("4.5"), Decimal("7.5"), None, "service-supervisor", None),
    ]  # fmt: skip


def test_sd_23_a_daily_report_owed_and_not_made_is_a_missing_submission_until_it_is_made(
    client: ServiceClient,  # noqa: F811
    store_settings: KernelSettings,
    moved_clock: list[datetime],
    tmp_path: Path,
) -> None:
    dispatched(client, "technician", "technician-2")
    report_id = technician_report(client)["report_id"]
    decide(client, report_id, "service-supervisor", "service_supervisor")
    replayed(store_settings, tmp_path / "today.duckdb")
    assert missing_daily_reports(tmp_path / "today.duckdb") == []  # the day is not over

    moved_clock[0] = TUESDAY_10 + timedelta(days=1)
    technician_report(client, "technician-2", B="2")  # made the next day: no longer missing
    replayed(store_settings, tmp_path / "next.duckdb")
    assert missing_daily_reports(tmp_path / "next.duckdb") == [
        ("supervisor_daily_report", DAY, "service-supervisor"),
    ]

    body = {"day": DAY, "technician_report_ids": [report_id]}
    client.ok("POST", "/daily-reports/supervisor", "service-supervisor", body)
    replayed(store_settings, tmp_path / "next.duckdb")
    assert missing_daily_reports(tmp_path / "next.duckdb") == []


def test_sd_30_sd_31_satisfaction_by_technician_with_the_survey_coverage(
    client: ServiceClient,  # noqa: F811
    store_settings: KernelSettings,
    moved_clock: list[datetime],
    tmp_path: Path,
) -> None:
    desk = Desk(client)
    happy, unhappy = completed_and_signed(desk), completed_and_signed(desk)
    completed_and_signed(desk)  # surveyed, not answered
    client.app.catch_up_projections()  # type: ignore[attr-defined]
    moved_clock[0] = TUESDAY_10 + timedelta(days=1)
    completed_and_signed(desk)  # signed today: surveyed tomorrow
    SURVEY_DISPATCH.tick(client.app)
    ratings = {"attitude": 4, "technique": 3, "arrival_time": 4, "promise_keeping": 4}
    client.ok("POST", f"/surveys/{happy}/response", "service-department", {"ratings": ratings})
    worse = {"ratings": {**ratings, "arrival_time": 2}}
    client.ok("POST", f"/surveys/{unhappy}/response", "service-department", worse)

    replayed(store_settings, tmp_path / "s.duckdb")
    assert rows(tmp_path / "s.duckdb", "SELECT * FROM satisfaction") == [
        ("2026-12", "technician", 4, 3, 2, 4.0, 3.0, 3.0, 4.0, 1, 0.5, 0.75)
    ]
