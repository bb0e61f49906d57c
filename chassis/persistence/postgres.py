"""PostgreSQL event store (one schema per service) with group commit."""

from __future__ import annotations

from eventsourcing.postgres import PostgresFactory, PostgresProcessRecorder

from chassis.persistence.group_commit import GroupCommitMixin


class GroupCommitPostgresRecorder(GroupCommitMixin, PostgresProcessRecorder):
    pass


class Factory(PostgresFactory):
    process_recorder_class = GroupCommitPostgresRecorder
