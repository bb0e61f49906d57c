"""The base eventsourcing Application every service's application layer extends."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import DomainEventProtocol, MutableOrImmutableAggregate
from eventsourcing.persistence import (
    EventStore,
    JSONTranscoder,
    Mapper,
    ProcessRecorder,
    Recording,
    Tracking,
)

from chassis import metrics
from chassis.approvals.matrix import AuthorityMatrix
from chassis.approvals.service import Approvals
from chassis.audit.chain import ChainedEventStore, ChainedMapper
from chassis.calendar import Calendar
from chassis.domain import CommandContext, NotFound, acting
from chassis.persistence import store_environment
from chassis.settings import Settings
from chassis.signing import KeyRing
from chassis.transcodings import DateAsISO

CommitListener = Callable[[int], None]
A = TypeVar("A")


class ServiceApplication(Application[UUID]):
    """Commands run inside a :class:`CommandContext`; policies record a tracking position."""

    service_name: ClassVar[str]

    def __init__(self, settings: Settings) -> None:
        self._commit_listeners: list[CommitListener] = []
        super().__init__(env=store_environment(settings, self.service_name))
        self.approvals = Approvals(
            self,
            KeyRing.load(settings.keys_path),
            AuthorityMatrix.load(settings.authority_matrix_file),
        )

    @cached_property
    def calendar(self) -> Calendar:
        """The company working calendar (XC-10) every SLA clock of this service counts on."""
        return Calendar.load()

    @property
    def process_recorder(self) -> ProcessRecorder:
        recorder = self.recorder
        assert isinstance(recorder, ProcessRecorder)
        return recorder

    def construct_recorder(self) -> ProcessRecorder:
        return self.factory.process_recorder()

    def construct_mapper(self) -> Mapper[UUID]:
        # Every stored event carries its predecessor's hash and its own (tamper evidence).
        return ChainedMapper(self.construct_transcoder())

    def construct_event_store(self) -> EventStore[UUID]:
        assert isinstance(self.mapper, ChainedMapper)
        return ChainedEventStore(self.mapper, self.recorder)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def find(self, kind: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate of that type, or None. A service keeps several kinds of aggregate in one
        store, so another kind's id is as good as absent."""
        try:
            aggregate: object = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, kind) else None

    def get(self, kind: type[A], aggregate_id: UUID, name: str) -> A:
        """Like ``find``, for queries and commands that name the aggregate: NotFound (404)."""
        aggregate = self.find(kind, aggregate_id)
        if aggregate is None:
            raise NotFound(name, aggregate_id)
        return aggregate

    @contextmanager
    def acting(self, context: CommandContext) -> Iterator[None]:
        with acting(context):
            yield

    def save(
        self,
        *objs: MutableOrImmutableAggregate[UUID] | DomainEventProtocol[UUID] | None,
        **kwargs: Any,
    ) -> list[Recording[UUID]]:
        """Store the aggregates' new events in one transaction, then notify the commit listeners.

        Leaner than the library's ``save`` (no runtime protocol checks, no snapshotting, which no
        service uses): the command path is the write-path hot path.
        """
        if kwargs:
            raise TypeError("commands save aggregates only; policies use record_processed()")
        events: list[DomainEventProtocol[UUID]] = []
        for obj in objs:
            collect = getattr(obj, "collect_events", None)
            if collect is not None:
                events.extend(collect())
            elif obj is not None:
                events.append(obj)  # type: ignore[arg-type]
        recordings = self.events.put(events)
        self._notify(recordings)
        return recordings

    def record_processed(
        self, tracking: Tracking, *aggregates: MutableOrImmutableAggregate[UUID] | None
    ) -> None:
        """Store a policy's new events and the upstream position in one transaction."""
        processing = ProcessingEvent[UUID](tracking=tracking)
        processing.collect_events(*aggregates)
        self._notify(self._record(processing))

    def on_commit(self, listener: CommitListener) -> None:
        """``listener(last_notification_id)`` runs after each local commit (writer thread)."""
        self._commit_listeners.append(listener)

    def _notify(self, recordings: list[Recording[Any]]) -> None:
        super()._notify(recordings)
        if not recordings:
            return
        metrics.EVENTS_APPENDED.inc(len(recordings))
        last = recordings[-1].notification.id
        for listener in self._commit_listeners:
            listener(last)
