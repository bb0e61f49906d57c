"""The story of one document of a service's own store, as ``audit trail`` tells it."""

from __future__ import annotations

from uuid import UUID

from kernel.audit.trail import TrailEntry, stored_entry
from runtime.aggregate import NotFound
from runtime.application import ServiceApplication


class AuditTrailQueries(ServiceApplication):
    def audit_trail(self, document_id: UUID) -> list[TrailEntry]:
        """Every event of one document (any stream of this store), in order: who did what, in
        which role, under which policy version, on which version hash; signatures with their
        capacity; invalidations and voids."""
        stored = self.recorder.select_events(document_id)
        if not stored:
            raise NotFound("document", document_id)
        return [
            stored_entry(self.service_name, document_id, s.originator_version, s.topic, s.state)
            for s in stored
        ]
