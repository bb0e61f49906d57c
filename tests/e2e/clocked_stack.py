"""The whole stack for the tests whose producers need time to pass: billing and service-desk on
movable clocks (``tests/e2e/clocked_services.py``), every timer ticking each second, and the
helpers that move a service's clock to a working day."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from countersign.stack import FileSink, Stack, StackConfig
from tests.company import CALENDAR
from tests.e2e.api import Api
from tests.e2e.clocked_services import CLOCK_DIR_ENV, PORTS_ENV, move_clock
from tests.e2e.conftest import REPO

CLOCKED = ("billing", "service-desk")
"""The producers whose timers need time to pass."""
WAIT = 60.0
"""One hop through the broker, or two, on a machine busy with others."""


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    """The whole stack with every policy in force; billing and service-desk on movable clocks,
    every timer ticking each second."""
    root = tmp_path_factory.mktemp("stack")
    modules = dict.fromkeys(CLOCKED, "tests.e2e.clocked_services")
    config = StackConfig.on_free_ports(root / "data", modules=modules)
    services = {str(port): service for service, port in config.http_ports.items()}
    extra_env = {
        "PYTHONPATH": str(REPO),  # the clocked stand-in lives in tests/
        "COUNTERSIGN_TIMER_SECONDS": "1",
        PORTS_ENV: json.dumps(services),
        CLOCK_DIR_ENV: str(root / "clock"),
    }
    sink = FileSink(root / "logs")
    try:
        async with Stack(dataclasses.replace(config, extra_env=extra_env), sink) as running:
            client = Api(running)
            await client.put_policies_in_force()
            await client.close()
            yield running
    finally:
        sink.close()
        print(f"service logs: {root / 'logs'}")


@contextlib.contextmanager
def clock_of(stack: Stack, service: str, to: datetime) -> Iterator[None]:
    """``service`` lives at ``to`` (and on from it) inside the block, then at the wall clock."""
    clock_dir = Path(stack.config.extra_env[CLOCK_DIR_ENV])
    move_clock(clock_dir, service, to)
    try:
        yield
    finally:
        move_clock(clock_dir, service, None)


def working_day_from(day: date) -> datetime:
    """10:00 on the first working day on or after ``day``, in the calendar's zone."""
    while not CALENDAR.is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, time(10), CALENDAR.zone)
