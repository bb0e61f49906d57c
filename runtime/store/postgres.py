"""PostgreSQL event store (one schema per service) with group commit."""

from __future__ import annotations

from eventsourcing.postgres import PostgresFactory, PostgresProcessRecorder
from eventsourcing.utils import Environment
from psycopg import sql

from runtime.store.group_commit import GroupCommitMixin


class GroupCommitPostgresRecorder(GroupCommitMixin, PostgresProcessRecorder):
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
