"""The replay's extract stage decodes stored events in DuckDB: every column it writes equals the
Python reading of the same stored bytes (``plain`` of the transcoded state), for real events of a
live scenario and for the awkward values a stored state can hold."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import duckdb
import orjson
import pyarrow as pa
import pytest

from countersign.analytics.replay import extract, plain
from kernel.audit.verify import EVENT_COLUMNS, EventRow, open_stores
from kernel.settings import KernelSettings
from runtime.transcoding import new_transcoder
from tests.analytics.test_replay import approved  # noqa: F401  (a live scenario's events)

_ENVELOPE = ("_chain_", "timestamp", "originator_topic", "meta")


def python_reading(service: str, row: EventRow) -> tuple[Any, ...]:
    """What the extract stage must write for one stored event, read in Python."""
    position, stream, version, topic, state = row
    body = orjson.loads(state)
    return (
        service,
        position,
        str(UUID(str(stream))),
        version,
        topic.rpartition(":")[2],
        datetime.fromisoformat(body["timestamp"]["_data_"]),
        (body.get("meta") or {}).get("actor"),
        {key: plain(value) for key, value in body.items() if key not in _ENVELOPE},
    )


def extracted(db: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    rows = db.execute("SELECT * FROM events ORDER BY service, position").fetchall()
    return [(*row[:7], orjson.loads(row[7])) for row in rows]


class OneStore:
    """A store of hand-written events (only what extract reads)."""

    service = "orders"

    def __init__(self, rows: list[EventRow]) -> None:
        self.rows = rows

    def bounds(self) -> tuple[int, int] | None:
        return (self.rows[0][0], self.rows[-1][0])

    def events_table(self, lo: int, hi: int) -> pa.Table:
        rows = [row for row in self.rows if lo <= row[0] <= hi]
        return pa.Table.from_pylist([dict(zip(EVENT_COLUMNS, row, strict=True)) for row in rows])


@dataclasses.dataclass(frozen=True)
class Line:
    sku: str
    quantity: int
    price: Decimal
    lot: UUID


@pytest.mark.usefixtures("approved")
def test_xc_04_extract_decodes_real_events_as_python_reads_them(
    store_settings: KernelSettings,
) -> None:
    with open_stores(store_settings) as stores, duckdb.connect() as db:
        extract(db, stores)
        expected = sorted(
            python_reading(service, row)
            for service, store in stores.items()
            if (bounds := store.bounds()) is not None
            for row in store.events_between(*bounds)
        )
        assert extracted(db) == expected


def test_xc_04_extract_decodes_every_kind_of_stored_value_as_python_reads_it() -> None:
    transcoder = new_transcoder([Line])
    stream = uuid4()
    states = [
        {
            "customer_id": uuid4(),
            "on": date(2026, 6, 30),
            "amount": Decimal("12.50"),
            "seal": b"\x00\xffseal",
            "note": 'say "{\\"_type_\\":\\"uuid_hex\\"}" 客户 \u0001',
            "lines": [Line("A-1", 2, Decimal("3.10"), uuid4())],
            "empty": [],
            "nothing": None,
        },
        {"only_text": "plain", "ratio": 0.125, "flag": True},
    ]
    rows: list[EventRow] = []
    for n, fields in enumerate(states, start=1):
        state = {
            "_chain_": ["0" * 64, "1" * 64],
            "timestamp": datetime(2026, 12, 1, 8, n, tzinfo=UTC),
            "originator_topic": "orders.domain.order:Order",
            "meta": {"actor": f"clerk-{n}", "correlation_id": None},
            **fields,
        }
        rows.append(
            (n, stream.hex, n, "orders.domain.order:Order.Happened", transcoder.encode(state))
        )
    with duckdb.connect() as db:
        extract(db, {"orders": OneStore(rows)})  # type: ignore[dict-item]
        assert extracted(db) == [python_reading("orders", row) for row in rows]
