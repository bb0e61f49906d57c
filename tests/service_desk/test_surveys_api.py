"""Surveys through service-desk's API on a real store, SQLite and PostgreSQL: every completed
call gets its survey from the timer the next working day, none twice (SD-30); the card's four
ratings of four levels are recorded once and published (SD-31); satisfaction, per technician,
and coverage figures (SD-44)."""

from __future__ import annotations

from datetime import datetime, timedelta

from service_desk.adapters.outbound import OUTBOUND
from service_desk.application.surveys import SURVEY_DISPATCH
from tests.customers.test_metrics import promtool_accepts
from tests.service_client import ServiceClient
from tests.service_desk import test_service_calls_api as calls
from tests.service_desk.test_service_calls_api import TUESDAY_10, Desk

DESK = "service-department"
client, desk = calls.client, calls.desk
"""The service calls' fixtures: a completed call's survey follows it."""


def completed_and_signed(desk: Desk) -> str:
    call_id = desk.completed(desk.customer())
    assert desk.sign(desk.link(call_id).json()).status_code == 200
    return call_id


def test_sd_30_every_completed_call_is_surveyed_the_next_day_once(
    client: ServiceClient, desk: Desk, moved_clock: list[datetime]
) -> None:
    call_id = completed_and_signed(desk)
    desk.completed(desk.customer())  # not signed yet: not completed, no survey
    client.app.catch_up_projections()
    SURVEY_DISPATCH.tick(client.app)  # the same day: nothing goes out
    metrics = client.http.get("/metrics").text
    assert 'countersign_service_desk_completed_calls_surveyed{sent="no"} 1.0' in metrics
    assert client.call("GET", f"/surveys/{call_id}", DESK).status_code == 404

    moved_clock[0] = TUESDAY_10 + timedelta(days=1)
    SURVEY_DISPATCH.tick(client.app)
    SURVEY_DISPATCH.tick(client.app)  # the read table not caught up yet: still one survey
    client.app.catch_up_projections()
    SURVEY_DISPATCH.tick(client.app)
    survey = client.ok("GET", f"/surveys/{call_id}", DESK)
    assert (survey["technician_id"], survey["on_time"], survey["ratings"]) == (
        "technician",
        True,
        None,
    )
    listed = client.page("/surveys", DESK)
    assert [(s["call_id"], s["sent_at"] is not None) for s in listed["items"]] == [(call_id, True)]
    metrics = client.http.get("/metrics").text
    assert 'countersign_service_desk_completed_calls_surveyed{sent="yes"} 1.0' in metrics
    assert 'countersign_service_desk_completed_calls_surveyed{sent="no"} 0.0' in metrics
    assert "countersign_service_desk_surveys_sent_late 0.0" in metrics


def test_sd_31_sd_44_the_card_s_four_ratings_are_recorded_once_and_published(
    client: ServiceClient, desk: Desk, moved_clock: list[datetime]
) -> None:
    satisfied, unhappy = completed_and_signed(desk), completed_and_signed(desk)
    client.app.catch_up_projections()
    moved_clock[0] = TUESDAY_10 + timedelta(days=1)
    SURVEY_DISPATCH.tick(client.app)
    ratings = {"attitude": 4, "technique": 3, "arrival_time": 4, "promise_keeping": 4}
    path = f"/surveys/{satisfied}/response"
    off_scale = client.call("POST", path, DESK, {"ratings": {**ratings, "technique": 5}})
    assert (off_scale.status_code, off_scale.json()["rule"]) == (422, "INPUT")
    assert client.call("POST", path, "technician", {"ratings": ratings}).status_code == 403
    answer = client.ok("POST", path, DESK, {"ratings": ratings, "comments": "Quick"})
    assert answer["ratings"] == ratings and answer["responded_at"] is not None
    again = client.call("POST", path, DESK, {"ratings": ratings})
    assert (again.status_code, again.json()["rule"]) == (422, "SD-31")
    client.ok(
        "POST", f"/surveys/{unhappy}/response", DESK, {"ratings": {**ratings, "arrival_time": 2}}
    )

    client.app.catch_up_projections()
    metrics = client.http.get("/metrics").text
    assert 'countersign_service_desk_survey_responses_total{satisfied="yes"} 1.0' in metrics
    assert 'countersign_service_desk_survey_responses_total{satisfied="no"} 1.0' in metrics
    assert (
        'countersign_service_desk_survey_item_ratings_total{item="arrival_time",satisfied="no"} 1.0'
        in metrics
    )
    by_technician = "countersign_service_desk_technician_survey_responses_total"
    assert f'{by_technician}{{satisfied="yes",technician="technician"}} 1.0' in metrics
    promtool_accepts(metrics)

    event = next(
        e
        for e in client.app.recorder.select_notifications(1, 1000)  # type: ignore[attr-defined]
        if e.topic.endswith("Survey.ResponseRecorded")
    )
    published = OUTBOUND(client.app.mapper.to_domain_event(event))  # type: ignore[attr-defined]
    assert published is not None and published.event_type == "SurveyResponseRecorded"
    assert published.model_dump(include={"ratings", "comments"}) == {
        "ratings": ratings,
        "comments": "Quick",
    }
