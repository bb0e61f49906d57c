"""SQLite event store: WAL with ``synchronous=NORMAL`` and group commit.

``synchronous=NORMAL`` in WAL mode keeps every committed transaction across a process crash and
only risks the last ones on a power loss; it is the durability the write-path benchmark's raw
baseline runs at.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent, Tracking
from eventsourcing.sqlite import (
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteFactory,
    SQLiteProcessRecorder,
)
from eventsourcing.utils import Environment

from runtime.store import sqlite_write_lock
from runtime.store.group_commit import GroupCommitMixin


class TunedConnectionPool(SQLiteConnectionPool):
    def _create_connection(self) -> SQLiteConnection:
        connection = super()._create_connection()
        connection._sqlite_conn.execute("PRAGMA synchronous=NORMAL")
        return connection


class SerialisedSQLiteRecorder(SQLiteProcessRecorder):
    """Writes under the file's in-process write lock (``sqlite_write_lock``)."""

    write_lock: threading.Lock

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        with self.write_lock:
            return super().insert_events(stored_events, **kwargs)

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
        recorder.write_lock = sqlite_write_lock(self.datastore.pool.db_name)
        return recorder
