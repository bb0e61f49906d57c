"""PostgreSQL event store (one schema per service) with group commit, and the store-wide log
(``runtime.store.chain``) written in the same transaction as the events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent, Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresFactory, PostgresProcessRecorder
from eventsourcing.utils import Environment
from psycopg import Cursor, sql
from psycopg.rows import DictRow

from runtime.store import APPLIED_TABLE
from runtime.store.chain import GENESIS, LOG_TABLE_SUFFIX, log_entries
from runtime.store.group_commit import GroupCommitMixin


class ChainedPostgresRecorder(PostgresProcessRecorder):
    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        log = sql.Identifier(datastore.schema, self.events_table_name + LOG_TABLE_SUFFIX)
        self.sql_create_statements.append(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (notification_id bigint PRIMARY KEY, "
                "originator_id uuid NOT NULL, originator_version bigint NOT NULL, "
                "hash bytea NOT NULL)"
            ).format(log)
        )
        self._select_log_head = sql.SQL(
            "SELECT notification_id, hash FROM {} ORDER BY notification_id DESC LIMIT 1"
        ).format(log)
        # A batch is inserted as four arrays, sent in binary: psycopg dumps a list of composite
        # values (the library's way) as text, escaping every byte of every state in Python.
        self._insert_log = sql.SQL(
            "INSERT INTO {} "
            "SELECT * FROM unnest(%b::bigint[], %b::uuid[], %b::bigint[], %b::bytea[])"
        ).format(log)
        self._insert_stored = sql.SQL(
            "INSERT INTO {} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%b::uuid[], %b::bigint[], %b::text[], %b::bytea[]) "
            "RETURNING notification_id"
        ).format(sql.Identifier(datastore.schema, self.events_table_name))
        applied = sql.Identifier(datastore.schema, APPLIED_TABLE)
        self.sql_create_statements.append(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (source text NOT NULL, position bigint NOT NULL, "
                "PRIMARY KEY (source, position))"
            ).format(applied)
        )
        self._insert_applied = sql.SQL("INSERT INTO {} VALUES (%s, %s)").format(applied)
        self._select_applied_position = sql.SQL(
            "SELECT MAX(position) AS position FROM {} WHERE source = %s"
        ).format(applied)
        self._select_applied = sql.SQL(
            "SELECT 1 FROM {} WHERE source = %s AND position = %s"
        ).format(applied)

    def log_head(self) -> tuple[int, bytes] | None:
        """The newest log row's notification id and hash: the store's head."""
        with self.datastore.get_connection() as connection:
            row = connection.execute(self._select_log_head).fetchone()
        return None if row is None else (row["notification_id"], bytes(row["hash"]))

    def _insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        super()._insert_events(curs, stored_events, **kwargs)
        applied: Sequence[Tracking] = kwargs.get("applied", ())
        if applied:
            # The primary key refuses a position applied before: the whole unit rolls back.
            curs.executemany(
                self._insert_applied, [(a.application_name, a.notification_id) for a in applied]
            )

    def _insert_stored_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        self._lock_table(curs)
        self._notify_channel(curs)
        curs.execute(self._insert_stored, _columns(stored_events), prepare=True)

    def applied_position(self, source: str) -> int | None:
        """The highest upstream position applied from ``source`` (``APPLIED_TABLE``)."""
        with self.datastore.get_connection() as connection:
            row = connection.execute(self._select_applied_position, (source,)).fetchone()
        return None if row is None else row["position"]

    def has_applied(self, source: str, position: int) -> bool:
        with self.datastore.get_connection() as connection:
            return (
                connection.execute(self._select_applied, (source, position)).fetchone() is not None
            )

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        notification_ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        assert notification_ids is not None
        # The insert took the events table's EXCLUSIVE lock: no other writer can add a log row
        # until this transaction ends.
        row = curs.execute(self._select_log_head, prepare=True).fetchone()
        prev = bytes(row["hash"]) if row else GENESIS
        entries = log_entries(prev, notification_ids, stored_events)
        columns = [[entry[i] for entry in entries] for i in range(4)]
        curs.execute(self._insert_log, columns, prepare=True)
        return notification_ids


def _columns(stored_events: Sequence[StoredEvent]) -> list[list[Any]]:
    return [
        [e.originator_id for e in stored_events],
        [e.originator_version for e in stored_events],
        [e.topic for e in stored_events],
        [e.state for e in stored_events],
    ]


class GroupCommitPostgresRecorder(GroupCommitMixin, ChainedPostgresRecorder):
    pass


class Factory(PostgresFactory):
    process_recorder_class = GroupCommitPostgresRecorder

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        schema = self.datastore.schema
        if schema:
            with self.datastore.get_connection() as connection:
                connection.execute(
                    sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema))
                )
