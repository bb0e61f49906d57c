"""Verify a store's hash chains, and through a hook its signatures, straight from the database.

The verifier reads a SQLite file or a PostgreSQL schema directly, never through the application,
so it verifies a copy as well as a live store. It walks every stream in order (stream id, then
version), recomputes each event's hash, checks that versions run 1, 2, 3... and that each event
links to its predecessor, and stops at the first event that fails, naming it. A deleted event
shows as a missing version, swapped events as broken links or altered hashes.

Signatures: a ``SignatureCheck`` is called with every event whose chain verified and returns why
its signature does not verify, or ``None``. It picks the events it cares about by topic and
decodes only those (``AuditedEvent.state()``), so unsigned events cost it nothing.

The same readers serve ``audit trail`` (kernel.audit.trail): one stream by id, and the events
whose stored state mentions some bytes (a correlation id).
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

import orjson
import psycopg
from psycopg import sql

from runtime.settings import Settings
from runtime.store import postgres_schema, sqlite_path
from runtime.store.chain import GENESIS, HEADER_LEN, ChainError, event_hash, header, unseal

# How often the verifier reports progress, in events.
PROGRESS_EVERY = 1000


@dataclass(frozen=True, slots=True)
class AuditedEvent:
    """A stored event whose chain verified, as a signature check sees it."""

    service: str
    notification_id: int
    originator_id: UUID
    originator_version: int
    topic: str
    body: bytes
    """The event's JSON state, exactly as hashed (the chain member removed)."""

    def state(self) -> Any:
        """The decoded JSON state. Values the transcoder encoded (UUID, Decimal, datetime...)
        stay in their ``{"_type_": ..., "_data_": ...}`` form."""
        return orjson.loads(self.body)


SignatureCheck = Callable[[AuditedEvent], str | None]
"""Why the event's signature does not verify, or ``None`` when it does or the event is unsigned."""


@dataclass(frozen=True)
class Failure:
    """The first event of a store that does not verify."""

    service: str
    stream: str
    """The stream (aggregate) id: a UUID in its canonical text form when it is one."""
    version: int
    notification_id: int | None
    """``None`` when the event is missing."""
    reason: str

    def __str__(self) -> str:
        where = (
            "missing" if self.notification_id is None else f"notification {self.notification_id}"
        )
        return (
            f"{self.service}: stream {self.stream} version {self.version} ({where}): {self.reason}"
        )


@dataclass(frozen=True)
class StoreReport:
    service: str
    streams: int
    events: int
    """Events verified (before the failure, if any)."""
    failure: Failure | None


class StoreError(Exception):
    """A store that cannot be read as one service's event store."""


Row = tuple[str, int, str, bytes, int]
"""Stream id as stored, version, topic, state, notification id."""


class StoredEvents(Protocol):
    """One service's stored events, read straight from its database."""

    service: str

    def count(self) -> int: ...

    def in_stream_order(self) -> Iterator[Row]: ...

    def stream(self, stream_id: UUID) -> list[Row]:
        """One stream's events in version order."""
        ...

    def mentioning(self, needles: Collection[bytes]) -> list[Row]:
        """Events whose stored state contains one of ``needles``, in notification order."""
        ...

    def close(self) -> None: ...


class _SQLiteEvents:
    def __init__(self, service: str, db: sqlite3.Connection) -> None:
        self.service = service
        self._db = db

    def count(self) -> int:
        count: int = self._db.execute("SELECT count(*) FROM stored_events").fetchone()[0]
        return count

    def in_stream_order(self) -> Iterator[Row]:
        return self._db.execute(
            "SELECT originator_id, originator_version, topic, state, rowid FROM stored_events "
            "ORDER BY originator_id, originator_version"
        )

    def stream(self, stream_id: UUID) -> list[Row]:
        # eventsourcing's SQLite recorder stores a UUID as its 32 hex digits.
        return self._db.execute(
            "SELECT originator_id, originator_version, topic, state, rowid FROM stored_events "
            "WHERE originator_id = ? ORDER BY originator_version",
            (stream_id.hex,),
        ).fetchall()

    def mentioning(self, needles: Collection[bytes]) -> list[Row]:
        if not needles:
            return []
        # instr() on two BLOBs compares bytes.
        where = " OR ".join(["instr(state, ?) > 0"] * len(needles))
        return self._db.execute(
            "SELECT originator_id, originator_version, topic, state, rowid FROM stored_events "
            f"WHERE {where} ORDER BY rowid",
            tuple(needles),
        ).fetchall()

    def close(self) -> None:
        self._db.close()


class _PostgresEvents:
    def __init__(
        self, service: str, connection: psycopg.Connection[Any], table: sql.Identifier
    ) -> None:
        self.service = service
        self._connection = connection
        self._table = table
        self._cursors = itertools.count()

    def count(self) -> int:
        row = self._connection.execute(
            sql.SQL("SELECT count(*) FROM {}").format(self._table)
        ).fetchone()
        assert row is not None
        count: int = row[0]
        return count

    def in_stream_order(self) -> Iterator[Row]:
        # A server-side cursor, so the store need not fit in memory; binary, so bytea states
        # arrive without hex decoding. It closes with the connection.
        cursor = self._connection.cursor(f"audit_verify_{next(self._cursors)}", binary=True)
        cursor.itersize = 10_000
        cursor.execute(
            sql.SQL(
                "SELECT originator_id::text, originator_version, topic, state, notification_id"
                " FROM {} ORDER BY originator_id, originator_version"
            ).format(self._table)
        )
        return cursor

    def _select(self, where: sql.Composable, order: str, params: tuple[Any, ...]) -> list[Row]:
        query = sql.SQL(
            "SELECT originator_id::text, originator_version, topic, state, notification_id"
            " FROM {} WHERE {} ORDER BY {}"
        ).format(self._table, where, sql.Identifier(order))
        with self._connection.cursor(binary=True) as cursor:
            return cursor.execute(query, params).fetchall()

    def stream(self, stream_id: UUID) -> list[Row]:
        return self._select(sql.SQL("originator_id = %s"), "originator_version", (stream_id,))

    def mentioning(self, needles: Collection[bytes]) -> list[Row]:
        if not needles:
            return []
        where = sql.SQL(" OR ").join([sql.SQL("position(%s::bytea in state) > 0")] * len(needles))
        return self._select(where, "notification_id", tuple(needles))

    def close(self) -> None:
        self._connection.close()


def open_store(settings: Settings, service: str) -> StoredEvents | None:
    """``service``'s stored events, or ``None`` if it has no store yet."""
    if settings.database_url:
        return _open_postgres(settings.database_url, service)
    return _open_sqlite(sqlite_path(settings, service), service)


def _open_sqlite(path: Path, service: str) -> StoredEvents | None:
    if not path.exists():
        return None
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'stored_events'").fetchone() is None:
        db.close()
        return None
    return _SQLiteEvents(service, db)


def _open_postgres(url: str, service: str) -> StoredEvents | None:
    connection = psycopg.connect(url)
    schema = postgres_schema(service)
    try:
        table = postgres_events_table(connection, schema)
    except BaseException:
        connection.close()
        raise
    if table is None:
        connection.close()
        return None
    return _PostgresEvents(service, connection, sql.Identifier(schema, table))


def postgres_events_table(connection: psycopg.Connection[Any], schema: str) -> str | None:
    """The events table in a service's schema (eventsourcing names it after the application)."""
    tables = [
        row[0]
        for row in connection.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = %s AND table_name LIKE %s",
            (schema, r"%\_events"),
        )
    ]
    if len(tables) > 1:
        raise StoreError(f"schema {schema} has several event tables: {', '.join(tables)}")
    return tables[0] if tables else None


def verify(
    store: StoredEvents,
    signature_check: SignatureCheck | None = None,
    advance: Callable[[int], None] | None = None,
) -> StoreReport:
    """Verify every stream of ``store``; stop at the first event that fails.

    ``advance(n)`` is told every ``PROGRESS_EVERY`` events how many more were verified.
    """
    service = store.service
    streams = events = 0
    stored_id: str | None = None
    stream = ""
    stream_bytes = b""
    expected = 1
    prev = GENESIS
    topics: dict[str, bytes] = {}

    def report(failure: Failure | None = None) -> StoreReport:
        if advance is not None:
            advance(events % PROGRESS_EVERY)
        return StoreReport(service, streams, events, failure)

    for stream_id, version, topic, state, notification_id in store.in_stream_order():
        if stream_id != stored_id:
            stored_id, expected, prev = stream_id, 1, GENESIS
            streams += 1
            try:
                uuid = UUID(stream_id)
            except ValueError:
                return report(
                    Failure(service, stream_id, version, notification_id, "the id is not a UUID")
                )
            stream, stream_bytes = str(uuid), uuid.bytes
        if version != expected:
            return report(_out_of_sequence(service, stream, expected, version, notification_id))
        topic_bytes = topics.get(topic)
        if topic_bytes is None:
            topic_bytes = topics[topic] = topic.encode()
        body = b"{" + state[HEADER_LEN:]
        own = event_hash(stream_bytes, version, topic_bytes, prev, body)
        if not state.startswith(header(prev, own)):
            reason = _why_not(state, version, prev, own)
            return report(Failure(service, stream, version, notification_id, reason))
        if signature_check is not None:
            event = AuditedEvent(service, notification_id, uuid, version, topic, body)
            problem = signature_check(event)
            if problem is not None:
                reason = f"signature: {problem}"
                return report(Failure(service, stream, version, notification_id, reason))
        events += 1
        expected += 1
        prev = own
        if advance is not None and events % PROGRESS_EVERY == 0:
            advance(PROGRESS_EVERY)
    return report()


def _out_of_sequence(
    service: str, stream: str, expected: int, version: int, notification_id: int
) -> Failure:
    if version < expected:
        reason = f"out of sequence: version {version} again after version {expected - 1}"
        return Failure(service, stream, version, notification_id, reason)
    after = "the stream starts at" if expected == 1 else f"version {expected - 1} is followed by"
    reason = f"missing: {after} version {version} (notification {notification_id})"
    return Failure(service, stream, expected, None, reason)


def _why_not(state: bytes, version: int, prev: bytes, own: bytes) -> str:
    try:
        stored_prev, stored_own, _ = unseal(state)
    except ChainError:
        return "no chain header: not written by the chained store, or its header was altered"
    if stored_prev != prev.hex().encode():
        expected = _short(prev.hex().encode())
        link = (
            f"a first event links to the genesis hash {expected}"
            if version == 1
            else f"version {version - 1} hashes to {expected}"
        )
        return f"broken link: it records previous hash {_short(stored_prev)}, but {link}"
    return (
        f"altered: it records hash {_short(stored_own)}, "
        f"but its content hashes to {_short(own.hex().encode())}"
    )


def _short(hex_hash: bytes) -> str:
    return hex_hash[:16].decode(errors="replace") + "…"
