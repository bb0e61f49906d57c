"""Verify a store's chains, and through a hook its signatures, straight from the database.

The verifier reads a SQLite file or a PostgreSQL schema directly, never through the application,
so it verifies a copy as well as a live store. It reads the events in notification order beside
the store's log (``runtime.store.chain``) and, for every event, checks that

- its own hash is what its content hashes to (an edit shows),
- it links to its stream's previous version, and versions run 1, 2, 3... (a deleted or moved
  event of a stream shows),
- the log records this very event at this position and the log chains to it (an event deleted
  whose log row remains is named from that row; rows deleted from both break the log at the next
  row; reordered rows do not match their log rows),
- its signature, if it carries one, verifies (a ``SignatureCheck``).

A rewrite re-sealed in both chains is consistent in itself: the signed heads that other services
witnessed catch it (``kernel.audit.witnesses``).

The store is cut into ranges of notification ids verified independently, in parallel processes
where asked: a range starts from the log hash stored just before it, which the previous range
verifies; each stream's first and last event in a range are stitched to its neighbours after.
Every failure found is reported (up to ``MAX_FAILURES`` per range), first position first.

The same readers serve ``audit trail`` (kernel.audit.trail): one stream by id, and the events
whose stored state mentions some bytes (a correlation id).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import multiprocessing
import queue
import sqlite3
from binascii import hexlify, unhexlify
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

import orjson
import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from contracts.topics import SERVICES
from runtime.settings import Settings
from runtime.store import postgres_schema, sqlite_path
from runtime.store.chain import (
    GENESIS,
    HEADER_LEN,
    LOG_TABLE_SUFFIX,
    OWN_HASH,
    PREV_HASH,
    has_header,
    log_hash,
    stored_event_hash,
)

if TYPE_CHECKING:
    from multiprocessing.sharedctypes import Synchronized

    import pyarrow as pa

RANGE_EVENTS = 1000
"""Notification ids per verified range."""
HELPER_CHECK_SECONDS = 1.0
"""How often a verifying process waiting on its helpers checks that they still run."""
MAX_FAILURES = 20
"""Failures kept per range: the first ones say where to look."""


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


class SignatureCheck(Protocol):
    def wants(self, topic: str) -> bool:
        """Whether events of ``topic`` carry a signature it checks."""
        ...

    def __call__(self, event: AuditedEvent) -> str | None:
        """Why the event's signature does not verify, or ``None`` when it does."""
        ...


@dataclass(frozen=True)
class Failure:
    """Something in a store that does not verify, and where it shows."""

    position: int
    """The notification id where it shows."""
    service: str
    stream: str | None
    """The stream (aggregate) id, when known: a UUID in its canonical text form."""
    version: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.service}: position {self.position}"
        if self.stream is not None:
            where += f", stream {self.stream}"
            if self.version is not None:
                where += f" version {self.version}"
        return f"{where}: {self.reason}"


@dataclass
class StoreReport:
    service: str
    streams: int
    events: int
    """Events read."""
    failures: list[Failure]
    """Every failure found, first position first."""
    signatures: int = 0
    """Employee signatures checked."""
    last_position: int = 0
    """The store's newest notification id (0: empty)."""

    @property
    def failure(self) -> Failure | None:
        return self.failures[0] if self.failures else None


class StoreError(Exception):
    """A store that cannot be read as one service's event store."""


Row = tuple[str, int, str, bytes, int]
"""Stream id as stored, version, topic, state, notification id."""
EventRow = tuple[int, str, int, str, bytes]
"""Notification id, stream id as stored, version, topic, state."""
EVENT_COLUMNS = ("position", "stream", "version", "topic", "stored_state")
"""An ``EventRow``'s columns, as ``StoredEvents.events_table`` names them."""
LogRow = tuple[int, str, int, bytes]
"""Notification id, stream id as stored, version, log hash."""


class StoredEvents(Protocol):
    """One service's stored events and log, read straight from its database."""

    service: str

    def count(self) -> int: ...

    def bounds(self) -> tuple[int, int] | None:
        """The lowest and highest notification id in the events or the log."""
        ...

    def events_between(self, lo: int, hi: int) -> list[EventRow]: ...

    def events_table(self, lo: int, hi: int) -> pa.Table:
        """The rows of ``events_between`` as Arrow columns (``EVENT_COLUMNS``), read by the
        database's ADBC driver (the analytics extra) in C: the analytics replay reads millions of
        events, and a Python object for each value would cost it more than all the rest."""
        ...

    def log_between(self, lo: int, hi: int) -> list[LogRow]: ...

    def log_before(self, position: int) -> bytes | None:
        """The log hash of the newest log row before ``position``."""
        ...

    def log_at(self, positions: Collection[int]) -> dict[int, bytes]:
        """The stored log hash at each of ``positions`` that has a log row."""
        ...

    def stream(self, stream_id: UUID) -> list[Row]:
        """One stream's events in version order."""
        ...

    def mentioning(self, needles: Collection[bytes]) -> list[Row]:
        """Events whose stored state contains one of ``needles``, in notification order."""
        ...

    def count_after(self, position: int) -> int:
        """Events after notification id ``position``."""
        ...

    def witnessed(self) -> list[dict[str, Any]]:
        """The checkpoints of other stores this service witnessed (``runtime.witness``), each
        row's columns by name."""
        ...

    def close(self) -> None: ...


class _SQLiteEvents:
    _COLUMNS = "originator_id, originator_version, topic, state, rowid"

    def __init__(self, service: str, db: sqlite3.Connection, path: Path) -> None:
        self.service = service
        self._db = db
        self._path = path
        self._arrow: Any = None

    def _one(self, query: str, *params: Any) -> Any:
        return self._db.execute(query, params).fetchone()

    def count(self) -> int:
        count: int = self._one("SELECT count(*) FROM stored_events")[0]
        return count

    def count_after(self, position: int) -> int:
        count: int = self._one("SELECT count(*) FROM stored_events WHERE rowid > ?", position)[0]
        return count

    def bounds(self) -> tuple[int, int] | None:
        lo, hi = self._one(
            "SELECT min(n), max(n) FROM (SELECT min(rowid) AS n FROM stored_events UNION ALL "
            "SELECT max(rowid) FROM stored_events UNION ALL "
            "SELECT min(notification_id) FROM stored_events_log UNION ALL "
            "SELECT max(notification_id) FROM stored_events_log)"
        )
        return None if lo is None else (lo, hi)

    def events_between(self, lo: int, hi: int) -> list[EventRow]:
        return self._db.execute(
            "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
            "WHERE rowid BETWEEN ? AND ? ORDER BY rowid",
            (lo, hi),
        ).fetchall()

    def events_table(self, lo: int, hi: int) -> pa.Table:
        from adbc_driver_sqlite import dbapi

        if self._arrow is None:
            self._arrow = dbapi.connect(f"{self._path.as_uri()}?mode=ro")
        with self._arrow.cursor() as cursor:
            cursor.execute(
                "SELECT rowid AS position, originator_id AS stream, originator_version AS version,"
                " topic, state AS stored_state FROM stored_events"
                " WHERE rowid BETWEEN ? AND ? ORDER BY rowid",
                (lo, hi),
            )
            return cursor.fetch_arrow_table()

    def log_between(self, lo: int, hi: int) -> list[LogRow]:
        return self._db.execute(
            "SELECT notification_id, originator_id, originator_version, hash "
            "FROM stored_events_log WHERE notification_id BETWEEN ? AND ? ORDER BY notification_id",
            (lo, hi),
        ).fetchall()

    def log_before(self, position: int) -> bytes | None:
        row = self._one(
            "SELECT hash FROM stored_events_log WHERE notification_id < ? "
            "ORDER BY notification_id DESC LIMIT 1",
            position,
        )
        return None if row is None else bytes(row[0])

    def log_at(self, positions: Collection[int]) -> dict[int, bytes]:
        found: dict[int, bytes] = {}
        ordered = sorted(positions)
        for start in range(0, len(ordered), 500):
            chunk = ordered[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                self._db.execute(
                    "SELECT notification_id, hash FROM stored_events_log "
                    f"WHERE notification_id IN ({marks})",
                    chunk,
                ).fetchall()
            )
        return found

    def stream(self, stream_id: UUID) -> list[Row]:
        # eventsourcing's SQLite recorder stores a UUID as its 32 hex digits.
        return self._db.execute(
            f"SELECT {self._COLUMNS} FROM stored_events "
            "WHERE originator_id = ? ORDER BY originator_version",
            (stream_id.hex,),
        ).fetchall()

    def mentioning(self, needles: Collection[bytes]) -> list[Row]:
        if not needles:
            return []
        # instr() on two BLOBs compares bytes.
        where = " OR ".join(["instr(state, ?) > 0"] * len(needles))
        return self._db.execute(
            f"SELECT {self._COLUMNS} FROM stored_events WHERE {where} ORDER BY rowid",
            tuple(needles),
        ).fetchall()

    def witnessed(self) -> list[dict[str, Any]]:
        if self._one("SELECT 1 FROM sqlite_master WHERE name = 'witnessed_checkpoints'") is None:
            return []
        cursor = self._db.execute("SELECT * FROM witnessed_checkpoints")
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def close(self) -> None:
        if self._arrow is not None:
            self._arrow.close()
        self._db.close()


class _PostgresEvents:
    def __init__(
        self, service: str, url: str, connection: psycopg.Connection[Any], schema: str, table: str
    ) -> None:
        self.service = service
        self._url = url
        self._arrow: Any = None
        self._connection = connection
        self._schema = schema
        self._table = sql.Identifier(schema, table)
        self._log = sql.Identifier(schema, table + LOG_TABLE_SUFFIX)

    def _all(self, query: sql.SQL | sql.Composed, params: Iterable[Any] = ()) -> list[Any]:
        # Binary, so bytea states arrive without hex decoding.
        with self._connection.cursor(binary=True) as cursor:
            rows: list[Any] = cursor.execute(query, tuple(params)).fetchall()
            return rows

    def count(self) -> int:
        count: int = self._all(sql.SQL("SELECT count(*) FROM {}").format(self._table))[0][0]
        return count

    def count_after(self, position: int) -> int:
        query = sql.SQL("SELECT count(*) FROM {} WHERE notification_id > %s")
        count: int = self._all(query.format(self._table), (position,))[0][0]
        return count

    def bounds(self) -> tuple[int, int] | None:
        lo, hi = self._all(
            sql.SQL(
                "SELECT least((SELECT min(notification_id) FROM {0}),"
                " (SELECT min(notification_id) FROM {1})),"
                " greatest((SELECT max(notification_id) FROM {0}),"
                " (SELECT max(notification_id) FROM {1}))"
            ).format(self._table, self._log)
        )[0]
        return None if lo is None else (lo, hi)

    def events_between(self, lo: int, hi: int) -> list[EventRow]:
        return self._all(
            sql.SQL(
                "SELECT notification_id, originator_id::text, originator_version, topic, state"
                " FROM {} WHERE notification_id BETWEEN %s AND %s ORDER BY notification_id"
            ).format(self._table),
            (lo, hi),
        )

    def events_table(self, lo: int, hi: int) -> pa.Table:
        from adbc_driver_postgresql import dbapi

        if self._arrow is None:
            self._arrow = dbapi.connect(self._url)
        query = sql.SQL(
            "SELECT notification_id AS position, originator_id::text AS stream,"
            " originator_version AS version, topic, state AS stored_state FROM {}"
            " WHERE notification_id BETWEEN $1 AND $2 ORDER BY notification_id"
        ).format(self._table)
        with self._arrow.cursor() as cursor:
            cursor.execute(query.as_string(self._connection), (lo, hi))
            return cursor.fetch_arrow_table()

    def log_between(self, lo: int, hi: int) -> list[LogRow]:
        return self._all(
            sql.SQL(
                "SELECT notification_id, originator_id::text, originator_version, hash"
                " FROM {} WHERE notification_id BETWEEN %s AND %s ORDER BY notification_id"
            ).format(self._log),
            (lo, hi),
        )

    def log_before(self, position: int) -> bytes | None:
        rows = self._all(
            sql.SQL(
                "SELECT hash FROM {} WHERE notification_id < %s"
                " ORDER BY notification_id DESC LIMIT 1"
            ).format(self._log),
            (position,),
        )
        return bytes(rows[0][0]) if rows else None

    def log_at(self, positions: Collection[int]) -> dict[int, bytes]:
        rows = self._all(
            sql.SQL("SELECT notification_id, hash FROM {} WHERE notification_id = ANY(%s)").format(
                self._log
            ),
            (list(positions),),
        )
        return {n: bytes(h) for n, h in rows}

    def _select(self, where: sql.Composable, order: str, params: tuple[Any, ...]) -> list[Row]:
        return self._all(
            sql.SQL(
                "SELECT originator_id::text, originator_version, topic, state, notification_id"
                " FROM {} WHERE {} ORDER BY {}"
            ).format(self._table, where, sql.Identifier(order)),
            params,
        )

    def stream(self, stream_id: UUID) -> list[Row]:
        return self._select(sql.SQL("originator_id = %s"), "originator_version", (stream_id,))

    def mentioning(self, needles: Collection[bytes]) -> list[Row]:
        if not needles:
            return []
        where = sql.SQL(" OR ").join([sql.SQL("position(%s::bytea in state) > 0")] * len(needles))
        return self._select(where, "notification_id", tuple(needles))

    def witnessed(self) -> list[dict[str, Any]]:
        table = sql.Identifier(self._schema, "witnessed_checkpoints")
        exists = self._all(
            sql.SQL("SELECT to_regclass(%s)"), (f"{self._schema}.witnessed_checkpoints",)
        )
        if exists[0][0] is None:
            return []
        with self._connection.cursor(row_factory=dict_row) as cursor:
            return cursor.execute(sql.SQL("SELECT * FROM {}").format(table)).fetchall()

    def close(self) -> None:
        if self._arrow is not None:
            self._arrow.close()
        self._connection.close()


@dataclass(frozen=True)
class StoreLocation:
    """Where a service's store is: enough to open it again in another process."""

    service: str
    sqlite_file: Path | None = None
    database_url: str = ""

    def open(self) -> StoredEvents | None:
        """The store's events, or ``None`` if it has no store yet."""
        if self.sqlite_file is not None:
            return _open_sqlite(self.sqlite_file, self.service)
        return _open_postgres(self.database_url, self.service)


def store_location(settings: Settings, service: str) -> StoreLocation:
    if settings.database_url:
        return StoreLocation(service, database_url=settings.database_url)
    return StoreLocation(service, sqlite_file=sqlite_path(settings, service).resolve())


def open_store(settings: Settings, service: str) -> StoredEvents | None:
    """``service``'s stored events, or ``None`` if it has no store yet."""
    return store_location(settings, service).open()


@contextlib.contextmanager
def open_stores(
    settings: Settings, services: Iterable[str] = SERVICES
) -> Iterator[dict[str, StoredEvents]]:
    """The stores that exist among ``services``', by service, closed on leaving."""
    with contextlib.ExitStack() as opened:
        stores = {}
        for service in services:
            store = open_store(settings, service)
            if store is not None:
                stores[service] = opened.enter_context(contextlib.closing(store))
        yield stores


def _open_sqlite(path: Path, service: str) -> StoredEvents | None:
    if not path.exists():
        return None
    # Read-only, and used by one thread at a time, though maybe not the one that opened it (the
    # replay reads ahead in a thread).
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "stored_events" not in tables:
        db.close()
        return None
    if "stored_events_log" not in tables:
        db.close()
        raise StoreError(f"{path} has events but no log: written before the log was kept")
    return _SQLiteEvents(service, db, path.resolve())


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
    return _PostgresEvents(service, url, connection, schema, table)


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


# -- one range


@dataclass
class RangeReport:
    """What a range's verification found, and what its neighbours need to stitch it."""

    lo: int
    hi: int
    events: int = 0
    signatures: int = 0
    failures: list[Failure] = field(default_factory=list)
    starts: dict[bytes, int] = field(default_factory=dict)
    """Stream (16 bytes) -> position of its first event here, for the streams whose first event
    here is a version 1 linked to the genesis hash: one only has to be new to the ranges before,
    which the stitching asks of them all at once (a set intersection), not one by one."""
    firsts: dict[bytes, tuple[int, bytes, int]] = field(default_factory=dict)
    """Stream (16 bytes) -> version, recorded previous hash, position of its first event here,
    for the other streams."""
    lasts: dict[bytes, tuple[int, bytes]] = field(default_factory=dict)
    """Stream (16 bytes) -> version and own hash of its last event here."""


class _Range:
    def __init__(self, store: StoredEvents, lo: int, hi: int, check: SignatureCheck | None):
        self.store = store
        self.check = check
        self.report = RangeReport(lo, hi)

    def fail(self, position: int, stream: str | None, version: int | None, reason: str) -> None:
        if len(self.report.failures) < MAX_FAILURES:
            self.report.failures.append(
                Failure(position, self.store.service, stream, version, reason)
            )

    def run(self) -> RangeReport:
        report = self.report
        store = self.store
        events = store.events_between(report.lo, report.hi)
        log = store.log_between(report.lo, report.hi)
        before = store.log_before(report.lo)
        prev_log = GENESIS if before is None else before
        # Per topic: its UTF-8 bytes, and whether the signature check reads its events.
        topics: dict[str, tuple[bytes, bool]] = {}
        # Stream id as stored -> its 16 bytes (None: not a UUID); streams have several events.
        streams: dict[str, bytes | None] = {}
        lasts = report.lasts
        firsts = report.firsts
        starts = report.starts
        check = self.check
        wants = check.wants if check is not None else None
        service = store.service
        fail = self.fail
        j = 0
        n_log = len(log)
        for position, stored_stream, version, topic, state in events:
            # Log rows with no event before this one: deleted events.
            while j < n_log and log[j][0] < position:
                missing = log[j]
                fail(
                    missing[0],
                    _stream_text(missing[1]),
                    missing[2],
                    "missing: the store's log records this event here, but the event is gone",
                )
                prev_log = bytes(missing[3])
                j += 1
            logged = None
            if j < n_log and log[j][0] == position:
                logged = log[j]
                j += 1
            state = bytes(state)
            report.events += 1
            try:
                stream_bytes = streams[stored_stream]
            except KeyError:
                stream_bytes = streams[stored_stream] = _stream_bytes(stored_stream)
            if stream_bytes is None or not has_header(state):
                reason = (
                    "the stream id is not a UUID"
                    if stream_bytes is None
                    else "no chain header: not written by the chained store, or its header "
                    "was altered"
                )
                fail(position, _stream_text(stored_stream), version, reason)
                if logged is not None:
                    prev_log = bytes(logged[3])
                continue
            known = topics.get(topic)
            if known is None:
                known = topics[topic] = (topic.encode(), wants is not None and wants(topic))
            topic_bytes, signed = known
            try:
                stored_prev = unhexlify(state[PREV_HASH])
            except ValueError:  # binascii.Error: not hex
                stored_prev = b""
            last = lasts.get(stream_bytes)
            if last is not None and (last[0] + 1 != version or last[1] != stored_prev):
                fail(
                    position,
                    _stream_text(stored_stream),
                    version,
                    link_problem(last, version, stored_prev) or "broken link",
                )
            own = stored_event_hash(stream_bytes, version, topic_bytes, stored_prev, state)
            if state[OWN_HASH] != hexlify(own):
                fail(
                    position,
                    _stream_text(stored_stream),
                    version,
                    f"altered: it records hash {_short(state[OWN_HASH])}, "
                    f"but its content hashes to {_short(own.hex().encode())}",
                )
            lasts[stream_bytes] = (version, own)
            if last is None and stream_bytes not in firsts and stream_bytes not in starts:
                if version == 1 and stored_prev == GENESIS:
                    starts[stream_bytes] = position
                else:
                    firsts[stream_bytes] = (version, stored_prev, position)
            if logged is None:
                fail(
                    position,
                    _stream_text(stored_stream),
                    version,
                    "not in the store's log: written around the store, or its log row deleted",
                )
            else:
                logged_hash = bytes(logged[3])
                if (
                    logged[2] != version
                    or logged[1] != stored_stream
                    or logged_hash != log_hash(prev_log, position, stream_bytes, version, own)
                ):
                    fail(
                        position,
                        _stream_text(stored_stream),
                        version,
                        _log_mismatch(logged, stream_bytes, version),
                    )
                prev_log = logged_hash
            if signed:
                assert check is not None
                uuid = UUID(bytes=stream_bytes)
                body = b"{" + state[HEADER_LEN:]
                problem = check(AuditedEvent(service, position, uuid, version, topic, body))
                if problem is not None:
                    fail(position, str(uuid), version, f"signature: {problem}")
        for missing in log[j:]:
            fail(
                missing[0],
                _stream_text(missing[1]),
                missing[2],
                "missing: the store's log records this event here, but the event is gone",
            )
        return report


def _stream_bytes(stored: str) -> bytes | None:
    """A stream id as stored (32 hex digits on SQLite, the UUID's text on PostgreSQL) as its
    16 bytes, or ``None`` if it is no UUID."""
    try:
        found = bytes.fromhex(stored.replace("-", "") if len(stored) == 36 else stored)
    except (ValueError, AttributeError):
        return None
    return found if len(found) == 16 else None


def _stream_text(stored: str) -> str:
    """A stream id as stored, in the UUID's canonical text form when it is one."""
    found = _stream_bytes(stored)
    return stored if found is None else str(UUID(bytes=found))


def link_problem(last: tuple[int, bytes] | None, version: int, prev: bytes) -> str | None:
    """Why an event of ``version`` recording ``prev`` cannot follow its stream's ``last``
    (version, own hash) event, or ``None`` when it follows it."""
    if last is None:
        if version != 1:
            return f"missing: the stream starts at version {version}"
        if prev != GENESIS:
            return f"broken link: a first event links to the genesis hash, not {_short(prev)}"
        return None
    last_version, last_own = last
    if version <= last_version:
        return f"out of sequence: version {version} again after version {last_version}"
    if version != last_version + 1:
        missing = range(last_version + 1, version)
        return f"missing: version {last_version} is followed by version {version} " + (
            f"(version {missing[0]} deleted)"
            if len(missing) == 1
            else f"(versions {missing[0]}-{missing[-1]} deleted)"
        )
    if prev != last_own:
        return (
            f"broken link: it records previous hash {_short(prev)}, "
            f"but version {last_version} hashes to {_short(last_own)}"
        )
    return None


def _log_mismatch(entry: LogRow, stream_bytes: bytes, version: int) -> str:
    if entry[2] != version or _stream_bytes(entry[1]) != stream_bytes:
        return (
            f"reordered or replaced: the store's log records stream {_stream_text(entry[1])} "
            f"version {entry[2]} at this position"
        )
    return (
        "the log does not chain here: this event or the log row was altered, "
        "or log rows just before it were deleted"
    )


class _OpenedStores:
    """The stores one verifying process has opened, kept open for its next ranges (opening one,
    a PostgreSQL connection above all, costs as much as verifying hundreds of events)."""

    def __init__(self) -> None:
        self._stores: dict[StoreLocation, StoredEvents] = {}

    def __call__(self, location: StoreLocation) -> StoredEvents:
        store = self._stores.get(location)
        if store is None:
            store = location.open()
            if store is None:
                raise StoreError(f"the {location.service} store is gone")
            self._stores[location] = store
        return store

    def close(self) -> None:
        for store in self._stores.values():
            store.close()
        self._stores.clear()


def _verified_range(
    store: StoredEvents,
    lo: int,
    hi: int,
    new_check: Callable[[StoredEvents], SignatureCheck] | None,
) -> RangeReport:
    check = new_check(store) if new_check is not None else None
    report = _Range(store, lo, hi, check).run()
    report.signatures = getattr(check, "checked", 0)
    return report


def ranges(bounds: tuple[int, int] | None, size: int = RANGE_EVENTS) -> list[tuple[int, int]]:
    if bounds is None:
        return []
    lo, hi = bounds
    return [(start, min(start + size - 1, hi)) for start in range(lo, hi + 1, size)]


def by_position(failure: Failure) -> int:
    """Failures in position order; at one position, in the order found (a stable sort)."""
    return failure.position


def stitch(service: str, reports: Iterable[RangeReport]) -> StoreReport:
    """The store's report from its ranges' reports, in range order: each stream's first event in
    a range must follow its last event in the ranges before. ``reports`` may be lazy: each one is
    stitched as it comes, while later ranges are still being verified."""
    heads: dict[bytes, tuple[int, bytes]] = {}
    failures: list[Failure] = []
    events = signatures = last = 0

    def check(stream_bytes: bytes, version: int, prev: bytes, position: int) -> None:
        problem = link_problem(heads.get(stream_bytes), version, prev)
        if problem is not None:
            stream = str(UUID(bytes=stream_bytes))
            failures.append(Failure(position, service, stream, version, problem))

    for report in reports:
        events += report.events
        signatures += report.signatures
        failures.extend(report.failures)
        for stream_bytes in report.starts.keys() & heads.keys():  # started again
            check(stream_bytes, 1, GENESIS, report.starts[stream_bytes])
        for stream_bytes, (version, prev, position) in report.firsts.items():
            check(stream_bytes, version, prev, position)
        heads.update(report.lasts)
        last = max(last, report.hi)
    failures.sort(key=by_position)
    return StoreReport(service, len(heads), events, failures, signatures, last)


def verify(
    store: StoredEvents,
    signature_check: SignatureCheck | None = None,
    advance: Callable[[int], None] | None = None,
    range_events: int = RANGE_EVENTS,
) -> StoreReport:
    """Verify every event of ``store`` in this process, ``range_events`` at a time;
    ``advance(n)`` is told after each range how many events it read."""

    def each() -> Iterator[RangeReport]:
        for lo, hi in ranges(store.bounds(), range_events):
            report = _Range(store, lo, hi, signature_check).run()
            if advance is not None:
                advance(report.events)
            yield report

    report = stitch(store.service, each())
    report.signatures = getattr(signature_check, "checked", 0)
    return report


def _short(hex_hash: bytes) -> str:
    if len(hex_hash) == 32:
        hex_hash = hex_hash.hex().encode()
    return hex_hash[:16].decode(errors="replace") + "…"


NewCheck = Callable[[StoredEvents], SignatureCheck]
"""Makes a store's signature check in the process that verifies it (picklable: a module-level
function or a ``functools.partial`` of one)."""


def verify_stores(
    locations: Sequence[StoreLocation],
    new_check: NewCheck | None,
    workers: int = 1,
    advance: Callable[[str, int], None] | None = None,
    range_events: int = RANGE_EVENTS,
) -> dict[str, StoreReport | None]:
    """Verify every store, their ranges of ``range_events`` notification ids spread over
    ``workers`` processes, this one included. ``advance(service, n)`` is told as each range is
    stitched how many events it read. A store that does not exist yet reports ``None``."""
    if workers <= 1:
        reports: dict[str, StoreReport | None] = {}
        for location in locations:
            store = location.open()
            if store is None:
                reports[location.service] = None
                continue
            told = None if advance is None else functools.partial(advance, location.service)
            with contextlib.closing(store):
                check = None if new_check is None else new_check(store)
                reports[location.service] = verify(store, check, told, range_events)
        return reports
    work: list[tuple[StoreLocation, int, int]] = []
    spans: dict[str, range | None] = {}
    for location in locations:
        store = location.open()
        if store is None:
            spans[location.service] = None
            continue
        with contextlib.closing(store):
            parts = ranges(store.bounds(), range_events)
        spans[location.service] = range(len(work), len(work) + len(parts))
        work.extend((location, lo, hi) for lo, hi in parts)

    def counted(service: str, reports: Iterator[RangeReport]) -> Iterator[RangeReport]:
        for report in reports:
            if advance is not None:
                advance(service, report.events)
            yield report

    helpers = max(min(workers, len(work)) - 1, 0)
    with contextlib.closing(_SharedRanges(work, new_check, helpers)) as shared:
        return {
            service: None
            if span is None
            else stitch(service, counted(service, shared.in_order(span)))
            for service, span in spans.items()
        }


_Message = tuple[int, RangeReport | Exception] | None
"""From a helper process: a range's index and its report (or why it could not be verified);
``None`` once it finds no range left."""


def _take(next_index: Synchronized[int], count: int) -> int | None:
    """The index of the next range nobody has taken yet, or ``None``."""
    with next_index.get_lock():
        index = next_index.value
        if index >= count:
            return None
        next_index.value = index + 1
        return index


def _verify_taken(
    work: Sequence[tuple[StoreLocation, int, int]],
    index: int,
    opened: _OpenedStores,
    new_check: NewCheck | None,
) -> RangeReport:
    """Verify the range at ``index`` of ``work``, in whichever process took it."""
    location, lo, hi = work[index]
    return _verified_range(opened(location), lo, hi, new_check)


def _help(
    work: Sequence[tuple[StoreLocation, int, int]],
    next_index: Synchronized[int],
    results: multiprocessing.Queue[_Message],
    new_check: NewCheck | None,
) -> None:
    """A helper process: verifies the next range nobody has taken until none is left."""
    opened = _OpenedStores()
    try:
        while (index := _take(next_index, len(work))) is not None:
            try:
                report: RangeReport | Exception = _verify_taken(work, index, opened, new_check)
            except Exception as exc:  # told to the verifying process, which raises it
                report = exc
            results.put((index, report))
            if isinstance(report, Exception):
                break
    finally:
        opened.close()
        results.put(None)


class _SharedRanges:
    """Ranges verified by this process and ``helpers`` forked ones, each taking the next range
    nobody has taken yet from a shared counter. This process stitches the reports in order as
    they come, and verifies a range itself whenever the next report is not there yet: it never
    waits while there is work, the helpers never wait on it, and only the helpers' reports cross
    between processes."""

    def __init__(
        self,
        work: Sequence[tuple[StoreLocation, int, int]],
        new_check: NewCheck | None,
        helpers: int,
    ) -> None:
        self._work = work
        self._new_check = new_check
        self._opened = _OpenedStores()
        self._finished: dict[int, RangeReport] = {}
        # fork: the helpers inherit the loaded modules instead of importing them again. The
        # collector leaves the inherited heap alone meanwhile: walking it would copy each of its
        # pages into every helper (copy on write), ~7 % of a parallel run's time.
        context = multiprocessing.get_context("fork")
        self._next = context.Value("q", 0)
        self._results: multiprocessing.Queue[_Message] = context.Queue()
        gc.freeze()
        self._helpers = [
            context.Process(
                target=_help, args=(work, self._next, self._results, new_check), daemon=True
            )
            for _ in range(helpers)
        ]
        for helper in self._helpers:
            helper.start()
        self._working = helpers
        """Helpers that have not said they found no range left."""

    def in_order(self, span: range) -> Iterator[RangeReport]:
        for index in span:
            while index not in self._finished:
                self._verify_one_or_wait()
            yield self._finished.pop(index)

    def _verify_one_or_wait(self) -> None:
        index = _take(self._next, len(self._work))
        if index is None:
            self._receive(wait=True)
            return
        self._finished[index] = _verify_taken(self._work, index, self._opened, self._new_check)
        while self._receive(wait=False):
            pass

    def _receive(self, wait: bool) -> bool:
        """Take one message from the helpers; whether there was one."""
        while True:
            if not self._working:
                if wait:  # a report the helpers could not send (it would not pickle)
                    raise StoreError("a verifying process did not report one of its ranges")
                return False
            try:
                message = (
                    self._results.get(timeout=HELPER_CHECK_SECONDS)
                    if wait
                    else self._results.get_nowait()
                )
            except queue.Empty:
                if not wait:
                    return False
                stopped = [h.exitcode for h in self._helpers if h.exitcode not in (None, 0)]
                if stopped and self._results.empty():
                    raise StoreError(
                        f"a verifying process stopped (exit code {stopped[0]})"
                    ) from None
                continue
            if message is None:
                self._working -= 1
                return True
            index, report = message
            if isinstance(report, Exception):
                raise report
            self._finished[index] = report
            return True

    def close(self) -> None:
        try:
            for helper in self._helpers:
                if helper.is_alive() and self._working:
                    helper.terminate()
                helper.join()
            self._results.close()
            self._opened.close()
        finally:
            gc.unfreeze()
