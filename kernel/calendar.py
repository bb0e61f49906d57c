"""The company working calendar (XC-10): working hours, weekends, public and company holidays.

Limits stated in working hours or working days (SD-04's 6/7 working hours, OR-20's one working day,
SD-34's five working days) count on this calendar; limits in plain hours use plain ``timedelta``.
Pure: every instant is passed in, nothing here reads the clock. Instants must be time-zone aware;
working hours are wall-clock times in the calendar's zone, and all arithmetic runs in UTC so a
daylight-saving change never adds or loses an hour.
"""

from __future__ import annotations

import threading
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

_DAY = timedelta(days=1)


class Weekday(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"

    @property
    def number(self) -> int:
        """Python's ``date.weekday()`` number (Monday is 0)."""
        return list(Weekday).index(self)


class WorkingPeriod(BaseModel):
    """One stretch of working time within a day, in the calendar's wall-clock time."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> WorkingPeriod:
        if self.start >= self.end:
            raise ValueError(f"a working period ends after it starts ({self.start}-{self.end})")
        return self


class CalendarConfig(BaseModel):
    """The configuration of one company's (or region's) calendar; see config/calendar.toml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    time_zone: str = "Asia/Shanghai"
    working_hours: tuple[WorkingPeriod, ...] = (
        WorkingPeriod(start=time(8, 30), end=time(12, 0)),
        WorkingPeriod(start=time(13, 0), end=time(17, 30)),
    )
    weekend: frozenset[Weekday] = frozenset({Weekday.SATURDAY, Weekday.SUNDAY})
    # Public holidays come from the ``holidays`` package, which also knows China's announced
    # make-up working weekends (调休).
    country: str = "CN"
    subdivision: str | None = None
    # The company's own days off, and working days the package does not know yet (a 调休 schedule
    # announced after the pinned release) or that the company decides to work.
    company_holidays: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> CalendarConfig:
        if not self.working_hours:
            raise ValueError("a calendar needs at least one working period")
        for before, after in pairwise(self.working_hours):
            if after.start < before.end:
                raise ValueError("working periods must be in order and must not overlap")
        # Guarantees every search for the next working day ends.
        if len(self.weekend) == len(Weekday):
            raise ValueError("every day of the week cannot be a weekend day")
        both = self.company_holidays & self.extra_working_days
        if both:
            raise ValueError(f"dates both holidays and working days: {sorted(both)}")
        try:
            holidays.country_holidays(self.country, subdiv=self.subdivision)
        except NotImplementedError as error:
            raise ValueError(str(error)) from None
        return self


@dataclass(frozen=True)
class Deadline:
    """When something must be done, and the calendar version (XC-07) it was counted on."""

    at: datetime
    calendar_version: int | None


class Calendar:
    """Working-time arithmetic on one configured calendar."""

    def __init__(self, config: CalendarConfig | None = None, version: int | None = None) -> None:
        self.config = config or CalendarConfig()
        self.version = version
        """The calendar policy's version (XC-07) when read from one: deadlines record it."""
        self.zone = ZoneInfo(self.config.time_zone)
        self._weekend = frozenset(day.number for day in self.config.weekend)
        self._public = holidays.country_holidays(
            self.config.country,
            subdiv=self.config.subdivision,
            categories=(holidays.PUBLIC,),
        )
        # The package fills in a year on first use, which is not thread-safe; requests run in a
        # thread pool.
        self._lock = threading.Lock()
        self._working_days: dict[date, bool] = {}

    @classmethod
    def from_config(cls, data: Mapping[str, Any]) -> Calendar:
        return cls(CalendarConfig.model_validate(data))

    @classmethod
    def parse(cls, content: str) -> Calendar:
        """A calendar policy document: its ``policy_key`` and ``version`` name it (XC-07), the
        rest configures it."""
        data = tomllib.loads(content)
        data.pop("policy_key", None)
        version = data.pop("version", None)
        return cls(CalendarConfig.model_validate(data), version)

    @classmethod
    def load(cls, path: Path) -> Calendar:
        return cls.parse(path.read_text())

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` (a date in the calendar's zone) has working hours."""
        known = self._working_days.get(day)
        if known is None:
            with self._lock:
                known = self._working_days[day] = self._decide(day)
        return known

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """The working time from ``start`` to ``end``; negative when ``end`` comes first."""
        start, end = _utc(start), _utc(end)
        if end < start:
            return -self.working_time_between(end, start)
        total = timedelta()
        day, last = self._local_date(start), self._local_date(end)
        while day <= last:
            for period_start, period_end in self._periods(day):
                overlap = min(period_end, end) - max(period_start, start)
                if overlap > timedelta():
                    total += overlap
            day += _DAY
        return total

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The earliest instant by which ``hours`` of working time have passed since ``start``.

        A limit that runs out exactly at a period's end is due at that end (12:00, not 13:00).
        The result is in ``start``'s time zone.
        """
        if hours <= 0:
            raise ValueError("a working-hours limit must be positive")
        remaining = timedelta(hours=hours)
        at = _utc(start)
        day = self._local_date(at)
        while True:
            for period_start, period_end in self._periods(day):
                if period_end <= at:
                    continue
                begin = max(period_start, at)
                if remaining <= period_end - begin:
                    return (begin + remaining).astimezone(start.tzinfo)
                remaining -= period_end - begin
            day += _DAY

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The close of business on the ``days``-th working day after ``start``'s day.

        As for periods in Chinese civil law (民法典 art. 201/203), the starting day is not
        counted and the last day runs to the close of business. The result is in ``start``'s
        time zone.
        """
        if days < 1:
            raise ValueError("a working-days limit must be at least one day")
        day = self._local_date(_utc(start))
        counted = 0
        while counted < days:
            day += _DAY
            counted += self.is_working_day(day)
        close = datetime.combine(day, self.config.working_hours[-1].end, self.zone)
        return close.astimezone(start.tzinfo)

    def _decide(self, day: date) -> bool:
        if day in self.config.extra_working_days:
            return True
        if day in self.config.company_holidays:
            return False
        # Looking the day up first also makes the package fill in its year, and with it the
        # make-up working weekends it announces.
        if day in self._public:
            return False
        if day.weekday() in self._weekend:
            return day in self._public.weekend_workdays
        return True

    def _periods(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        """The day's working periods as UTC instants; none on a day off."""
        if not self.is_working_day(day):
            return
        for period in self.config.working_hours:
            yield (
                datetime.combine(day, period.start, self.zone).astimezone(UTC),
                datetime.combine(day, period.end, self.zone).astimezone(UTC),
            )

    def _local_date(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"a time-zone aware datetime is required, got {at.isoformat()}")
    return at.astimezone(UTC)
