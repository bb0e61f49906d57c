"""The daily work reports (SD-23) through service-desk's API on a real store, SQLite and
PostgreSQL: technician -> supervisor -> branch manager signs -> service department, hours by
service type A-D, and the timer that flags reports not made in time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from contracts.topics import SERVICES
from kernel.settings import KernelSettings
from runtime.aggregate import RuleViolation
from runtime.signing import init_dev_keys, service_key_id
from service_desk.application.daily_reports import MISSING
from service_desk.bootstrap import SPEC
from tests.conftest import USERS
from tests.customers.test_metrics import promtool_accepts
from tests.service_client import ServiceClient, service_client
from tests.service_desk.test_service_calls_api import TUESDAY_10, Desk
from tests.signers import Signers

STAFF = ["technician", "technician-2", "service-supervisor", "branch-service-manager"]


@pytest.fixture
def client(store_settings: KernelSettings, moved_clock: list[datetime]) -> Iterator[ServiceClient]:
    init_dev_keys(
        store_settings.keys_path,
        [*USERS, *map(service_key_id, SERVICES), *STAFF, "service-department"],
    )
    moved_clock[0] = TUESDAY_10
    with service_client(SPEC, store_settings) as client:
        Signers(store_settings.keys_path).put_policies_in_force(client.app)
        yield client


def decide(client: ServiceClient, report_id: str, user: str, role: str, **options: Any) -> None:
    signers = Signers(client.app.settings.keys_path)  # type: ignore[attr-defined]
    signers.decide(client.app, UUID(report_id), user, role, **options)  # type: ignore[arg-type]


def technician_report(client: ServiceClient, user: str = "technician", **hours: str) -> Any:
    body = {"day": "2026-12-01", "hours": hours or {"A": "3", "C": "4.5"}}
    return client.ok("POST", "/daily-reports/technician", user, body)


def test_sd_23_the_technician_reports_hours_by_type_to_the_supervisor(
    client: ServiceClient,
) -> None:
    desk = Desk(client)
    report = technician_report(client)
    assert report["status"] == "submitted"
    assert report["hours"] == {"a": "3", "b": "0", "c": "4.5", "d": "0"}
    pending = client.page("/approvals/pending", "service-supervisor")
    assert [(a["document_id"], a["kind"]) for a in pending["items"]] == [
        (report["report_id"], "daily_report")
    ]
    body = {"day": "2026-12-01", "hours": {"A": "1"}}
    desk.refused("POST", "/daily-reports/technician", "technician", body, "SD-23")  # once
    tomorrow = {"day": "2026-12-02", "hours": {"A": "1"}}
    desk.refused("POST", "/daily-reports/technician", "technician", tomorrow, "SD-23")
    nothing = {"day": "2026-11-30", "hours": {}}
    desk.refused("POST", "/daily-reports/technician", "technician", nothing, "SD-23")
    too_long = {"day": "2026-11-30", "hours": {"A": "20", "B": "10"}}
    desk.refused("POST", "/daily-reports/technician", "technician", too_long, "SD-23")

    decide(client, report["report_id"], "service-supervisor", "service_supervisor")
    reviewed = client.ok("GET", f"/daily-reports/{report['report_id']}", "service-supervisor")
    assert (reviewed["status"], reviewed["reviewer"]) == ("reviewed", "service-supervisor")
    client.app.catch_up_projections()  # type: ignore[attr-defined]
    metrics = client.http.get("/metrics").text
    work = "countersign_service_desk_reported_work_seconds_total"
    assert f'{work}{{service_type="C"}} 16200.0' in metrics  # 4.5 hours
    assert f'{work}{{service_type="B"}} 0.0' in metrics
    promtool_accepts(metrics)


def test_sd_23_a_returned_report_is_corrected_and_reviewed_again(client: ServiceClient) -> None:
    desk = Desk(client)
    report_id = technician_report(client)["report_id"]
    path = f"/daily-reports/technician/{report_id}/correction"
    desk.refused("POST", path, "technician", {"A": "2"}, "SD-23")  # not sent back
    decide(client, report_id, "service-supervisor", "service_supervisor", action="reject", note="?")
    desk.refused("POST", path, "technician-2", {"A": "2"}, "SD-23")  # not his
    corrected = client.ok("POST", path, "technician", {"A": "2", "D": "1"})
    assert (corrected["status"], corrected["hours"]["d"]) == ("submitted", "1")
    decide(client, report_id, "service-supervisor", "service_supervisor")


def test_sd_23_the_branch_supervisor_s_report_is_signed_then_received(
    client: ServiceClient,
) -> None:
    desk = Desk(client)
    first = technician_report(client)["report_id"]
    second = technician_report(client, "technician-2", B="2", D="1")["report_id"]
    body = {"day": "2026-12-01", "branch": "NINGBO", "technician_report_ids": [first, second]}
    # SD-23: compiled only from the technicians' reports the supervisor reviewed.
    desk.refused("POST", "/daily-reports/supervisor", "service-supervisor", body, "SD-23")
    decide(client, first, "service-supervisor", "service_supervisor")
    decide(client, second, "service-supervisor", "service_supervisor")
    report = client.ok("POST", "/daily-reports/supervisor", "service-supervisor", body)
    assert report["hours"] == {"a": "3", "b": "2", "c": "4.5", "d": "1"}
    report_id = str(report["report_id"])
    client.app.catch_up_projections()  # type: ignore[attr-defined]
    assert "countersign_service_desk_daily_reports_unsigned 1.0" in client.http.get("/metrics").text

    # The service department receives it only after the branch manager signed.
    with pytest.raises(RuleViolation) as early:
        decide(client, report_id, "service-department", "service_department")
    assert early.value.rule == "XC-07"  # the branch manager's step comes first
    decide(client, report_id, "branch-service-manager", "branch_service_manager")
    signed = client.ok("GET", f"/daily-reports/{report_id}", "branch-service-manager")
    assert signed["status"] == "signed_by_branch_manager"
    decide(client, report_id, "service-department", "service_department")
    received = client.ok("GET", f"/daily-reports/{report_id}", "service-department")
    assert (received["status"], received["reviewer"]) == ("received", "service-department")
    trail = client.ok("GET", f"/audit-trail/{report_id}", "service-supervisor")
    names = [e["event"].rpartition(".")[2] for e in trail]
    assert names.count("SignedByBranchManager") == 1
    listed = client.page("/daily-reports?kind=supervisor", "service-department")
    assert [r["status"] for r in listed["items"]] == ["received"]


def test_sd_23_a_head_office_supervisor_s_report_goes_straight_to_the_service_department(
    client: ServiceClient,
) -> None:
    report_id = technician_report(client)["report_id"]
    decide(client, report_id, "service-supervisor", "service_supervisor")
    body = {"day": "2026-12-01", "technician_report_ids": [report_id]}
    report = client.ok("POST", "/daily-reports/supervisor", "service-supervisor", body)
    decide(client, str(report["report_id"]), "service-department", "service_department")
    done = client.ok("GET", f"/daily-reports/{report['report_id']}", "service-department")
    assert done["status"] == "received"


def test_sd_23_the_timer_flags_the_reports_not_made_by_the_next_working_day(
    client: ServiceClient, moved_clock: list[datetime]
) -> None:
    desk = Desk(client)
    customer_id = desk.customer()
    for technician in ("technician", "technician-2"):
        call_id = str(desk.register(customer_id)["call_id"])
        body = {"technician_ids": [technician]}
        client.ok("POST", f"/service-calls/{call_id}/dispatch", "service-supervisor", body)
    report_id = technician_report(client)["report_id"]
    decide(client, report_id, "service-supervisor", "service_supervisor")

    # Wednesday 18:00: Tuesday's reports were due by Wednesday's close (17:30).
    moved_clock[0] = TUESDAY_10 + timedelta(days=1, hours=8)
    client.app.catch_up_projections()  # type: ignore[attr-defined]
    MISSING.tick(client.app)
    MISSING.tick(client.app)
    missing = client.page("/daily-reports/missing", "service-department")
    assert sorted((m["kind"], m["person_id"], m["day"]) for m in missing["items"]) == [
        ("supervisor", "service-supervisor", "2026-12-01"),
        ("technician", "technician-2", "2026-12-01"),
    ]
    metrics = client.http.get("/metrics").text
    assert 'countersign_service_desk_daily_reports_missing_total{kind="technician"} 1.0' in metrics


def test_sd_23_nothing_is_flagged_before_the_due_time(
    client: ServiceClient, moved_clock: list[datetime]
) -> None:
    desk = Desk(client)
    call_id = str(desk.register(desk.customer())["call_id"])
    desk.dispatched(call_id)
    moved_clock[0] = TUESDAY_10 + timedelta(days=1, hours=7)  # Wednesday 17:00
    client.app.catch_up_projections()  # type: ignore[attr-defined]
    MISSING.tick(client.app)
    assert client.page("/daily-reports/missing", "service-department")["total"] == 0
