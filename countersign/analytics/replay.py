"""Replay the four event stores into an analytics database (DuckDB) for analysts.

Two stages, both deterministic:

1. **Extract**: every stored event of every service, in store order, into one table ``events``
   (service, position, stream, version, event type, recorded time, actor, payload as plain JSON).
   No event becomes a Python object: each page of the store is read as Arrow columns by the
   database's ADBC driver, decoded by DuckDB (``_DECODE``, in C++ and on every core) and written
   to the analytics database, the three stages in their own threads, each on a different page.
   Incremental: each service's last extracted position is saved with the events in the same
   transaction, so an interrupted replay resumes where it stopped, and a later one reads only the
   new events.
2. **Project**: each analytical projection (``countersign.analytics.projections``) is one SQL
   query over ``events``, written as a table in a fixed order. ``as_of`` keeps only the events
   recorded up to that moment; the projections are rebuilt whole on every run (DuckDB answers
   them in well under a second per million events), so the same events always give the same rows.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import duckdb
import duckdb.sqltypes
import orjson
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from countersign.analytics.projections import (
    MACROS,
    PROJECTIONS,
    REPORT_POSITIONS,
    register_functions,
)
from kernel.audit.verify import StoredEvents

BATCH = 50_000
"""Events per page read from a store and decoded (tens of megabytes of memory)."""
TRANSACTION_EVENTS = 500_000
"""Events written to the analytics database per transaction, in whole pages: DuckDB writes a
large transaction's rows straight into the file in full row groups, where each small one goes
through the WAL and into the file again at a checkpoint, at about twice the cost. An interrupted
replay resumes after the last transaction committed."""

_DDL = """
CREATE TABLE IF NOT EXISTS events (
    service VARCHAR NOT NULL,
    position BIGINT NOT NULL,
    stream_id VARCHAR NOT NULL,
    version BIGINT NOT NULL,
    event VARCHAR NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    actor VARCHAR,
    payload JSON NOT NULL
);
CREATE TABLE IF NOT EXISTS replay_positions (
    service VARCHAR PRIMARY KEY,
    position BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS report_positions (
    report VARCHAR NOT NULL,
    rule VARCHAR NOT NULL,
    as_of TIMESTAMPTZ,
    service VARCHAR NOT NULL,
    position BIGINT NOT NULL,
    events BIGINT NOT NULL
);
"""

_ENVELOPE = ("_chain_", "timestamp", "originator_topic", "meta")
"""What the store keeps besides the event's own fields."""

_PLAIN_SQL = r"""
    regexp_replace(
        regexp_replace(
            json_merge_patch(
                state, '{"_chain_":null,"timestamp":null,"originator_topic":null,"meta":null}'
            ),
            '\{"_type_":"uuid_hex","_data_":"([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})"\}',
            '"\1-\2-\3-\4-\5"', 'g'
        ),
        '\{"_type_":"[A-Za-z_]+","_data_":("(?:[^"\\]|\\.)*")\}', '\1', 'g'
    )
"""
"""An event's own fields as plain JSON, in DuckDB: the envelope dropped by a JSON merge patch,
then each one-string tag replaced by its text (a UUID's hex by its canonical text)."""

_VALUE_OBJECT_PLAIN = "replay_value_object_plain"
"""A transcoded value object (an order line, an approval step) holds its fields as a JSON object
(or a list), whose tag no regular expression strips around nested braces: the few events still
holding a tag after ``_PLAIN_SQL`` (a quote in a string is escaped, so a tag is the only
``"_data_":`` left) are made plain in Python (``_nested_plain``). Every other tagged value (UUID,
time, date, amount, bytes) is one string."""

_DECODE = f"""
WITH page AS (
    SELECT
        *,
        json_extract_string(state, ['$.timestamp._data_', '$.meta.actor']) AS envelope,
        {_PLAIN_SQL} AS fields
    FROM (SELECT *, decode(stored_state) AS state FROM stored)
)
SELECT
    position, CAST(CAST(stream AS UUID) AS VARCHAR), version, string_split(topic, ':')[-1],
    CAST(envelope[1] AS TIMESTAMPTZ), envelope[2],
    CASE WHEN contains(fields, '"_data_":') THEN {_VALUE_OBJECT_PLAIN}(stored_state) ELSE fields END
FROM page
"""
"""One page of stored events (``StoredEvents.events_table``) decoded by DuckDB, in C++ and on
every core, into the columns of ``events`` after ``service``."""


@dataclass(frozen=True)
class Replayed:
    extracted: dict[str, int]
    """New events read from each service's store."""
    tables: dict[str, int]
    """Rows of each projection written."""


def plain(value: Any) -> Any:
    """A stored value without the store's type tags: UUIDs as their canonical text, times,
    dates and decimals as the text they were stored as, value objects as their fields."""
    if isinstance(value, dict):
        if value.keys() == {"_type_", "_data_"}:
            data = value["_data_"]
            if value["_type_"] == "uuid_hex":
                return str(UUID(hex=data))
            return plain(data)
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def _nested_plain(state: bytes) -> str:
    """The payload of an event holding a value object, as the SQL path writes the others:
    compact, the stored order of the fields."""
    body = orjson.loads(state)
    return orjson.dumps({key: plain(v) for key, v in body.items() if key not in _ENVELOPE}).decode()


T = TypeVar("T")


def _pages(store: StoredEvents, after: int) -> Iterator[pa.Table]:
    """The store's events after ``after``, a page of at most ``BATCH`` at a time."""
    bounds = store.bounds()
    if bounds is None:
        return
    lo = max(after + 1, bounds[0])
    while lo <= bounds[1]:
        hi = min(lo + BATCH - 1, bounds[1])
        page = store.events_table(lo, hi)
        if page.num_rows:
            yield page
        lo = hi + 1


def _decoded(pages: Iterator[pa.Table]) -> Iterator[pa.Table]:
    """Each page decoded (``_DECODE``) in an in-memory DuckDB of its own, so that the analytics
    database can be writing one page while the next is decoded."""
    with contextlib.closing(duckdb.connect()) as decoder:
        decoder.create_function(
            _VALUE_OBJECT_PLAIN, _nested_plain, [duckdb.sqltypes.BLOB], duckdb.sqltypes.VARCHAR
        )
        for page in pages:
            decoder.register("stored", page)
            yield decoder.sql(_DECODE).to_arrow_table()


def _read_ahead(items: Iterator[T]) -> Iterator[T]:
    """``items``, each next one made in a thread while the caller works on the one before: the
    next page is read and decoded while the one before is written (DuckDB and the ADBC drivers
    let go of the GIL), so the stages use every core."""
    with ThreadPoolExecutor(1, thread_name_prefix="replay-reader") as reader:
        coming = reader.submit(next, items, None)
        while (item := coming.result()) is not None:
            coming = reader.submit(next, items, None)
            yield item


def extract(
    db: duckdb.DuckDBPyConnection,
    stores: dict[str, StoredEvents],
    advance: Callable[[str, int], None] = lambda service, n: None,
) -> dict[str, int]:
    """Append each store's events after its saved position; returns how many were new."""
    db.execute(_DDL)
    extracted = {}
    for service, store in sorted(stores.items()):
        found = db.execute(
            "SELECT position FROM replay_positions WHERE service = ?", [service]
        ).fetchone()
        after = int(found[0]) if found else 0
        extracted[service] = 0
        uncommitted = 0
        db.begin()
        try:
            for page in _read_ahead(_decoded(_read_ahead(_pages(store, after)))):
                db.register("decoded", page)
                db.execute("INSERT INTO events SELECT ?, * FROM decoded", [service])
                db.unregister("decoded")
                uncommitted += page.num_rows
                extracted[service] += page.num_rows
                advance(service, page.num_rows)
                after = page["position"][-1].as_py()
                if uncommitted >= TRANSACTION_EVENTS:
                    _commit(db, service, after)
                    db.begin()
                    uncommitted = 0
        except BaseException:
            db.rollback()
            raise
        _commit(db, service, after)
    return extracted


def _commit(db: duckdb.DuckDBPyConnection, service: str, position: int) -> None:
    """Commit the events written, with the position they reach."""
    db.execute("INSERT OR REPLACE INTO replay_positions VALUES (?, ?)", [service, position])
    db.commit()


def project(
    db: duckdb.DuckDBPyConnection, as_of: datetime | None, only: Sequence[str] = ()
) -> dict[str, int]:
    """(Re)build the named projections (all when ``only`` is empty) from ``events`` as of
    ``as_of`` (all events when None); returns each one's rows."""
    unknown = set(only) - set(PROJECTIONS)
    if unknown:
        raise KeyError(f"unknown projection(s) {', '.join(sorted(unknown))}")
    db.execute(_DDL)
    db.execute(MACROS)
    register_functions(db)
    # A view takes no parameters: the moment is written in as a literal, from a datetime.
    up_to = "" if as_of is None else f"WHERE recorded_at <= TIMESTAMPTZ '{as_of.isoformat()}'"
    db.execute(f"CREATE OR REPLACE TEMP VIEW replayed AS SELECT * FROM events {up_to}")
    # "Now" for aging and open deadlines: the moment asked for, else the newest event's time, so
    # the same events give the same tables whenever they are replayed.
    db.execute(
        "CREATE OR REPLACE TEMP TABLE replay_moment AS "
        "SELECT coalesce(CAST(? AS TIMESTAMPTZ), max(recorded_at)) AS as_of FROM replayed",
        [as_of],
    )
    written = {}
    for name in only or PROJECTIONS:
        projection = PROJECTIONS[name]
        db.execute(
            f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM ({projection.query}) "
            f"ORDER BY {projection.order}"
        )
        count = db.execute(f"SELECT count(*) FROM {name}").fetchone()
        written[name] = int(count[0]) if count else 0
        if projection.report is not None:
            _record_positions(db, name, projection.report)
    # Rewritten in a fixed order, however many reports this run rebuilt.
    db.execute(
        f"CREATE OR REPLACE TABLE {REPORT_POSITIONS} AS "
        f"SELECT * FROM {REPORT_POSITIONS} ORDER BY report, service"
    )
    return written


def _record_positions(db: duckdb.DuckDBPyConnection, report: str, rule: str) -> None:
    """XC-11, XC-04: the report was computed from each service's events up to these positions
    (as of the replay's moment): replaying them again gives it row for row."""
    db.execute(f"DELETE FROM {REPORT_POSITIONS} WHERE report = ?", [report])
    db.execute(
        f"INSERT INTO {REPORT_POSITIONS} "
        "SELECT ?, ?, (SELECT as_of FROM replay_moment), service, max(position), count(*) "
        "FROM replayed GROUP BY service",
        [report, rule],
    )


class ExportFormat(StrEnum):
    PARQUET = "parquet"
    CSV = "csv"


def tables_to_export(db: duckdb.DuckDBPyConnection, only: Sequence[str] = ()) -> list[str]:
    """The named tables of the analytics database (any of them, ``events`` too), else every
    projection it holds, in the order they are documented."""
    present = {row[0] for row in db.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    unknown = set(only) - present
    if unknown:
        raise KeyError(
            f"no table(s) {', '.join(sorted(unknown))} in the database; "
            f"it has: {', '.join(sorted(present))}"
        )
    return list(only) or [name for name in (*PROJECTIONS, REPORT_POSITIONS) if name in present]


def export(
    db: duckdb.DuckDBPyConnection,
    tables: Iterable[str],
    directory: Path,
    form: ExportFormat = ExportFormat.PARQUET,
) -> None:
    """Write each named table as ``<directory>/<table>.parquet`` (or ``.csv``, with a header
    row), rows in the table's order."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in tables:
        rows = db.cursor().sql(f"SELECT * FROM {name}").to_arrow_table()
        path = directory / f"{name}.{form.value}"
        if form is ExportFormat.CSV:
            pa_csv.write_csv(rows, path)
        else:
            pq.write_table(rows, path)


def replay(
    target: Path,
    stores: dict[str, StoredEvents],
    as_of: datetime | None = None,
    only: Iterable[str] = (),
    advance: Callable[[str, int], None] = lambda service, n: None,
) -> Replayed:
    """Extract what is new from ``stores`` into ``target``, then write the projections."""
    with contextlib.closing(duckdb.connect(str(target))) as db:
        extracted = extract(db, stores, advance)
        tables = project(db, as_of, tuple(only))
    return Replayed(extracted, tables)
