"""Write path: single-event commands per second through one service's application layer.

Baseline, measured in the same run on the same disk: raw SQLite inserts of the same stored rows,
one transaction per row, WAL, synchronous=NORMAL. The service's store runs at that durability too
(runtime.store.sqlite). Commands arrive from concurrent callers, as HTTP requests do, so the
store's group commit can share transactions between them.

    python -m bench.write_path [--commands N] [--callers C]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from pathlib import Path

from customers.application import CustomersApplication
from kernel.settings import KernelSettings
from runtime.unit_of_work import CommandContext

CLERK = CommandContext(actor="salesperson")


def raw_sqlite_rate(rows: list[tuple[str, int, str, bytes]], path: Path) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(
        "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, "
        "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))"
    )
    started = time.perf_counter()
    for row in rows:
        db.execute("BEGIN")
        db.execute("INSERT INTO stored_events VALUES (?, ?, ?, ?)", row)
        db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    return len(rows) / elapsed


async def _callers(app: CustomersApplication, commands: int, callers: int) -> None:
    numbers = iter(range(commands))

    async def caller() -> None:
        for i in numbers:
            await app.perform(app.register_customer, CLERK, f"Customer {i}", "s")

    await asyncio.gather(*(caller() for _ in range(callers)))


def application_rate(
    commands: int, callers: int, data_dir: Path
) -> tuple[float, CustomersApplication]:
    app = CustomersApplication(KernelSettings(data_dir=data_dir))
    started = time.perf_counter()
    asyncio.run(_callers(app, commands, callers))
    elapsed = time.perf_counter() - started
    assert app.recorder.max_notification_id() == commands
    return commands / elapsed, app


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=20_000)
    parser.add_argument("--callers", type=int, default=32)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        app_rate, app = application_rate(args.commands, args.callers, Path(tmp) / "app")
        # The very rows the application stored, so both sides write the same bytes.
        rows = [
            (n.originator_id.hex, n.originator_version, n.topic, n.state)
            for n in app.recorder.select_notifications(start=1, limit=args.commands)
        ]
        app.close()
        raw_rate = raw_sqlite_rate(rows, Path(tmp) / "raw.sqlite")
    ratio = app_rate / raw_rate
    print(f"commands through the application layer ({args.callers} callers): {app_rate:,.0f}/s")
    print(f"raw SQLite inserts, one transaction per row (WAL, NORMAL):  {raw_rate:,.0f}/s")
    print(f"ratio={ratio:.2f}")
    return ratio


if __name__ == "__main__":
    main()
