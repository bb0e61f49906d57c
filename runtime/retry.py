"""Waiting: exponential backoff for work that waits on something outside the service (the
broker), and wake-ups from other threads."""

from __future__ import annotations

import asyncio
import contextlib


class Backoff:
    """Delays that double from ``first`` up to ``longest`` seconds, until ``reset``."""

    def __init__(self, first: float, longest: float = 60.0) -> None:
        self.first = first
        self.longest = longest
        self.attempts = 0

    def next_delay(self) -> float:
        delay: float = min(self.first * 2.0**self.attempts, self.longest)
        self.attempts += 1
        return delay

    async def sleep(self) -> None:
        await asyncio.sleep(self.next_delay())

    def reset(self) -> None:
        self.attempts = 0


class Wakeup:
    """An asyncio event that other threads set cheaply: of many sets before the loop runs, only
    the first crosses into the loop (each crossing is a syscall, and the thread must win the GIL
    back after it: one per commit would slow every commit under load)."""

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._event = asyncio.Event()
        self._pending = False

    def set_from_thread(self) -> None:
        if not self._pending:
            self._pending = True
            self._loop.call_soon_threadsafe(self._set)

    def _set(self) -> None:
        self._pending = False
        self._event.set()

    def set(self) -> None:
        self._event.set()

    def clear(self) -> None:
        self._event.clear()

    async def wait(self, timeout: float) -> None:
        """Until set, or ``timeout`` seconds."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout)
