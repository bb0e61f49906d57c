"""Read models: projections of a service's events into its own read tables.

A projection is a set of plain functions, one per event class, that write rows with SQLAlchemy
Core (``@projection.on(Order.Placed)``). Its tables live in the service's own database, and its
position in the notification log is recorded in the same transaction as the rows it wrote, so a
crash never applies an event twice or skips one. The rows are a pure function of the events
(times come from the events, never from the clock), so a projection can be rebuilt from the store
at any time and the rebuilt tables equal the live ones.

Positions are read under a lock inside each writing transaction: any number of runners (a
service's own, a rebuild from the CLI, a second replica) can work on the same projection and each
event is still applied exactly once. A projection whose table definitions changed since its rows
were written is rebuilt from the start.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from eventsourcing.persistence import Mapper, Notification, ProcessRecorder
from eventsourcing.utils import TopicError, resolve_topic
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    MetaData,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.schema import CreateTable

from runtime.store import WRITE
from runtime.views import Page, PageRequest, ReadTable, V

log = logging.getLogger(__name__)

E = TypeVar("E")
Handler = Callable[[Any, Connection], None]

NO_OP_SAVE_EVERY = 2000
"""Notifications a projection may pass without a write before its position is saved anyway."""

_POSITIONS = Table(
    "projection_positions",
    MetaData(),
    Column("name", String(100), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("fingerprint", String(64), nullable=False),
)


class Projection:
    """A named read model: its tables and one handler per event class it reads."""

    def __init__(self, name: str, *tables: Table) -> None:
        self.name = name
        self.tables = tables
        self._handlers: dict[type, Handler] = {}

    def on(self, *event_classes: type[E]) -> Callable[[Callable[[E, Connection], None]], Handler]:
        """Register the decorated function as this projection's handler of ``event_classes``
        (and of their subclasses)."""

        def register(handler: Callable[[E, Connection], None]) -> Handler:
            for event_class in event_classes:
                if event_class in self._handlers:
                    raise ValueError(f"{self.name} handles {event_class.__qualname__} twice")
                self._handlers[event_class] = handler
            return handler

        return register

    def handler_for(self, event_class: type) -> Handler | None:
        return next((self._handlers[k] for k in event_class.__mro__ if k in self._handlers), None)

    @property
    def fingerprint(self) -> str:
        """Changes whenever a table definition changes: the rows must then be rebuilt."""
        ddl = "\n".join(str(CreateTable(table)) for table in self.tables)
        return hashlib.sha256(ddl.encode()).hexdigest()


@dataclass(frozen=True)
class Progress:
    """How far a catch-up got: the last notification read, and the newest one there was."""

    position: int
    head: int


class ReadModels:
    """One service's projections, their tables and positions, on the service's own database."""

    def __init__(
        self,
        engine: Engine,
        projections: Sequence[Projection],
        write_lock: threading.RLock | None = None,
    ) -> None:
        names = [p.name for p in projections]
        if len(set(names)) != len(names):
            raise ValueError(f"projection names must be unique: {names}")
        tables = [t.name for p in projections for t in p.tables]
        if len(set(tables)) != len(tables):
            raise ValueError(f"two projections share a table: {tables}")
        self.engine = engine
        self.projections = {p.name: p for p in projections}
        # Taken around every writing transaction, with the event store's own writes (SQLite).
        self._write_lock = write_lock or contextlib.nullcontext()
        self._by_topic: dict[str, list[tuple[Projection, Handler]]] = {}
        self._skipped: dict[str, int] = {}
        """Notifications no projection reads, passed without a write: projection -> last."""
        self._prepare()

    def close(self) -> None:
        self.engine.dispose()

    def read(self) -> Connection:
        """A connection for queries: ``with read_models.read() as db: ...``."""
        return self.engine.connect()

    def page(self, table: ReadTable[V], request: PageRequest, *where: Any) -> Page[V]:
        """One page of ``table`` (see ``ReadTable.page``)."""
        with self.read() as db:
            return table.page(db, request, *where)

    # -- positions and tables

    @contextlib.contextmanager
    def writing(self) -> Iterator[Connection]:
        """A writing transaction."""
        with (
            self._write_lock,
            self.engine.connect().execution_options(**{WRITE: True}) as db,
            db.begin(),
        ):
            yield db

    def _prepare(self) -> None:
        """Create missing tables; rebuild from the start any projection whose tables changed."""
        with self.writing() as db:
            _POSITIONS.create(db, checkfirst=True)
            known = {row.name: row.fingerprint for row in db.execute(select(_POSITIONS))}
            for projection in self.projections.values():
                fingerprint = projection.fingerprint
                if projection.name in known and known[projection.name] != fingerprint:
                    log.warning("projection %s changed: rebuilding it", projection.name)
                    for table in projection.tables:
                        table.drop(db, checkfirst=True)
                    db.execute(delete(_POSITIONS).where(_POSITIONS.c.name == projection.name))
                    known.pop(projection.name)
                for table in projection.tables:
                    table.create(db, checkfirst=True)
                if projection.name not in known:
                    db.execute(
                        insert(_POSITIONS).values(
                            name=projection.name, position=0, fingerprint=fingerprint
                        )
                    )

    def positions(self) -> dict[str, int]:
        """Where each of these projections is in the notification log."""
        query = select(_POSITIONS).where(_POSITIONS.c.name.in_(self.projections))
        with self.read() as db:
            return {row.name: row.position for row in db.execute(query)}

    def reset(self, names: Iterable[str]) -> None:
        """Empty the projections' tables and start them again from the first event."""
        chosen = [self.projections[name] for name in names]
        with self.writing() as db:
            for projection in chosen:
                self._locked_positions(db, [projection.name])
                for table in projection.tables:
                    db.execute(delete(table))
                db.execute(
                    update(_POSITIONS)
                    .where(_POSITIONS.c.name == projection.name)
                    .values(position=0)
                )

    def rows(self, name: str) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of a projection's tables, sorted: for comparing a rebuild with the live one."""
        with self.read() as db:
            return {
                table.name: sorted(tuple(row) for row in db.execute(select(table)))
                for table in self.projections[name].tables
            }

    @staticmethod
    def _locked_positions(db: Connection, names: Sequence[str]) -> dict[str, int]:
        query = select(_POSITIONS.c.name, _POSITIONS.c.position).where(_POSITIONS.c.name.in_(names))
        return {row.name: row.position for row in db.execute(query.with_for_update())}

    # -- applying events

    def catch_up(
        self,
        recorder: ProcessRecorder,
        mapper: Mapper[Any],
        batch_size: int = 500,
        progress: Callable[[Progress], None] | None = None,
    ) -> int:
        """Apply every committed event the projections have not seen yet; returns how many
        notifications were read. Each batch commits with the positions it reached.

        Positions change by compare-and-set: a batch is applied to a projection only if its
        position is still the one read before the batch, so runners sharing a projection (the
        service, a rebuild, a replica) never apply an event twice. A run of events no projection
        reads is skipped without a write; how far it got is kept here and saved with the next
        write, or after ``NO_OP_SAVE_EVERY`` such notifications."""
        names = list(self.projections)
        if not names:
            return 0
        read = 0
        while True:
            saved = self.positions()
            reached = {name: max(saved[name], self._skipped.get(name, 0)) for name in names}
            batch = recorder.select_notifications(min(reached.values()) + 1, batch_size)
            if not batch:
                return read
            self._apply(batch, mapper, saved, reached)
            read += len(batch)
            if progress is not None:
                progress(Progress(batch[-1].id, recorder.max_notification_id() or 0))
            if len(batch) < batch_size:
                return read

    def _apply(
        self,
        batch: Sequence[Notification],
        mapper: Mapper[Any],
        saved: dict[str, int],
        reached: dict[str, int],
    ) -> None:
        last = batch[-1].id
        work = [
            (notification, projection.name, handler)
            for notification in batch
            for projection, handler in self._interested(notification.topic)
            if notification.id > reached[projection.name]
        ]
        behind = {name: position for name, position in saved.items() if reached[name] < last}
        if not work and last - min(saved.values()) < NO_OP_SAVE_EVERY:
            for name in behind:
                self._skipped[name] = last
            return
        events = {n.id: mapper.to_domain_event(n) for n, _, _ in work}
        with self.writing() as db:
            current = self._locked_positions(db, list(behind))
            moved = {name for name in behind if current[name] != saved[name]}
            for name in moved:  # reset or advanced by another runner: read it again
                self._skipped.pop(name, None)
            for notification, projection, handler in work:
                if projection not in moved:
                    handler(events[notification.id], db)
            advanced = [name for name in behind if name not in moved]
            if advanced:
                db.execute(
                    update(_POSITIONS).where(_POSITIONS.c.name.in_(advanced)).values(position=last)
                )
        for name in advanced:
            self._skipped.pop(name, None)

    def reads(self, topic: str) -> bool:
        """Whether a projection reads events of this stored topic."""
        return bool(self._interested(topic))

    def _interested(self, topic: str) -> list[tuple[Projection, Handler]]:
        found = self._by_topic.get(topic)
        if found is None:
            try:
                event_class = resolve_topic(topic)
            except TopicError:
                log.error("no class for stored topic %s: no projection can read it", topic)
                event_class = object
            found = self._by_topic[topic] = [
                (projection, handler)
                for projection in self.projections.values()
                if (handler := projection.handler_for(event_class)) is not None
            ]
        return found
