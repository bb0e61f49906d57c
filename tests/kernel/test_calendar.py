"""The working calendar (XC-10): working days, working hours and the SLA limits counted on them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from kernel.calendar import Calendar, CalendarConfig, Weekday
from kernel.settings import KernelSettings

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")


def cst(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def calendar() -> Calendar:
    """The shipped configuration: Asia/Shanghai, 08:30-12:00 and 13:00-17:30, CN holidays."""
    return Calendar.load(KernelSettings().calendar_file)


def test_the_shipped_configuration_is_the_default_one(calendar: Calendar) -> None:
    assert calendar.config == CalendarConfig()
    assert calendar.zone == SHANGHAI


# Working days


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 9, 28), True),  # Monday
        (date(2026, 9, 26), False),  # Saturday
        (date(2026, 9, 27), False),  # Sunday
        (date(2026, 9, 25), False),  # Friday, Mid-Autumn Festival
        (date(2026, 10, 1), False),  # Thursday, National Day
        (date(2026, 10, 7), False),  # Wednesday, day off moved from Saturday 10 October
        (date(2026, 10, 8), True),  # Thursday, back at work
        (date(2026, 10, 10), True),  # Saturday, make-up working day (调休)
        (date(2026, 9, 20), True),  # Sunday, make-up working day (调休)
        (date(2026, 2, 14), True),  # Saturday before the Spring Festival, make-up working day
        (date(2026, 2, 17), False),  # Spring Festival
    ],
)
def test_weekends_public_holidays_and_make_up_days(
    calendar: Calendar, day: date, working: bool
) -> None:
    assert calendar.is_working_day(day) is working


def test_company_holidays_and_extra_working_days_come_from_configuration() -> None:
    calendar = Calendar.from_config(
        {
            "company_holidays": [date(2026, 9, 29)],
            # A Saturday the pinned package does not know as a make-up day, and a public holiday
            # the company decides to work.
            "extra_working_days": ["2027-01-30", "2026-10-02"],
        }
    )
    assert not calendar.is_working_day(date(2026, 9, 29))
    assert calendar.is_working_day(date(2027, 1, 30))
    assert calendar.is_working_day(date(2026, 10, 2))
    assert not calendar.is_working_day(date(2026, 10, 1))


def test_weekend_days_and_country_are_configurable() -> None:
    # A company in Germany that works Saturdays and rests Sunday and Monday.
    calendar = Calendar.from_config(
        {
            "time_zone": "Europe/Berlin",
            "country": "DE",
            "subdivision": "BY",
            "weekend": ["sunday", "monday"],
        }
    )
    assert calendar.is_working_day(date(2026, 9, 26))  # Saturday
    assert not calendar.is_working_day(date(2026, 9, 28))  # Monday
    assert not calendar.is_working_day(date(2026, 10, 3))  # Saturday, German Unity Day
    assert not calendar.is_working_day(date(2026, 1, 6))  # Epiphany, a holiday in Bavaria
    assert calendar.is_working_day(date(2026, 10, 1))  # China's National Day is not


# Working time between two instants


def test_working_time_within_one_period(calendar: Calendar) -> None:
    assert calendar.working_time_between(cst(2026, 9, 28, 9), cst(2026, 9, 28, 11, 15)) == (
        timedelta(hours=2, minutes=15)
    )


def test_the_lunch_break_does_not_count(calendar: Calendar) -> None:
    # 11:00-12:00 and 13:00-14:00.
    assert calendar.working_time_between(cst(2026, 9, 28, 11), cst(2026, 9, 28, 14)) == (
        timedelta(hours=2)
    )
    assert calendar.working_time_between(cst(2026, 9, 28, 12, 10), cst(2026, 9, 28, 12, 50)) == (
        timedelta()
    )


def test_the_night_does_not_count(calendar: Calendar) -> None:
    # Monday 17:00-17:30, then Tuesday 08:30-09:30.
    assert calendar.working_time_between(cst(2026, 9, 28, 17), cst(2026, 9, 29, 9, 30)) == (
        timedelta(hours=1, minutes=30)
    )


def test_weekends_and_the_national_day_week_do_not_count(calendar: Calendar) -> None:
    # Friday 2026-10-09 16:00-17:30; Saturday 10 October is a make-up working day, fully worked.
    assert calendar.working_time_between(cst(2026, 10, 9, 16), cst(2026, 10, 11, 23)) == (
        timedelta(hours=1, minutes=30) + timedelta(hours=8)
    )
    # Wednesday 30 September 17:00 to Thursday 8 October 09:00: half an hour on each side.
    assert calendar.working_time_between(cst(2026, 9, 30, 17), cst(2026, 10, 8, 9)) == (
        timedelta(hours=1)
    )


def test_working_time_is_negative_backwards_and_zero_for_an_instant(calendar: Calendar) -> None:
    a, b = cst(2026, 9, 28, 9), cst(2026, 9, 28, 10)
    assert calendar.working_time_between(b, a) == -timedelta(hours=1)
    assert calendar.working_time_between(a, a) == timedelta()


def test_instants_in_any_zone_count_in_the_calendars_zone(calendar: Calendar) -> None:
    # 00:30 UTC is 08:30 in Shanghai; 20:00 UTC on Sunday is 04:00 on Monday in Shanghai.
    start = datetime(2026, 9, 28, 0, 30, tzinfo=UTC)
    assert calendar.working_time_between(start, cst(2026, 9, 28, 10)) == timedelta(hours=1.5)
    sunday_night = datetime(2026, 9, 27, 20, tzinfo=UTC)
    assert calendar.working_time_between(sunday_night, cst(2026, 9, 28, 9)) == timedelta(minutes=30)


def test_a_daylight_saving_change_neither_adds_nor_loses_an_hour() -> None:
    calendar = Calendar.from_config({"time_zone": "Europe/Berlin", "country": "DE"})
    # Clocks go forward on Sunday 29 March 2026: Friday 16:00 CET to Monday 09:00 CEST.
    friday = datetime(2026, 3, 27, 16, tzinfo=BERLIN)
    monday = datetime(2026, 3, 30, 9, tzinfo=BERLIN)
    assert calendar.working_time_between(friday, monday) == timedelta(hours=2)
    assert calendar.add_working_hours(friday, 2) == monday
    assert calendar.add_working_hours(friday, 2).utcoffset() == timedelta(hours=2)


# Working-hours limits (SD-04: 6 working hours urban, 7 suburban)


@pytest.mark.parametrize(
    ("called", "hours", "due"),
    [
        # Monday 10:00: 2 h before lunch, 4 h after.
        (cst(2026, 9, 28, 10), 6, cst(2026, 9, 28, 17)),
        # Suburban: 6.5 h on Monday, the last half hour on Tuesday morning.
        (cst(2026, 9, 28, 10), 7, cst(2026, 9, 29, 9)),
        # Called during lunch: the clock starts at 13:00; 4.5 h on Monday, 1.5 h on Tuesday.
        (cst(2026, 9, 28, 12, 15), 6, cst(2026, 9, 29, 10)),
        # Called at night: the clock starts at 08:30 the next morning.
        (cst(2026, 9, 28, 22), 6, cst(2026, 9, 29, 15, 30)),
        # Friday 15:00: 2.5 h on Friday, 3.5 h on Monday morning, due as the morning ends.
        (cst(2026, 9, 24, 15), 6, cst(2026, 9, 28, 12)),
        # Called on a weekend: Monday 08:30 is the first working moment.
        (cst(2026, 9, 26, 10), 7, cst(2026, 9, 28, 16, 30)),
        # Wednesday 30 September 16:00: 1.5 h, then nothing until Thursday 8 October.
        (cst(2026, 9, 30, 16), 6, cst(2026, 10, 8, 14)),
        # Friday 9 October 16:00: the make-up Saturday counts.
        (cst(2026, 10, 9, 16), 6, cst(2026, 10, 10, 14)),
        # Fractions of an hour.
        (cst(2026, 9, 28, 8, 30), 0.25, cst(2026, 9, 28, 8, 45)),
    ],
)
def test_working_hours_limits(
    calendar: Calendar, called: datetime, hours: float, due: datetime
) -> None:
    assert calendar.add_working_hours(called, hours) == due
    assert calendar.working_time_between(called, due) == timedelta(hours=hours)


def test_a_working_hours_limit_keeps_the_callers_zone(calendar: Calendar) -> None:
    # Monday 23:00 UTC is Tuesday 07:00 in Shanghai: 08:30 + 6 working hours is 15:30 local.
    called = datetime(2026, 9, 28, 23, tzinfo=UTC)
    due = calendar.add_working_hours(called, 6)
    assert due.tzinfo is UTC
    assert due == datetime(2026, 9, 29, 7, 30, tzinfo=UTC)


# Working-days limits (OR-20: ship within 1 working day; SD-34: reply within 5 working days)


@pytest.mark.parametrize(
    ("signed", "days", "due"),
    [
        # Signed Monday afternoon: ship by the close of Tuesday.
        (cst(2026, 9, 28, 15), 1, cst(2026, 9, 29, 17, 30)),
        # Before opening time the signing day still does not count.
        (cst(2026, 9, 28, 7), 1, cst(2026, 9, 29, 17, 30)),
        # Thursday: Friday is the Mid-Autumn Festival, then the weekend.
        (cst(2026, 9, 24, 15), 1, cst(2026, 9, 28, 17, 30)),
        # Signed on a Saturday.
        (cst(2026, 9, 26, 10), 1, cst(2026, 9, 28, 17, 30)),
        # The eve of the National Day week.
        (cst(2026, 9, 30, 11), 1, cst(2026, 10, 8, 17, 30)),
        # Friday 9 October: the make-up Saturday is the next working day.
        (cst(2026, 10, 9, 11), 1, cst(2026, 10, 10, 17, 30)),
        # SD-34: a complaint received Monday 28 September is answered by the close of Saturday
        # 10 October (29 and 30 September, 8, 9 and the make-up 10 October).
        (cst(2026, 9, 28, 10), 5, cst(2026, 10, 10, 17, 30)),
    ],
)
def test_working_days_limits(
    calendar: Calendar, signed: datetime, days: int, due: datetime
) -> None:
    assert calendar.add_working_days(signed, days) == due


def test_a_working_days_limit_counts_days_in_the_calendars_zone(calendar: Calendar) -> None:
    # Sunday 20:00 UTC is already Monday in Shanghai: Tuesday is the first day counted.
    signed = datetime(2026, 9, 27, 20, tzinfo=UTC)
    due = calendar.add_working_days(signed, 1)
    assert due == cst(2026, 9, 29, 17, 30)
    assert due.tzinfo is UTC


# Refusals


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.working_time_between(datetime(2026, 9, 28, 9), cst(2026, 9, 28, 10)),
        lambda c: c.add_working_hours(datetime(2026, 9, 28, 9), 6),
        lambda c: c.add_working_days(datetime(2026, 9, 28, 9), 1),
    ],
    ids=["between", "hours", "days"],
)
def test_naive_datetimes_are_refused(calendar: Calendar, call: Any) -> None:
    with pytest.raises(ValueError, match="aware"):
        call(calendar)


def test_limits_must_be_positive(calendar: Calendar) -> None:
    with pytest.raises(ValueError):
        calendar.add_working_hours(cst(2026, 9, 28, 9), 0)
    with pytest.raises(ValueError):
        calendar.add_working_days(cst(2026, 9, 28, 9), 0)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"time_zone": "Mars/Olympus"}, "unknown time zone"),
        ({"country": "XX"}, "XX"),
        ({"working_hours": [{"start": "12:00", "end": "08:30"}]}, "ends after it starts"),
        ({"working_hours": []}, "at least one working period"),
        (
            {
                "working_hours": [
                    {"start": "08:30", "end": "12:30"},
                    {"start": "12:00", "end": "17:30"},
                ]
            },
            "must not overlap",
        ),
        ({"weekend": list(Weekday)}, "every day of the week"),
        (
            {"company_holidays": ["2026-09-29"], "extra_working_days": ["2026-09-29"]},
            "both holidays and working days",
        ),
        ({"working_hour": []}, "Extra inputs"),
    ],
)
def test_a_bad_configuration_is_refused(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Calendar.from_config(config)


def test_working_periods_are_configurable() -> None:
    # A single shift without a lunch break.
    calendar = Calendar.from_config({"working_hours": [{"start": time(9), "end": time(18)}]})
    assert calendar.add_working_hours(cst(2026, 9, 28, 9), 9) == cst(2026, 9, 28, 18)
    assert calendar.add_working_days(cst(2026, 9, 28, 9), 1) == cst(2026, 9, 29, 18)
