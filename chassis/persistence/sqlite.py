"""SQLite event store: WAL with ``synchronous=NORMAL`` and group commit.

``synchronous=NORMAL`` in WAL mode keeps every committed transaction across a process crash and
only risks the last ones on a power loss; it is the durability the write-path benchmark's raw
baseline runs at.
"""

from __future__ import annotations

from eventsourcing.sqlite import (
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteFactory,
    SQLiteProcessRecorder,
)
from eventsourcing.utils import Environment

from chassis.persistence.group_commit import GroupCommitMixin


class TunedConnectionPool(SQLiteConnectionPool):
    def _create_connection(self) -> SQLiteConnection:
        connection = super()._create_connection()
        connection._sqlite_conn.execute("PRAGMA synchronous=NORMAL")
        return connection


class GroupCommitSQLiteRecorder(GroupCommitMixin, SQLiteProcessRecorder):
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
