"""Who is acting, and everything one command or one policy run changes.

A unit of work is opened around every command (``@command``) and every policy run (the inbox),
never by hand. Every aggregate the unit creates, loads or changes is tracked, and the unit commits
all their new events in one transaction when it ends without an error, so a command cannot forget
to save what it changed, and a refused command leaves nothing half-written.
"""

from __future__ import annotations

import contextvars
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import Tracking

from runtime.ids import new_id


@dataclass(frozen=True)
class CommandContext:
    """Who is acting in which roles, and which conversation (correlation) and cause the action
    belongs to."""

    actor: str
    roles: frozenset[str] = frozenset()
    correlation_id: UUID = field(default_factory=new_id)
    causation_id: UUID | None = None

    def as_meta(self) -> dict[str, str | None]:
        """What every domain event records of its context."""
        return {
            "actor": self.actor,
            "correlation_id": str(self.correlation_id),
            "causation_id": str(self.causation_id) if self.causation_id else None,
        }


class Tracked(Protocol):
    """An aggregate as a unit of work sees it."""

    @property
    def id(self) -> UUID: ...

    def collect_events(self) -> Sequence[Any]: ...


class UnitOfWork:
    """Entered, it is the current unit of work of this thread or task (``current_unit``)."""

    def __init__(self, context: CommandContext, applied: Sequence[Tracking] = ()) -> None:
        self.context = context
        self.applied = tuple(applied)
        """The upstream positions a policy run records with its events."""
        self.meta = context.as_meta()
        self._aggregates: dict[UUID, Tracked] = {}
        self._token: contextvars.Token[UnitOfWork | None] | None = None

    def __enter__(self) -> UnitOfWork:
        self._token = _current.set(self)
        return self

    def __exit__(self, *_: object) -> None:
        assert self._token is not None
        _current.reset(self._token)

    def track(self, aggregate: Tracked) -> None:
        known = self._aggregates.setdefault(aggregate.id, aggregate)
        if known is not aggregate:
            # Two copies of one aggregate in one unit would both append the same versions.
            raise RuntimeError(f"aggregate {aggregate.id} is loaded twice in one unit of work")

    def tracked(self, aggregate_id: UUID) -> Tracked | None:
        return self._aggregates.get(aggregate_id)

    def aggregates(self) -> list[Tracked]:
        return list(self._aggregates.values())


_current: contextvars.ContextVar[UnitOfWork | None] = contextvars.ContextVar(
    "unit_of_work", default=None
)


def acting(context: CommandContext, applied: Sequence[Tracking] = ()) -> UnitOfWork:
    """A unit of work to enter. Applications commit theirs (``ServiceApplication``); domain tests
    enter one to trigger events without a store."""
    return UnitOfWork(context, applied)


def active_unit() -> UnitOfWork | None:
    return _current.get()


def current_unit() -> UnitOfWork:
    unit = _current.get()
    if unit is None:
        raise RuntimeError("domain events may only be triggered inside a unit of work")
    return unit
