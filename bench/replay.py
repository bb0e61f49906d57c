"""Replay: stored events per second through the whole of ``countersign replay`` (read the store,
decode, project, write the DuckDB tables).

Baseline, measured in the same run on the same rows: a raw paged read of the store (the same
pages replay reads) and an ``orjson`` decode of every stored state, nothing else. The store is
the customers service's on SQLite, filled through its application: customers registered in
units of work of ``--batch`` commands each (one event each).

    python -m bench.replay [--events N] [--batch B]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from contextlib import closing
from pathlib import Path

import orjson

from countersign.analytics.replay import BATCH, replay
from customers.application import CustomersApplication
from kernel.audit.verify import open_store, open_stores
from kernel.settings import KernelSettings
from runtime.unit_of_work import CommandContext, acting

CLERK = CommandContext(actor="salesperson")


def build_store(settings: KernelSettings, events: int, batch: int) -> None:
    with closing(CustomersApplication(settings)) as app:
        for start in range(0, events, batch):
            with acting(CLERK) as unit:
                for n in range(start, min(start + batch, events)):
                    app.register_customer(CLERK, f"Customer {n}", "salesperson")
            app.commit(unit)


def raw_read(settings: KernelSettings) -> int:
    """The baseline: every stored state read page by page and decoded."""
    store = open_store(settings, "customers")
    assert store is not None
    decoded = 0
    with closing(store):
        bounds = store.bounds()
        assert bounds is not None
        for lo in range(bounds[0], bounds[1] + 1, BATCH):
            for row in store.events_between(lo, lo + BATCH - 1):
                orjson.loads(row[4])
                decoded += 1
    return decoded


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=2_000, help="commands per unit of work")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        settings = KernelSettings(data_dir=Path(tmp))
        build_store(settings, args.events, args.batch)

        started = time.perf_counter()
        decoded = raw_read(settings)
        raw_seconds = time.perf_counter() - started

        started = time.perf_counter()
        with open_stores(settings) as stores:
            replayed = replay(Path(tmp) / "analytics.duckdb", stores)
        replay_seconds = time.perf_counter() - started

    assert decoded == replayed.extracted["customers"] == args.events, (decoded, replayed)
    replay_rate, raw_rate = args.events / replay_seconds, args.events / raw_seconds
    ratio = replay_rate / raw_rate
    for label, rate in (
        ("events replayed into DuckDB (read, decode, project, write)", replay_rate),
        ("raw paged read + orjson decode of the same rows", raw_rate),
    ):
        print(f"{label + ':':<64}{rate:>12,.0f}/s")
    print(f"ratio={ratio:.3f}")
    return ratio


if __name__ == "__main__":
    main()
