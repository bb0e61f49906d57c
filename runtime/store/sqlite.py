"""SQLite event store: WAL with ``synchronous=NORMAL`` and group commit.

``synchronous=NORMAL`` in WAL mode keeps every committed transaction across a process crash and
only risks the last ones on a power loss; it is the durability the write-path benchmark's raw
baseline runs at.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent, Tracking
from eventsourcing.sqlite import (
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteCursor,
    SQLiteFactory,
    SQLiteProcessRecorder,
)
from eventsourcing.utils import Environment

from runtime.store import APPLIED_TABLE, sqlite_write_lock
from runtime.store.chain import GENESIS, LOG_TABLE_SUFFIX, log_entries
from runtime.store.group_commit import GroupCommitMixin


def _hex(stream: UUID | str) -> str:
    return stream.hex if isinstance(stream, UUID) else stream


class TunedConnectionPool(SQLiteConnectionPool):
    def _create_connection(self) -> SQLiteConnection:
        connection = super()._create_connection()
        connection._sqlite_conn.execute("PRAGMA synchronous=NORMAL")
        return connection


class SerialisedSQLiteRecorder(SQLiteProcessRecorder):
    """Writes under the file's in-process write lock (``sqlite_write_lock``), and the store-wide
    log (``runtime.store.chain``) in the same transaction as the events."""

    write_lock: threading.RLock

    def construct_create_table_statements(self) -> list[str]:
        self.log_table_name = self.events_table_name + LOG_TABLE_SUFFIX
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {self.log_table_name} ("
            "notification_id INTEGER PRIMARY KEY, originator_id TEXT NOT NULL, "
            "originator_version INTEGER NOT NULL, hash BLOB NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {APPLIED_TABLE} ("
            "source TEXT NOT NULL, position INTEGER NOT NULL, "
            "PRIMARY KEY (source, position)) WITHOUT ROWID",
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        applied: Sequence[Tracking] = kwargs.get("applied", ())
        if applied:
            # The primary key refuses a position applied before: the whole unit rolls back.
            c.executemany(
                f"INSERT INTO {APPLIED_TABLE} VALUES (?, ?)",
                [(a.application_name, a.notification_id) for a in applied],
            )
        if not stored_events:
            return []
        # One executemany, not the library's execute per event: each call into SQLite gives up
        # the GIL, and the writer then waits to take it back from the busy event loop. Writers
        # are serialised (the write lock, then SQLite's own), so the rows just inserted hold
        # the consecutive rowids ending at the last one, and the newest log row is ours to
        # follow.
        c.executemany(
            self.insert_events_statement,
            [
                (_hex(s.originator_id), s.originator_version, s.topic, s.state)
                for s in stored_events
            ],
        )
        c.execute(
            f"SELECT last_insert_rowid(), (SELECT hash FROM {self.log_table_name} "
            "ORDER BY notification_id DESC LIMIT 1)"
        )
        last, head = c.fetchone()
        notification_ids = range(last - len(stored_events) + 1, last + 1)
        entries = log_entries(head or GENESIS, notification_ids, stored_events)
        c.executemany(
            f"INSERT INTO {self.log_table_name} VALUES (?, ?, ?, ?)",
            [(n, stream.hex, version, h) for n, stream, version, h in entries],
        )
        return notification_ids

    def applied_position(self, source: str) -> int | None:
        """The highest upstream position applied from ``source`` (``APPLIED_TABLE``)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT MAX(position) FROM {APPLIED_TABLE} WHERE source=?", (source,))
            found: int | None = c.fetchone()[0]
        return found

    def has_applied(self, source: str, position: int) -> bool:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT 1 FROM {APPLIED_TABLE} WHERE source=? AND position=?", (source, position)
            )
            return c.fetchone() is not None

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        with self.write_lock:
            return super().insert_events(stored_events, **kwargs)

    def log_head(self) -> tuple[int, bytes] | None:
        """The newest log row's notification id and hash: the store's head."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT notification_id, hash FROM {self.log_table_name} "
                "ORDER BY notification_id DESC LIMIT 1"
            )
            row = c.fetchone()
        return None if row is None else (row[0], row[1])

    def insert_tracking(self, tracking: Tracking) -> None:
        with self.write_lock:
            super().insert_tracking(tracking)


class GroupCommitSQLiteRecorder(GroupCommitMixin, SerialisedSQLiteRecorder):
    pass


class Factory(SQLiteFactory):
    process_recorder_class = GroupCommitSQLiteRecorder

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        old = self.datastore.pool
        self.datastore.pool = TunedConnectionPool(
            db_name=old.db_name, lock_timeout=old.lock_timeout
        )
        old.close()

    def process_recorder(self) -> GroupCommitSQLiteRecorder:
        recorder = super().process_recorder()
        assert isinstance(recorder, GroupCommitSQLiteRecorder)
        recorder.write_lock = recorder.committer.local_lock = sqlite_write_lock(
            self.datastore.pool.db_name
        )
        return recorder
