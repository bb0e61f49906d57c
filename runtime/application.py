"""The base eventsourcing Application every service's application layer extends.

Three kinds of method, one idiom each (docs/architecture.md):

- **commands** (``@command``) run in a unit of work opened for the caller's context; everything
  they create or change is committed together when they return;
- **policies** (``@policy(Contract)``) react to another service's integration event; the inbox
  runs each in a unit of work whose events commit with the upstream position;
- **queries** read aggregates (``find``/``get``) or the service's read tables (``read_models``).

An application is assembled from mixins, each carrying a ``Feature``: the kernel's shared ones
(approvals, governance...) and the service's own slices (its files, its credit reviews...). The
runtime mounts the routes, runs the timers, fills the projections and registers the value objects
of every feature an application's class inherits, so no slice can be half-registered.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar, Concatenate, ParamSpec, TypeVar
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.application import Application
from eventsourcing.persistence import (
    EventStore,
    JSONTranscoder,
    Mapper,
    ProcessRecorder,
    Recording,
    Tracking,
)
from fastapi import APIRouter
from prometheus_client import CollectorRegistry

from contracts import IntegrationEvent
from runtime import metrics
from runtime.aggregate import Aggregate, NotFound
from runtime.figures import Figure, figure_registry
from runtime.idempotency import CommandReceipt, KeyedRequest, Replayed, keyed_request, receipt_id
from runtime.projections import Projection, ReadModels
from runtime.settings import Settings
from runtime.signing import load_private_key, private_key_path, service_key_id
from runtime.snapshots import Snapshots
from runtime.store import read_engine, store_environment, write_lock
from runtime.store.chain import ChainedEventStore, ChainedMapper
from runtime.store.group_commit import GroupCommitMixin
from runtime.transcoding import FastJSONTranscoder, register
from runtime.unit_of_work import CommandContext, UnitOfWork, acting, active_unit

CommitListener = Callable[[list[Recording[Any]]], None]
"""Told of each local commit's recordings (domain event and notification), in the committing
thread (the event loop's, for a command run by ``perform``)."""
A = TypeVar("A")
App = TypeVar("App", bound="ServiceApplication")
C = TypeVar("C", bound=IntegrationEvent)
P = ParamSpec("P")
R = TypeVar("R")

Applying = tuple[IntegrationEvent, CommandContext, Tracking]
"""An upstream event a policy reacts to, in its message's context, at its position."""

_POLICY_FOR = "__countersign_policy_for__"


@dataclass(frozen=True)
class Timer:
    """Work an application does on its own every ``interval(settings)`` seconds."""

    name: str
    interval: Callable[[Settings], float]
    tick: Callable[[Any], None]
    """Called with the application, in a worker thread."""


@dataclass(frozen=True, eq=False)
class Feature:
    """What one slice of an application (a kernel feature or the service's own) brings to it:
    routes, read models, timers, value objects stored in events, contracts it publishes."""

    name: str
    routers: tuple[APIRouter, ...] = ()
    projections: tuple[Projection, ...] = ()
    timers: tuple[Timer, ...] = ()
    value_objects: tuple[type, ...] = ()
    figures: tuple[Figure, ...] = ()
    """Business metrics read from the read models when ``/metrics`` is scraped."""
    published: Mapping[type, type[IntegrationEvent]] = field(default_factory=dict)
    """Domain event class -> the public contract every service using the feature publishes."""


def command(
    method: Callable[Concatenate[App, CommandContext, P], R],
) -> Callable[Concatenate[App, CommandContext, P], R]:
    """Run the command in a unit of work for ``context``: what it changes commits when it
    returns, nothing when it raises."""

    @functools.wraps(method)
    def run(app: App, context: CommandContext, /, *args: P.args, **kwargs: P.kwargs) -> R:
        if active_unit() is not None:  # called by another command: part of its unit
            return method(app, context, *args, **kwargs)
        with acting(context) as unit:
            result = method(app, context, *args, **kwargs)
        app.commit(unit)
        return result

    return run


def policy(
    contract: type[C],
) -> Callable[[Callable[[App, C], None]], Callable[[App, C], None]]:
    """Make the method the application's reaction to ``contract``; the inbox subscribes to its
    topic and runs it once per message."""

    def mark(method: Callable[[App, C], None]) -> Callable[[App, C], None]:
        setattr(method, _POLICY_FOR, contract)
        return method

    return mark


_POLICIES: dict[type, dict[type[IntegrationEvent], Callable[[Any, Any], None]]] = {}


def _policies_of(cls: type) -> dict[type[IntegrationEvent], Callable[[Any, Any], None]]:
    known = _POLICIES.get(cls)
    if known is not None:
        return known
    found: dict[type[IntegrationEvent], Callable[[Any, Any], None]] = {}
    for name in dir(cls):
        react = getattr(cls, name)
        contract = getattr(react, _POLICY_FOR, None)
        if contract is None:
            continue
        if contract in found:
            raise TypeError(f"{cls.__name__} has two policies for {contract.__name__}")
        found[contract] = react
    _POLICIES[cls] = found
    return found


class ServiceApplication(Application[UUID]):
    service_name: ClassVar[str]
    settings_class: ClassVar[type[Settings]] = Settings
    """What ``run_service`` reads the environment into."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._commit_listeners: list[CommitListener] = []
        super().__init__(env=store_environment(settings, self.service_name))
        self.read_models = ReadModels(
            read_engine(settings, self.service_name),
            self.all_projections(),
            write_lock(settings, self.service_name),
        )
        self.snapshot_cache = Snapshots(self)

    # -- what the class declares

    @classmethod
    def features(cls) -> list[Feature]:
        """The features this application inherits, base classes first."""
        found = [vars(k)["feature"] for k in reversed(cls.__mro__) if "feature" in vars(k)]
        return list(dict.fromkeys(found))

    @classmethod
    def all_projections(cls) -> tuple[Projection, ...]:
        return tuple(p for f in cls.features() for p in f.projections)

    @classmethod
    def all_figures(cls) -> tuple[Figure, ...]:
        return tuple(figure for f in cls.features() for figure in f.figures)

    @classmethod
    def policies(cls) -> dict[type[IntegrationEvent], Callable[[Any, Any], None]]:
        """Each consumed contract and the policy that reacts to it."""
        return _policies_of(cls)

    def construct_transcoder(self) -> JSONTranscoder:
        transcoder = FastJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        register(transcoder, [v for f in self.features() for v in f.value_objects])

    # -- the store

    @property
    def process_recorder(self) -> ProcessRecorder:
        recorder = self.recorder
        assert isinstance(recorder, ProcessRecorder)
        return recorder

    def construct_recorder(self) -> ProcessRecorder:
        return self.factory.process_recorder()

    def construct_mapper(self) -> Mapper[UUID]:
        # Every stored event carries its predecessor's hash and its own (tamper evidence).
        return ChainedMapper(self.construct_transcoder(), self.settings.max_event_bytes)

    def construct_event_store(self) -> EventStore[UUID]:
        assert isinstance(self.mapper, ChainedMapper)
        return ChainedEventStore(self.mapper, self.recorder)

    @functools.cached_property
    def own_key(self) -> Ed25519PrivateKey | None:
        """This service's private key (``service:<name>``): it signs the store's checkpoints, its
        snapshots and its customers' answers. None where this machine holds none."""
        keys, key_id = self.settings.keys_path, service_key_id(self.service_name)
        if not private_key_path(keys, key_id).exists():
            return None
        return load_private_key(keys, key_id)

    def store_head(self) -> tuple[int, bytes] | None:
        """The store's head: the newest notification id and its log hash
        (``runtime.store.chain``), or ``None`` while the store is empty."""
        recorder: Any = self.recorder
        head: tuple[int, bytes] | None = recorder.log_head()
        return head

    async def read(self, query: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a query of the store from the event loop: inline on SQLite (a local file answers
        in microseconds, less than a hop to a thread and back costs), in a thread on PostgreSQL
        (a network round trip would stall every request)."""
        if self.settings.database_url:
            return await asyncio.to_thread(query, *args, **kwargs)
        return query(*args, **kwargs)

    def close(self) -> None:
        self.read_models.close()
        if isinstance(self.recorder, GroupCommitMixin):
            self.recorder.committer.close()
        super().close()

    # -- aggregates

    def find(self, kind: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate of that type, or None. A service keeps several kinds of aggregate in one
        store, so another kind's id is as good as absent. Inside a unit of work, the unit's own
        copy (changes included) is returned, and what is loaded is tracked."""
        unit = active_unit()
        aggregate: object = unit.tracked(aggregate_id) if unit else None
        if aggregate is None:
            aggregate = self.snapshot_cache.load(aggregate_id).aggregate
            if aggregate is None:
                return None
            if unit is not None and isinstance(aggregate, Aggregate):
                unit.track(aggregate)
        return aggregate if isinstance(aggregate, kind) else None

    def get(self, kind: type[A], aggregate_id: UUID, name: str) -> A:
        """Like ``find``, for queries and commands that name the aggregate: NotFound (404)."""
        aggregate = self.find(kind, aggregate_id)
        if aggregate is None:
            raise NotFound(name, aggregate_id)
        return aggregate

    # -- units of work

    @contextmanager
    def unit_of_work(
        self, context: CommandContext, tracking: Tracking | None = None
    ) -> Iterator[UnitOfWork]:
        """Commit what the block changed, in one transaction with the upstream position
        ``tracking`` if given. A command called by another joins the caller's unit."""
        outer = active_unit()
        if outer is not None and tracking is None:
            yield outer
            return
        with acting(context, () if tracking is None else (tracking,)) as unit:
            yield unit
        self.commit(unit)

    def process(self, event: IntegrationEvent, context: CommandContext, tracking: Tracking) -> None:
        """Run the policy for ``event`` and record its upstream position with its events (the
        inbox). A position applied before is refused (IntegrityError), and nothing is written."""
        self.process_run([(event, context, tracking)])

    def process_run(self, run: Sequence[Applying]) -> None:
        """Run the policies for a run of one upstream partition's events in one unit of work:
        their events commit together, with every message's position. Each reaction records its
        own message's context (actor, correlation, causation)."""
        self.commit(self._react(run))

    async def process_run_async(self, run: Sequence[Applying]) -> None:
        """``process_run`` on the event loop (the inbox): the store's writer commits it."""
        await self.commit_async(self._react(run))

    def _react(self, run: Sequence[Applying]) -> UnitOfWork:
        policies = self.policies()
        with acting(run[0][1], [tracking for _, _, tracking in run]) as unit:
            for event, context, _ in run:
                unit.meta = context.as_meta()
                policies[type(event)](self, event)
        return unit

    async def mark_applied(self, tracking: Tracking) -> None:
        """Record an upstream position whose one outcome was not a reaction (a dead letter)."""
        await self.commit_async(
            acting(CommandContext(actor=f"{self.service_name}:inbox"), (tracking,))
        )

    def applied_position(self, source: str) -> int | None:
        """The highest upstream position applied from ``source`` (a topic and partition)."""
        recorder: Any = self.recorder
        position: int | None = recorder.applied_position(source)
        return position

    def has_applied(self, source: str, position: int) -> bool:
        recorder: Any = self.recorder
        return bool(recorder.has_applied(source, position))

    async def perform(
        self,
        command: Callable[Concatenate[CommandContext, P], R],
        context: CommandContext,
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:
        """Run ``command`` (a bound ``@command`` method) on the event loop and await its commit:
        the route's way to call a command. The command runs in a unit of work opened here, so it
        does not commit on its own; the store's writer commits it with whatever else gathered
        meanwhile, and the loop serves other requests until then.

        In a request carrying an ``Idempotency-Key`` the command is not committed here: a request
        answered before is answered again from its receipt (``Replayed``) without running it, and
        otherwise what it changed commits with the receipt once the route has answered
        (``runtime.idempotency``)."""
        keyed = keyed_request.get()
        if keyed is not None:
            return await self._perform_keyed(keyed, command, context, *args, **kwargs)
        with acting(context) as unit:
            result = command(context, *args, **kwargs)
        await self.commit_async(unit)
        return result

    async def _perform_keyed(
        self,
        keyed: KeyedRequest,
        command: Callable[Concatenate[CommandContext, P], R],
        context: CommandContext,
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:
        if keyed.unit is None:  # the request's first command
            ident = receipt_id(self.service_name, context.actor, keyed.key)
            receipt = await self.read(self.find, CommandReceipt, ident)
            if receipt is not None:
                receipt.check_same_request(keyed.fingerprint)
                raise Replayed(receipt)
            keyed.unit, keyed.receipt_id, keyed.application = acting(context), ident, self
        with keyed.unit:
            return command(context, *args, **kwargs)

    async def commit_keyed(
        self, keyed: KeyedRequest, status: int, media_type: str, body: str
    ) -> None:
        """Commit what the keyed request's commands changed, with the receipt of its answer.
        Raises RecordConflictError when a concurrent duplicate (or any concurrent change to what
        the commands changed) committed first: nothing of this request is written then."""
        assert keyed.unit is not None and keyed.receipt_id is not None
        with keyed.unit:
            CommandReceipt.record(keyed.receipt_id, keyed.fingerprint, status, media_type, body)
        await self.commit_async(keyed.unit)

    def commit(self, unit: UnitOfWork) -> None:
        """Store the new events of every aggregate ``unit`` tracked, in one transaction (with the
        upstream positions it applied, if any), then tell the commit listeners."""
        events = self._new_events(unit)
        if events or unit.applied:
            self._committed(self.events.put(events, applied=unit.applied))

    async def commit_async(self, unit: UnitOfWork) -> None:
        """``commit`` on the event loop: the store's writer commits while the loop runs on."""
        events = self._new_events(unit)
        if events or unit.applied:
            assert isinstance(self.events, ChainedEventStore)
            self._committed(await self.events.put_async(events, unit.applied))

    @staticmethod
    def _new_events(unit: UnitOfWork) -> list[Any]:
        return [event for aggregate in unit.aggregates() for event in aggregate.collect_events()]

    def _committed(self, recordings: list[Recording[Any]]) -> None:
        self._notify(recordings)
        self.snapshot_cache.after_commit(recordings)

    def on_commit(self, listener: CommitListener) -> None:
        self._commit_listeners.append(listener)

    def _notify(self, recordings: list[Recording[Any]]) -> None:
        super()._notify(recordings)
        if not recordings:
            return
        metrics.EVENTS_APPENDED.inc(len(recordings))
        for listener in self._commit_listeners:
            listener(recordings)

    # -- read models

    @functools.cached_property
    def figure_registry(self) -> CollectorRegistry:
        """The figures of the application's features, for ``/metrics``."""
        return figure_registry(self, self.all_figures())

    def catch_up_projections(self) -> int:
        """Apply every committed event to the read tables now (the runtime does it on commit)."""
        return self.read_models.catch_up(self.process_recorder, self.mapper)

    @classmethod
    def consumed(cls) -> tuple[type[IntegrationEvent], ...]:
        return tuple(cls.policies())
