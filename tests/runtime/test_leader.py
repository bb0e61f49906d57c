"""Replicas of a service share one store (#15 item 5): its background jobs that act on their own
run in one instance at a time, under a ``ServiceLock`` (a lock file on SQLite, a session advisory
lock on PostgreSQL), and the lock of an instance that is gone passes to another."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import cast

import psycopg
import pytest

from kernel.settings import KernelSettings
from runtime.application import ServiceApplication, Timer
from runtime.leader import ServiceLock
from runtime.service import run_timer
from tests.conftest import requires_postgres
from tests.e2e.api import eventually, eventually_sync


def _locks(settings: KernelSettings, count: int, job: str = "leader") -> list[ServiceLock]:
    """``count`` instances' locks for the same job of the same service."""
    return [
        ServiceLock("orders", job, settings.data_dir, settings.database_url) for _ in range(count)
    ]


@contextlib.contextmanager
def released(*locks: ServiceLock) -> Iterator[None]:
    try:
        yield
    finally:
        for lock in locks:
            lock.release()


def test_one_instance_at_a_time_holds_a_job_and_keeps_it_until_released(
    store_settings: KernelSettings,
) -> None:
    first, second = _locks(store_settings, 2)
    other_job = ServiceLock("orders", "relay", store_settings.data_dir, store_settings.database_url)
    with released(first, second, other_job):
        assert first.try_acquire()
        assert first.try_acquire()  # asked again at its next tick: still the holder
        assert not second.try_acquire()
        assert other_job.try_acquire()  # another job has a lock of its own
        first.release()
        assert second.try_acquire()
        assert not first.try_acquire()


def test_creating_the_tables_at_start_waits_for_the_instance_doing_it(
    store_settings: KernelSettings,
) -> None:
    starting, other = _locks(store_settings, 2, job="schema")
    with released(other):
        with starting.held():
            assert not other.try_acquire()
        assert other.try_acquire()


@requires_postgres
def test_the_lock_of_an_instance_whose_connection_ended_passes_to_another(
    postgres_url: str,
) -> None:
    settings = KernelSettings(database_url=postgres_url)
    crashed, survivor = _locks(settings, 2)
    with released(crashed, survivor):
        assert crashed.try_acquire()
        assert not survivor.try_acquire()
        # What the server sees when an instance dies (or the database restarts under it).
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                "AND granted AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        eventually_sync(survivor.try_acquire, timeout=10, what="the lock to pass")
        # The old holder finds its session gone: it leads no more.
        assert not crashed.try_acquire()


@pytest.mark.parametrize("leads", [False, True], ids=["follower", "leader"])
async def test_timers_tick_only_in_the_instance_that_leads_the_service(
    store_settings: KernelSettings, leads: bool
) -> None:
    mine, other = _locks(store_settings, 2)
    loops: list[None] = []
    ticks: list[None] = []

    def interval(_: object) -> float:
        loops.append(None)
        return 0.0

    timer = Timer("sweep", interval, lambda app: ticks.append(None))
    with released(mine, other):
        if not leads:
            assert other.try_acquire()
        application = cast(ServiceApplication, None)  # the tick does not use it
        task = asyncio.create_task(run_timer(application, timer, store_settings, mine))
        try:
            await eventually(lambda: _true(len(loops) > 3), what="a few turns of the timer")
            assert bool(ticks) is leads
            if not leads:
                other.release()  # the leader is gone: this instance takes over
                await eventually(lambda: _true(bool(ticks)), what="the follower to tick")
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _true(value: bool) -> bool:
    return value
