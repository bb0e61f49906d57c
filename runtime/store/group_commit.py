"""Group commit: concurrent commands share one transaction.

The first writer to arrive becomes the leader and writes everything queued behind it in a single
``insert_events`` call; the others wait for its result. A batch that fails as a whole (for example a
version conflict in one command) is retried command by command, so only the guilty one fails and the
others still commit atomically each. Commands that carry a tracking record (policies) bypass the
batch: their tracking position must commit with exactly their own events.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent

InsertEvents = Callable[[Sequence[StoredEvent]], Sequence[int] | None]


class _Pending:
    __slots__ = ("done", "error", "events", "notification_ids")

    def __init__(self, events: Sequence[StoredEvent]) -> None:
        self.events = events
        self.done = threading.Event()
        self.notification_ids: Sequence[int] | None = None
        self.error: BaseException | None = None


class GroupCommitter:
    def __init__(self, insert: InsertEvents, max_batch_events: int = 1000) -> None:
        self._insert = insert
        self._max_batch_events = max_batch_events
        self._lock = threading.Lock()
        self._queue: deque[_Pending] = deque()
        self._leading = False

    def submit(self, events: Sequence[StoredEvent]) -> Sequence[int] | None:
        pending = _Pending(events)
        with self._lock:
            self._queue.append(pending)
            lead = not self._leading
            self._leading = True
        if lead:
            self._lead()
        pending.done.wait()
        if pending.error is not None:
            raise pending.error
        return pending.notification_ids

    def _lead(self) -> None:
        while True:
            with self._lock:
                batch = self._take_batch()
                if not batch:
                    self._leading = False
                    return
            self._write(batch)

    def _take_batch(self) -> list[_Pending]:
        batch: list[_Pending] = []
        size = 0
        while self._queue and size < self._max_batch_events:
            pending = self._queue.popleft()
            batch.append(pending)
            size += len(pending.events)
        return batch

    def _write(self, batch: list[_Pending]) -> None:
        try:
            ids = self._insert([event for pending in batch for event in pending.events])
        except Exception as error:
            if len(batch) == 1:
                batch[0].error = error
            else:
                for pending in batch:
                    self._write([pending])
                return
        else:
            offset = 0
            for pending in batch:
                n = len(pending.events)
                pending.notification_ids = ids[offset : offset + n] if ids is not None else None
                offset += n
        for pending in batch:
            pending.done.set()


class GroupCommitMixin:
    """Mix into an eventsourcing process recorder, before the recorder class."""

    _group_committer: GroupCommitter

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if kwargs.get("tracking") is not None or not stored_events:
            return super().insert_events(stored_events, **kwargs)  # type: ignore[misc, no-any-return]
        if not hasattr(self, "_group_committer"):
            self._group_committer = GroupCommitter(super().insert_events)  # type: ignore[misc]
        return self._group_committer.submit(stored_events)
