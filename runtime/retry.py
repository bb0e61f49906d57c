"""Exponential backoff for work that waits on something outside the service (the broker)."""

from __future__ import annotations

import asyncio


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
