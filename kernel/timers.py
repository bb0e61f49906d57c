"""Deadlines the kernel's features watch: a timer finds, in the service's read tables, the
documents whose deadline passed, and runs one command on each as the service's timer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection

from kernel.settings import KernelSettings
from runtime import clock
from runtime.application import ServiceApplication, Timer
from runtime.settings import Settings
from runtime.unit_of_work import CommandContext

Due = Callable[[Connection, datetime], list[UUID]]
"""The documents whose deadline passed by then."""
Act = Callable[[Any, CommandContext, UUID], object]
"""A command of the application, on one document."""


def _timer_seconds(settings: Settings) -> float:
    return KernelSettings.of(settings).timer_seconds


def deadline_timer(name: str, due: Due, act: Act) -> Timer:
    def tick(app: ServiceApplication) -> None:
        with app.read_models.read() as db:
            passed = due(db, clock.now())
        timer = CommandContext(actor=f"{app.service_name}:timer")
        for document_id in passed:
            act(app, timer, document_id)

    return Timer(name, _timer_seconds, tick)
