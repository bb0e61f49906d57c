"""Write path: single-event commands per second through one service's application layer.

Commands arrive from concurrent callers on the event loop, as the HTTP routes call them
(``ServiceApplication.perform``), so the store's writer can commit many in one transaction.

Baseline, measured in the same run with the very rows the application stored:

- SQLite (default): raw inserts, one transaction per row, WAL, synchronous=NORMAL (the store's
  own durability, runtime.store.sqlite), from one caller: SQLite lets one writer in at a time.
- PostgreSQL (``--postgres [URL]``): raw inserts, one transaction per row, from as many concurrent
  callers as the application has, each on its own connection. A fresh database is created on the
  server and dropped afterwards.

    python -m bench.write_path [--commands N] [--callers C] [--postgres [URL]]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

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


def raw_postgres_rate(rows: list[tuple[str, int, str, bytes]], url: str, callers: int) -> float:
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(
            "CREATE TABLE raw_events (notification_id bigserial, originator_id uuid, "
            "originator_version bigint, topic text, state bytea, "
            "PRIMARY KEY (originator_id, originator_version))"
        )
    connections = [psycopg.connect(url) for _ in range(callers)]
    shares = [rows[i::callers] for i in range(callers)]

    def insert(connection: psycopg.Connection[tuple[object, ...]], share: list[object]) -> None:
        for row in share:
            connection.execute("INSERT INTO raw_events VALUES (DEFAULT, %s, %s, %s, %s)", row)
            connection.commit()

    threads = [
        threading.Thread(target=insert, args=(c, share))
        for c, share in zip(connections, shares, strict=True)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    for connection in connections:
        connection.close()
    return len(rows) / elapsed


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    name = f"countersign_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _callers(app: CustomersApplication, commands: int, callers: int) -> None:
    numbers = iter(range(commands))

    async def caller() -> None:
        for i in numbers:
            await app.perform(app.register_customer, CLERK, f"Customer {i}", "s")

    await asyncio.gather(*(caller() for _ in range(callers)))


def application_rate(
    commands: int, callers: int, settings: KernelSettings
) -> tuple[float, list[tuple[str, int, str, bytes]]]:
    """Commands per second, and the rows the application stored."""
    app = CustomersApplication(settings)
    started = time.perf_counter()
    asyncio.run(_callers(app, commands, callers))
    elapsed = time.perf_counter() - started
    stored = app.recorder.select_notifications(start=1, limit=commands)
    assert len(stored) == commands
    app.close()
    rows = [(n.originator_id.hex, n.originator_version, n.topic, n.state) for n in stored]
    return commands / elapsed, rows


POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=20_000)
    parser.add_argument("--callers", type=int, default=32)
    parser.add_argument(
        "--postgres", nargs="?", const=POSTGRES, metavar="URL", help=f"default {POSTGRES}"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        if args.postgres:
            with fresh_database(args.postgres) as url:
                settings = KernelSettings(data_dir=Path(tmp), database_url=url)
                app_rate, rows = application_rate(args.commands, args.callers, settings)
            with fresh_database(args.postgres) as url:
                raw_rate = raw_postgres_rate(rows, url, args.callers)
            baseline = f"raw PostgreSQL inserts, one transaction per row ({args.callers} callers)"
        else:
            settings = KernelSettings(data_dir=Path(tmp) / "app")
            app_rate, rows = application_rate(args.commands, args.callers, settings)
            raw_rate = raw_sqlite_rate(rows, Path(tmp) / "raw.sqlite")
            baseline = "raw SQLite inserts, one transaction per row (WAL, NORMAL)"
    ratio = app_rate / raw_rate
    print(f"commands through the application layer ({args.callers} callers): {app_rate:,.0f}/s")
    print(f"{baseline}: {raw_rate:,.0f}/s")
    print(f"ratio={ratio:.2f}")
    return ratio


if __name__ == "__main__":
    main()
