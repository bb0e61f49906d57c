"""orders as ``python -m orders`` runs it, each applied record's consumer stages timed for
``bench.propagation`` (run in orders' own process, as the service runs).

For every record it applies, one JSON line in the file ``$COUNTERSIGN_BENCH_STAGES``: the record's
key (the customer's id) and the wall-clock times at which orders' inbox received its batch,
decoded it, ran the reaction, and had the reaction committed. The inbox's code is wrapped, not
changed."""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from aiokafka.structs import ConsumerRecord

from orders.bootstrap import SPEC
from runtime.application import Applying, ServiceApplication
from runtime.inbox import Inbox, Subscription
from runtime.service import run_service
from runtime.unit_of_work import UnitOfWork

STAGES = ("received", "decoded", "applied", "committed")


class StageTimes:
    """Each record's stage times, by its upstream position, until its reaction commits."""

    def __init__(self, path: Path) -> None:
        self._out = path.open("a", encoding="utf-8")
        self._received: dict[int, float] = {}
        # Upstream position -> the record's key, then its times so far.
        self._pending: dict[int, tuple[str, list[float]]] = {}

    def received(self, records: Sequence[ConsumerRecord[bytes, bytes]]) -> None:
        now = time.time()
        for record in records:
            self._received[id(record)] = now

    def decoded(self, record: ConsumerRecord[bytes, bytes], position: int) -> None:
        key = (record.key or b"").decode()
        self._pending[position] = (key, [self._received.pop(id(record), 0.0), time.time()])

    def reached(self, run: Sequence[Applying]) -> None:
        now = time.time()
        for _, _, tracking in run:
            found = self._pending.get(tracking.notification_id)
            if found is not None:
                found[1].append(now)

    def committed(self, run: Sequence[Applying]) -> None:
        self.reached(run)
        for _, _, tracking in run:
            found = self._pending.pop(tracking.notification_id, None)
            if found is not None and len(found[1]) == len(STAGES):
                key, times = found
                self._out.write(
                    json.dumps({"key": key, **dict(zip(STAGES, times, strict=True))}) + "\n"
                )
        self._out.flush()


def traced(times: StageTimes) -> None:
    handle = Inbox.handle
    read = Inbox._read
    react = ServiceApplication._react
    process_run_async = ServiceApplication.process_run_async

    @functools.wraps(handle)
    async def timed_handle(
        self: Inbox, subscription: Subscription, records: Sequence[ConsumerRecord[bytes, bytes]]
    ) -> None:
        times.received(records)
        await handle(self, subscription, records)

    @functools.wraps(read)
    def timed_read(
        self: Inbox, subscription: Subscription, record: Any, *rest: Any, **kw: Any
    ) -> Any:
        found = read(self, subscription, record, *rest, **kw)
        tracking = getattr(found, "tracking", None)
        if tracking is not None:
            times.decoded(record, tracking.notification_id)
        return found

    @functools.wraps(react)
    def timed_react(self: ServiceApplication, run: Sequence[Applying]) -> UnitOfWork:
        unit = react(self, run)
        times.reached(run)
        return unit

    @functools.wraps(process_run_async)
    async def timed_process_run_async(self: ServiceApplication, run: Sequence[Applying]) -> None:
        await process_run_async(self, run)
        times.committed(run)

    patches: dict[tuple[type, str], Callable[..., Any]] = {
        (Inbox, "handle"): timed_handle,
        (Inbox, "_read"): timed_read,
        (ServiceApplication, "_react"): timed_react,
        (ServiceApplication, "process_run_async"): timed_process_run_async,
    }
    for (owner, name), replacement in patches.items():
        setattr(owner, name, replacement)


if __name__ == "__main__":
    traced(StageTimes(Path(os.environ["COUNTERSIGN_BENCH_STAGES"])))
    run_service(SPEC)
