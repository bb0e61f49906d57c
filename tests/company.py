"""The company's working calendar and day: the services date what happens in the calendar's zone
(Asia/Shanghai), not UTC; from 16:00 UTC on, the company is already a day ahead."""

from __future__ import annotations

from datetime import date

from kernel.calendar import Calendar
from kernel.settings import KernelSettings
from runtime import clock

CALENDAR = Calendar.load(KernelSettings().calendar_file)
"""The calendar config/ holds, as the general manager signs it in the tests."""


def today() -> date:
    return clock.now().astimezone(CALENDAR.zone).date()


def this_month() -> str:
    return clock.now().astimezone(CALENDAR.zone).strftime("%Y-%m")
