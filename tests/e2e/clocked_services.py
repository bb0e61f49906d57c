"""A real service whose clock a test can move, the way the in-process tests move it with
``runtime.clock.use``: months pass for billing's timers (an overdue receivable, the June and
December reconciliation) or a night for service-desk's survey timer, in a running stack.

The service is the one listening on ``COUNTERSIGN_HTTP_PORT`` in the port map
``COUNTERSIGN_TEST_SERVICE_PORTS`` (JSON, service by port). Its clock runs ahead of the wall
clock by the seconds written in the file named after it in ``COUNTERSIGN_TEST_CLOCK_DIR``, read
on every look at the time; no file, no offset. Otherwise it is the real service.
"""

from __future__ import annotations

import importlib
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from runtime import clock
from runtime.service import run_service

PORTS_ENV = "COUNTERSIGN_TEST_SERVICE_PORTS"
CLOCK_DIR_ENV = "COUNTERSIGN_TEST_CLOCK_DIR"


def offset_file(clock_dir: Path, service: str) -> Path:
    return clock_dir / service


def move_clock(clock_dir: Path, service: str, to: datetime | None) -> None:
    """``service``'s clock shows ``to`` now and runs on from there; ``None``: the wall clock."""
    path = offset_file(clock_dir, service)
    if to is None:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    ahead = (to - datetime.now(tz=UTC)).total_seconds()
    # Written whole at once: the service never reads half a number.
    path.with_suffix(".tmp").write_text(repr(ahead))
    path.with_suffix(".tmp").replace(path)


def _moved_clock(path: Path) -> datetime:
    try:
        ahead = float(path.read_text())
    except FileNotFoundError:
        ahead = 0.0
    return datetime.now(tz=UTC) + timedelta(seconds=ahead)


if __name__ == "__main__":
    service = json.loads(os.environ[PORTS_ENV])[os.environ["COUNTERSIGN_HTTP_PORT"]]
    path = offset_file(Path(os.environ[CLOCK_DIR_ENV]), service)
    clock.use(lambda: _moved_clock(path))
    bootstrap = importlib.import_module(f"{service.replace('-', '_')}.bootstrap")
    run_service(bootstrap.SPEC)
