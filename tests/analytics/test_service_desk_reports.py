"""The service desk's periodic reports and statistics replayed from a real store (SQLite and
PostgreSQL): SD-23's daily service reports and the daily reports owed but not made, the
satisfaction surveys and the technicians' monthly appraisal inputs (SD-30, SD-31, SD-44), SLA
compliance by branch; each periodic report records the positions it was computed at (XC-11)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from countersign.analytics.projections import PROJECTIONS, REPORT_POSITIONS
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
    assert rows(tmp_path / "s.duckdb", "SELECT * FROM technician_appraisal") == [
        ("2026-12", "technician", 2, 4.0, 3.0, 3.0, 4.0, 2, 2, 1, 2, 1, 0.5)
    ]
    # Replay equals live: the appraisal's input per technician, as service-desk counts it.
    client.app.catch_up_projections()  # type: ignore[attr-defined]
    live = client.http.get("/metrics").text
    name = "countersign_service_desk_technician_survey_responses_total"
    assert f'{name}{{satisfied="yes",technician="technician"}} 1.0' in live
    assert f'{name}{{satisfied="no",technician="technician"}} 1.0' in live


REPORTS = [name for name, projection in PROJECTIONS.items() if projection.report]


def reports(target: Path) -> dict[str, list[tuple[Any, ...]]]:
    return {name: rows(target, f"SELECT * FROM {name}") for name in [*REPORTS, REPORT_POSITIONS]}


def test_xc_11_xc_04_a_report_records_its_positions_and_a_replay_as_of_gives_it_again(
    client: ServiceClient,  # noqa: F811
    store_settings: KernelSettings,
    moved_clock: list[datetime],
    tmp_path: Path,
) -> None:
    dispatched(client, "technician")
    report_id = technician_report(client)["report_id"]
    decide(client, report_id, "service-supervisor", "service_supervisor")
    replayed(store_settings, tmp_path / "then.duckdb")
    then = reports(tmp_path / "then.duckdb")
    last = client.app.recorder.max_notification_id()  # type: ignore[attr-defined]
    assert {(row[0], row[1], row[3], row[4]) for row in then[REPORT_POSITIONS]} == {
        (name, PROJECTIONS[name].report, "service-desk", last) for name in REPORTS
    }
    assert {"SD-23", "SD-31", "SD-41", "OR-12", "BI-08"} <= {
        row[1] for row in then[REPORT_POSITIONS]
    }
    as_of = then[REPORT_POSITIONS][0][2]

    moved_clock[0] += timedelta(hours=1)
    body = {"day": DAY, "technician_report_ids": [report_id]}
    client.ok("POST", "/daily-reports/supervisor", "service-supervisor", body)
    replayed(store_settings, tmp_path / "now.duckdb")
    now = reports(tmp_path / "now.duckdb")
    assert len(now["daily_service_report"]) == len(then["daily_service_report"]) + 1
    assert {row[4] for row in now[REPORT_POSITIONS]} == {
        client.app.recorder.max_notification_id()  # type: ignore[attr-defined]
    }

    # Anyone reproduces the report from the moment and positions it records.
    replayed(store_settings, tmp_path / "again.duckdb", as_of=as_of)
    assert reports(tmp_path / "again.duckdb") == then


def test_sd_04_sd_44_sla_by_branch_and_technician_replayed_equal_the_call_register(
    client: ServiceClient,  # noqa: F811
    store_settings: KernelSettings,
    moved_clock: list[datetime],
    tmp_path: Path,
) -> None:
    desk = Desk(client)
    customer_id = desk.customer()
    on_time, open_call = (str(desk.register(customer_id)["call_id"]) for _ in range(2))
    for call_id in (on_time, open_call):
        desk.dispatched(call_id)
    client.ok("POST", f"/service-calls/{on_time}/arrival", "technician")
    # A reply-kind call: the written reply in time decides it, not the later visit (SD-05).
    replied = str(desk.register(customer_id, supplier_dependent=True)["call_id"])
    body = {"technician_ids": ["technician-2"]}
    client.ok("POST", f"/service-calls/{replied}/dispatch", "service-supervisor", body)
    reply = {"reply": "We contacted the engine supplier", "agreed_visit_date": DAY}
    client.ok("POST", f"/service-calls/{replied}/reply", "service-clerk", reply)
    # The technician's day is compiled by the Ningbo branch's supervisor (SD-23).
    report_id = technician_report(client)["report_id"]
    decide(client, report_id, "service-supervisor", "service_supervisor")
    body = {"day": DAY, "branch": "NINGBO", "technician_report_ids": [report_id]}
    client.ok("POST", "/daily-reports/supervisor", "service-supervisor", body)

    moved_clock[0] = TUESDAY_10 + timedelta(days=1)  # the urban deadline and agreed day passed
    arrived = client.ok("POST", f"/service-calls/{replied}/arrival", "technician-2")
    assert arrived["sla_met"] is True
    replayed(store_settings, tmp_path / "sla.duckdb")
    found = rows(tmp_path / "sla.duckdb", "SELECT * FROM service_sla")
    # month, zone, branch, technician, calls, in time, late, overdue open, compliance
    assert found == [
        ("2026-12", "urban", "", "technician-2", 1, 1, 0, 0, 1.0),
        ("2026-12", "urban", "NINGBO", "technician", 2, 1, 0, 1, 1.0),
    ]

    # Replay equals live: the call register's SLA outcomes and overdue calls.
    client.app.catch_up_projections()  # type: ignore[attr-defined]
    calls = client.page("/service-calls", "service-supervisor")["items"]
    live = Counter((call["zone"], call["sla_met"]) for call in calls)
    replayed_outcomes: Counter[tuple[str, bool | None]] = Counter()
    for row in found:
        for outcome, count in zip((True, False, None), row[5:8], strict=True):
            replayed_outcomes[(row[1], outcome)] += count
    assert live == +replayed_outcomes
