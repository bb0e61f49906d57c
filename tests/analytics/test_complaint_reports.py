"""The complaint statistics and the monthly complaint analysis (SD-40, SD-41) replayed from the
service desk's real store (SQLite and PostgreSQL); a month's analysis not published is a
missing submission until it is."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from kernel.settings import KernelSettings
from tests.analytics.test_replay import replayed
from tests.analytics.test_service_desk_reports import rows
from tests.service_client import ServiceClient
from tests.service_desk.test_complaints_api import (  # noqa: F401 (the fixtures of its store)
    DESK,
    TUESDAY_10,
    Desk,
    client,
    desk,
)

MISSING = "SELECT report, period FROM missing_submissions WHERE rule = 'SD-40'"


def closed(service: Desk, complaint_id: str) -> None:
    service.post(complaint_id, "follow-ups", {"satisfaction": "satisfied"})
    service.post(complaint_id, "visit", {"notes": "Visited"}, "service-supervisor")
    service.post(complaint_id, "closure", {"notice_method": "phone"})


def test_sd_40_sd_41_the_monthly_complaint_analysis_is_missing_until_it_is_published(
    client: ServiceClient,  # noqa: F811
    desk: Desk,  # noqa: F811
    store_settings: KernelSettings,
    moved_clock: list[datetime],
    tmp_path: Path,
) -> None:
    reopened = desk.implemented()
    desk.post(reopened, "follow-ups", {"satisfaction": "dissatisfied", "notes": "Still"})
    closed(desk, desk.implemented())
    unfounded = desk.receive()["complaint_id"]
    invalid = {"valid": False, "findings": "On time", "investigation_form_ref": "INV-2"}
    desk.post(unfounded, "investigation", invalid)
    closed(desk, unfounded)
    major = desk.valid("sales")  # SD-41: reported to the customer-service manager, still open
    desk.post(major, "classification", {"severity": "major"}, "service-clerk")
    target = tmp_path / "a.duckdb"
    replayed(store_settings, target)
    assert rows(target, MISSING) == []  # December is not over

    moved_clock[0] = TUESDAY_10 + timedelta(days=31)
    replayed(store_settings, target, as_of=moved_clock[0])
    assert rows(target, MISSING) == [("monthly_complaint_analysis", "2026-12")]
    complaints = rows(
        target,
        "SELECT category, severity, received, closed, open, reopened, reported FROM complaints",
    )
    assert complaints == [
        ("sales", "major", 1, 0, 1, 0, 1),
        ("service", "general", 2, 1, 1, 1, 0),
        ("service", "unfounded", 1, 1, 0, 0, 0),
    ]
    analysis = (
        "SELECT month, received, handled, handling_rate, major, major_reported, closed, "
        "closed_unfounded, "
        "published_by, corrective_actions FROM complaint_analysis"
    )
    assert rows(target, analysis) == [("2026-12", 4, 2, 0.5, 1, 1, 2, 1, None, None)]

    body = {"month": "2026-12-01", "corrective_actions": ["Dispatch the same day"]}
    client.app.catch_up_projections()  # type: ignore[attr-defined]
    client.ok("POST", "/complaint-analyses", DESK, body)
    replayed(store_settings, target, as_of=moved_clock[0])
    assert rows(target, MISSING) == []
    assert rows(target, analysis) == [("2026-12", 4, 2, 0.5, 1, 1, 2, 1, DESK, 1)]
