"""Which documents wait on an approval step, and until when: a projection of the approval events
in the service's own notification log, caught up incrementally by the approval timer."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.utils import get_topic

from chassis import clock
from chassis.approvals.domain import Approvable

if TYPE_CHECKING:
    from chassis.application import ServiceApplication

log = logging.getLogger(__name__)

_TOPICS = [
    get_topic(cls)
    for cls in (
        Approvable.ApprovalRequested,
        Approvable.ApprovalGranted,
        Approvable.ApprovalRejected,
        Approvable.ApprovalInvalidated,
        Approvable.ApprovalOverdue,
    )
]


class ApprovalDeadlines:
    def __init__(self, app: ServiceApplication, batch_size: int = 500) -> None:
        self._app = app
        self._batch_size = batch_size
        self._position = 0
        self._due: dict[UUID, datetime] = {}

    def overdue(self, now: datetime) -> list[UUID]:
        self._catch_up()
        return [document for document, due in self._due.items() if due < now]

    def _catch_up(self) -> None:
        while batch := self._app.process_recorder.select_notifications(
            self._position + 1, self._batch_size, topics=_TOPICS
        ):
            for notification in batch:
                document = notification.originator_id
                assert isinstance(document, UUID)
                self._apply(document, self._app.mapper.to_domain_event(notification))
            self._position = batch[-1].id

    def _apply(self, document: UUID, event: object) -> None:
        due: datetime | None = None
        if isinstance(event, Approvable.ApprovalRequested):
            due = event.due_at
        elif isinstance(event, Approvable.ApprovalGranted):
            due = event.next_due_at
        # Rejected, invalidated, approved, or escalated once already: nothing more to chase.
        if due is None:
            self._due.pop(document, None)
        else:
            self._due[document] = due


async def run_approval_timer(app: ServiceApplication, interval_seconds: float) -> None:
    """XC-01 / RULES §7 #20: escalate approval steps not decided within their working hours."""
    deadlines = ApprovalDeadlines(app)
    while True:
        await asyncio.sleep(interval_seconds)
        try:
            for document in await asyncio.to_thread(deadlines.overdue, clock.now()):
                await asyncio.to_thread(app.approvals.escalate_overdue, document)
        except Exception:
            log.exception("approval timer failed; trying again at the next tick")
