"""The orders service with a relay that can be told to die at the worst moment.

When the file named by ``COUNTERSIGN_TEST_RELAY_CRASH_FILE`` exists, the relay SIGKILLs its own
process right after the broker acknowledged a batch and before it saved its position: the exact
window invariant 2 is about. Otherwise it is the real orders service.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from chassis.relay import OutboxRelay
from chassis.runtime import run_service
from orders.bootstrap import SPEC


class CrashAfterAckRelay(OutboxRelay):
    async def _save_position(self, position: int) -> None:
        trigger = Path(os.environ.get("COUNTERSIGN_TEST_RELAY_CRASH_FILE", "/nonexistent"))
        if trigger.exists():
            trigger.unlink()
            os.kill(os.getpid(), signal.SIGKILL)
        await super()._save_position(position)


if __name__ == "__main__":
    run_service(SPEC, relay_class=CrashAfterAckRelay)
