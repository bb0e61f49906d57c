"""The chaos soak (#15): business flows run against a real stack (Tansu and the four services as
processes, supervised) while services are killed, the broker frozen and, on PostgreSQL, the
database connections cut, at seeded random moments (``tests/chaos/soak.py``). Afterwards, from
the services' own queries and stores: every flow completed, every business effect happened
exactly once, no message was dead-lettered, and the audit verifies every store.

The CI run lasts ``COUNTERSIGN_SOAK_SECONDS`` of load (60 by default; the whole test stays within
about three minutes); set it higher for a long soak, and ``COUNTERSIGN_SOAK_SEED`` to replay a
run's faults. Each run prints its figures.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from pathlib import Path

import pytest

from countersign.stack import RestartPolicy, Stack
from tests.chaos.soak import Faults, Load, audit_failures, dead_letters, quiesce
from tests.conftest import requires_postgres
from tests.e2e.api import Api
from tests.e2e.conftest import running_stack

SOAK_SECONDS = float(os.environ.get("COUNTERSIGN_SOAK_SECONDS", "60"))
SEED = int(os.environ.get("COUNTERSIGN_SOAK_SEED", "15"))
WORKERS = 3
LOSE_SHARE = 0.1
"""The share of commands whose answer the client loses."""
RESTARTS = RestartPolicy(first_delay=0.2, max_delay=2.0, stable_after=5.0, give_up_after=20)
"""Quick restarts: a soak kills a service every few seconds, and never means it to give up."""
STARTUP = 180.0
"""Seconds a service may take to become ready: the CI machine's cores are shared."""


async def soak(stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    api = Api(stack)
    supervisor = asyncio.create_task(stack.supervise(RESTARTS))
    try:
        load = Load(stack, api.keys, WORKERS, SEED, LOSE_SHARE)
        faults = Faults(stack, SEED, stack.config.database_url)
        started = time.monotonic()
        flows = asyncio.create_task(load.run())
        await faults.run(until=started + SOAK_SECONDS)
        load.stop.set()
        await flows
        figures = load.figures
        figures.seconds = time.monotonic() - started
        figures.faults.update(faults.counts)
        figures.lost, figures.duplicated = await quiesce(api, load)
        figures.quiesced_after = time.monotonic() - faults.last_healed
        figures.dead_letters = await dead_letters(stack)
        audit = await asyncio.to_thread(audit_failures, stack)
    finally:
        supervisor.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await supervisor
        await api.close()
    with capsys.disabled():  # the figures are the soak's report: shown in CI's log too
        print(f"\n{figures.report()} (seed {SEED})")

    # Each kind comes once before any comes twice: a minute of load sees at least two.
    assert len(set(figures.faults) & set(faults.kinds)) >= 2, figures.report()
    assert figures.faults["lost answer"] > 0, figures.report()
    assert figures.replayed > 0, figures.report()
    assert figures.completed["order_to_cash"] >= 1, figures.report()
    assert figures.failures == [], figures.failures
    assert figures.lost == [], figures.lost
    assert figures.duplicated == [], figures.duplicated
    assert figures.dead_letters == 0
    assert audit == []


async def test_soak_on_sqlite_every_flow_completes_and_every_effect_is_there_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with running_stack(tmp_path, startup_timeout=STARTUP) as stack:
        await soak(stack, capsys)


@requires_postgres
async def test_soak_on_postgres_every_flow_completes_and_every_effect_is_there_once(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async with running_stack(tmp_path, database_url=postgres_url, startup_timeout=STARTUP) as stack:
        await soak(stack, capsys)
