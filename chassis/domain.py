"""Base classes for aggregates and the one exception type for refused commands.

Every domain event carries ``meta`` (who acted, correlation and causation ids) taken from the
command context the application layer opens, so the relay can fill the public envelope and the
audit trail can say who did what without each aggregate passing it around.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate as _Aggregate

from chassis import clock


class RuleViolation(Exception):
    """A command refused by a business rule: names the rule id and says why."""

    def __init__(self, rule: str, reason: str, **details: Any) -> None:
        super().__init__(f"{rule}: {reason}")
        self.rule = rule
        self.reason = reason
        self.details = details


class NotFound(Exception):
    """The command or query names something that does not exist."""

    def __init__(self, kind: str, ident: object) -> None:
        super().__init__(f"{kind} {ident} not found")
        self.kind = kind
        self.ident = ident


@dataclass(frozen=True)
class CommandContext:
    """Who is acting, and which conversation (correlation) and cause the action belongs to."""

    actor: str
    correlation_id: UUID = field(default_factory=uuid4)
    causation_id: UUID | None = None

    def as_meta(self) -> dict[str, str | None]:
        return {
            "actor": self.actor,
            "correlation_id": str(self.correlation_id),
            "causation_id": str(self.causation_id) if self.causation_id else None,
        }


_context: contextvars.ContextVar[CommandContext | None] = contextvars.ContextVar(
    "command_context", default=None
)


@contextmanager
def acting(context: CommandContext) -> Iterator[None]:
    token = _context.set(context)
    try:
        yield
    finally:
        _context.reset(token)


def _current_meta() -> dict[str, str | None]:
    context = _context.get()
    if context is None:
        raise RuntimeError("domain events may only be triggered inside a command context")
    return context.as_meta()


class Aggregate(_Aggregate):
    class Event(_Aggregate.Event):
        meta: Mapping[str, str | None]

        @staticmethod
        def create_timestamp() -> datetime:
            return clock.now()

    class Created(Event, _Aggregate.Created):
        pass

    def trigger_event(self, event_class: type[Any], **kwargs: Any) -> None:
        kwargs.setdefault("meta", _current_meta())
        super().trigger_event(event_class, **kwargs)

    @classmethod
    def _create(cls, event_class: type[Any], *, id: Any = None, **kwargs: Any) -> Any:
        kwargs.setdefault("meta", _current_meta())
        return super()._create(event_class, id=id, **kwargs)
