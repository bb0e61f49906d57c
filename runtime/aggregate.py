"""The aggregate base every domain model extends, and the two ways a command is refused.

Aggregates follow one idiom (docs/architecture.md): each event is a nested class that declares its
fields once and evolves the aggregate in its ``apply`` method (a creation event's fields become
the new aggregate's state by themselves); a command method checks the rules, then triggers the
event. Every event records ``meta`` (who acted, correlation and causation ids)
from the unit of work it is triggered in, so the relay can fill the public envelope and the audit
trail can say who did what, without each aggregate passing it around.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Self
from uuid import UUID

from eventsourcing.domain import Aggregate as _Aggregate
from eventsourcing.utils import get_topic, resolve_topic

from runtime import clock
from runtime.ids import new_id
from runtime.unit_of_work import current_unit


class RuleViolation(Exception):
    """A command refused by a business rule: names the rule id and says why."""

    def __init__(self, rule: str, reason: str, **details: Any) -> None:
        super().__init__(f"{rule}: {reason}")
        self.rule = rule
        self.reason = reason
        self.details = details


class NotYet(RuleViolation):
    """A refusal that will lift without any change to what was asked (a policy not in force
    yet): a command gets the refusal; a reaction to another service's event waits and is applied
    once it lifts, never dead-lettered."""


class NotFound(Exception):
    """The command or query names something that does not exist."""

    def __init__(self, kind: str, ident: object) -> None:
        super().__init__(f"{kind} {ident} not found")
        self.kind = kind
        self.ident = ident


_BOOKKEEPING = frozenset(
    {"originator_id", "originator_version", "originator_topic", "timestamp", "meta"}
)
_STATE_FIELDS: dict[tuple[type, type], tuple[str, ...]] = {}


def _state_fields(event_class: type, aggregate_class: type) -> tuple[str, ...]:
    """The creation event's own fields, none of which may shadow the aggregate's properties
    (``id``, ``version``...)."""
    key = (event_class, aggregate_class)
    found = _STATE_FIELDS.get(key)
    if found is None:
        names = [f.name for f in dataclasses.fields(event_class) if f.name not in _BOOKKEEPING]
        clashing = [n for n in names if isinstance(getattr(aggregate_class, n, None), property)]
        if clashing:
            raise TypeError(
                f"{event_class.__qualname__} fields {clashing} would overwrite properties of "
                f"{aggregate_class.__qualname__}"
            )
        found = _STATE_FIELDS[key] = tuple(names)
    return found


@functools.cache
def _plain_init(aggregate_class: type) -> bool:
    """Whether the class's ``__init__`` takes no argument (the idiom: state comes from the
    creation event's ``apply``), so creating it needs none of the library's argument matching."""
    init = aggregate_class.__init__  # type: ignore[misc]
    return init is object.__init__ or list(inspect.signature(init).parameters) == ["self"]


class Aggregate(_Aggregate):
    class Event(_Aggregate.Event):
        meta: Mapping[str, str | None]

        @staticmethod
        def create_timestamp() -> datetime:
            return clock.now()

    class Created(Event, _Aggregate.Created):
        def mutate(self, aggregate: Any) -> Any:
            # The library's mutate matches the event's fields against the aggregate's __init__
            # by name on every creation and every replay; an idiomatic __init__ takes none.
            kind = resolve_topic(self.originator_topic)
            if not _plain_init(kind):
                return super().mutate(aggregate)
            created = kind.__new__(kind)
            created.__base_init__(self.originator_id, self.originator_version, self.timestamp)
            created.__init__()
            self.apply(created)
            return created

        def apply(self, aggregate: Any) -> None:
            """A new aggregate's state starts as its creation event's own fields, under the same
            names; a subclass extends this for anything more."""
            for name in _state_fields(type(self), type(aggregate)):
                setattr(aggregate, name, getattr(self, name))

    @staticmethod
    def create_id(*_: Any, **__: Any) -> UUID:
        return new_id()

    def trigger_event(self, event_class: type[Any], **fields: Any) -> None:
        unit = current_unit()
        unit.track(self)
        super().trigger_event(event_class, meta=unit.meta, **fields)

    @classmethod
    def _create(cls, event_class: type[Any], *, id: Any = None, **fields: Any) -> Self:
        unit = current_unit()
        if id is None and cls.create_id is not Aggregate.create_id:
            # An id derived from the fields: the library's way, which hands them to create_id.
            aggregate = super()._create(event_class, meta=unit.meta, **fields)
        else:
            created = event_class(
                originator_topic=get_topic(cls),
                originator_id=new_id() if id is None else id,
                originator_version=cls.INITIAL_VERSION,
                timestamp=fields.pop("timestamp", None) or event_class.create_timestamp(),
                meta=unit.meta,
                **fields,
            )
            aggregate = created.mutate(None)
            aggregate._pending_events.append(created)
        unit.track(aggregate)
        return aggregate
