"""The orders service with a relay that can be told to die at the worst moment.

When the file named by ``COUNTERSIGN_TEST_RELAY_CRASH_FILE`` holds an order id, the relay SIGKILLs
its own process right after the broker acknowledged the batch holding that order's GoodsIssued and
before it saved its position: the exact window invariant 2 is about. Otherwise it is the real
orders service.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from uuid import UUID

from orders.bootstrap import SPEC
from runtime.relay import OutboxRelay
from runtime.service import run_service


class CrashAfterAckRelay(OutboxRelay):
    _previous: int | None = None

    async def _save_position(self, position: int) -> None:
        trigger = Path(os.environ.get("COUNTERSIGN_TEST_RELAY_CRASH_FILE", "/nonexistent"))
        previous = self._previous if self._previous is not None else self._saved_position()
        if trigger.exists() and self._batch_ships(UUID(trigger.read_text()), previous, position):
            trigger.unlink()
            os.kill(os.getpid(), signal.SIGKILL)
        self._previous = position
        await super()._save_position(position)

    def _batch_ships(self, order_id: UUID, after: int, upto: int) -> bool:
        batch = self._app.process_recorder.select_notifications(after + 1, upto - after)
        return any(n.originator_id == order_id and n.topic.endswith("GoodsIssued") for n in batch)


if __name__ == "__main__":
    run_service(SPEC, relay_class=CrashAfterAckRelay)
