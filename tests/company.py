"""The company's day: the services date what happens in the working calendar's zone
(Asia/Shanghai), not UTC; from 16:00 UTC on, the company is already a day ahead."""

from __future__ import annotations

import functools
from datetime import date, tzinfo

from kernel.calendar import Calendar
from kernel.settings import KernelSettings
from runtime import clock


@functools.cache
def zone() -> tzinfo:
    return Calendar.load(KernelSettings().calendar_file).zone


def today() -> date:
    return clock.now().astimezone(zone()).date()


def this_month() -> str:
    return clock.now().astimezone(zone()).strftime("%Y-%m")
