"""The survey's rules at the aggregate: sent the day after the work, on time by the next working
day (SD-30), answered once on four items of four levels (SD-31)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from kernel.calendar import Calendar
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting
from service_desk.domain.survey import Ratings, Survey

CALENDAR = Calendar.load(Path(__file__).parents[2] / "config" / "calendar.toml")
FRIDAY_16 = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
"""16:00 in Shanghai on a working Friday."""


@pytest.fixture(autouse=True)
def _acting() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def sent(at: datetime) -> Survey:
    return Survey.send(uuid4(), uuid4(), "technician", FRIDAY_16, at, CALENDAR)


def test_sd_30_the_survey_goes_out_the_next_working_day_not_the_same_day() -> None:
    with pytest.raises(RuleViolation) as same_day:
        sent(FRIDAY_16 + timedelta(hours=1))
    assert same_day.value.rule == "SD-30"
    assert sent(FRIDAY_16 + timedelta(days=1)).on_time  # Saturday: nobody sends, but not late
    assert sent(FRIDAY_16 + timedelta(days=3)).on_time  # Monday, the next working day
    assert not sent(FRIDAY_16 + timedelta(days=4)).on_time  # Tuesday: late


def test_sd_31_four_items_on_four_levels_answered_once() -> None:
    survey = sent(FRIDAY_16 + timedelta(days=3))
    with pytest.raises(RuleViolation) as off_scale:
        survey.record_response(Ratings(4, 5, 3, 0), None, "service-department", FRIDAY_16)
    assert off_scale.value.rule == "SD-31"
    assert off_scale.value.details == {"technique": 5, "promise_keeping": 0}
    survey.record_response(Ratings(4, 3, 2, 4), "", "service-department", FRIDAY_16)
    assert survey.ratings == Ratings(4, 3, 2, 4) and not survey.ratings.satisfied
    assert survey.comments is None
    with pytest.raises(RuleViolation) as again:
        survey.record_response(Ratings(4, 4, 4, 4), None, "service-department", FRIDAY_16)
    assert again.value.rule == "SD-31"
