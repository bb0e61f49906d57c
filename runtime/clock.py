"""The one clock every service reads, so tests can move time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

_now: Callable[[], datetime] = lambda: datetime.now(tz=UTC)  # noqa: E731

SKEW = timedelta(minutes=5)
"""How far a time a client reports (a receipt, a signature) may run ahead of ours, or a
document's own times behind it, before the time is refused as impossible."""


def now() -> datetime:
    return _now()


def use(clock: Callable[[], datetime]) -> None:
    """Replace the clock (tests); pass ``None``-free callables returning aware datetimes."""
    global _now
    _now = clock
