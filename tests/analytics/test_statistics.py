"""Credit utilisation history and return rates by reason over events as the services store them
(fields as the domain events name them), written straight into the analytics database."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import orjson

from countersign.analytics import replay as replay_module
from countersign.analytics.projections import PROJECTIONS

CUSTOMER = "9b2f8c6e-0000-4000-8000-000000000001"


class Events:
    """Events appended in store order, each service numbering its own positions."""

    def __init__(self, db: duckdb.DuckDBPyConnection) -> None:
        self.db = db
        self.positions: dict[str, int] = {}
        replay_module.extract(db, {})

    def add(self, service: str, stream: str, event: str, at: str, **payload: Any) -> None:
        position = self.positions[service] = self.positions.get(service, 0) + 1
        self.db.execute(
            "INSERT INTO events VALUES (?, ?, ?, 1, ?, ?, 'someone', ?)",
            [service, position, stream, event, at, orjson.dumps(payload).decode()],
        )


def exposure(events: Events, at: str, amount: str, limit: str) -> None:
    events.add(
        "billing",
        "exposure",
        "CreditExposure.ExposureChanged",
        at,
        customer_id=CUSTOMER,
        currency="CNY",
        credit_limit=limit,
        exposure=amount,
        open_receivables="0",
        unbilled_shipments="0",
        reserved=amount,
    )


def test_or_18_cu_12_the_credit_used_each_day_the_limit_or_the_exposure_changed(
    tmp_path: Path,
) -> None:
    with duckdb.connect(str(tmp_path / "c.duckdb")) as db:
        events = Events(db)
        events.add(
            "customers",
            CUSTOMER,
            "Customer.Approved",
            "2026-11-02T02:00:00+00:00",
            approved_by="sales-manager",
            credit_limit="10000.00",
            currency="CNY",
        )
        exposure(events, "2026-11-03T02:00:00+00:00", "4000.00", "10000.00")
        exposure(events, "2026-11-03T08:00:00+00:00", "6000.00", "10000.00")  # the day's last
        events.add(
            "customers",
            CUSTOMER,
            "Customer.CreditLimitChanged",
            "2026-11-05T17:00:00+00:00",  # 01:00 on the 6th in Shanghai
            old_credit_limit="10000.00",
            new_credit_limit="5000.00",
            currency="CNY",
        )
        replay_module.project(db, None)
        found = db.execute(
            "SELECT day, credit_limit, exposure, available, utilisation FROM credit_utilisation"
        ).fetchall()
    assert [(str(row[0]), *row[1:]) for row in found] == [
        ("2026-11-02", Decimal(10000), Decimal(0), Decimal(10000), 0.0),
        ("2026-11-03", Decimal(10000), Decimal(6000), Decimal(4000), 0.6),
        ("2026-11-06", Decimal(5000), Decimal(6000), Decimal(-1000), 1.2),
    ]


def lines(quantity: int) -> list[dict[str, Any]]:
    return [{"product_code": "P-1", "description": "Pump", "quantity": quantity,
             "unit_price": "100.00", "serial_numbers": []}]  # fmt: skip


def test_or_26_returns_by_reason_against_the_orders_shipped_that_month(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "r.duckdb")) as db:
        events = Events(db)
        for n in range(4):
            events.add(
                "orders",
                f"order-{n}",
                "Order.GoodsIssued",
                f"2026-11-0{n + 2}T02:00:00+00:00",
                customer_id=CUSTOMER,
                currency="CNY",
                issued_by="warehouse",
                lines=lines(5),
            )
        for n, (reason, quantity) in enumerate([("defect", 2), ("defect", 1), ("wrong_item", 5)]):
            stream = f"return-{n}"
            at = f"2026-11-1{n}T02:00:00+00:00"
            events.add(
                "orders",
                stream,
                "ProductReturn.Requested",
                at,
                order_id=f"order-{n}",
                customer_id=CUSTOMER,
                currency="CNY",
                reason_code=reason,
                delivered=lines(5),
                requested_by="salesperson",
            )
            events.add(
                "orders",
                stream,
                "ProductReturn.GoodsVerified",
                at,
                lines=lines(quantity),
                verified_by="warehouse",
            )
        events.add(
            "orders",
            "return-2",
            "ProductReturn.GoodsAuthenticated",
            "2026-11-13T02:00:00+00:00",
            genuine=False,
            note="not ours",
            authenticated_by="quality",
        )
        replay_module.project(db, None)
        found = db.execute("SELECT * FROM return_rates").fetchall()
    # month, reason, returns, approved, rejected, received, quantity returned, orders and
    # quantity shipped, return rate, quantity rate
    assert found == [
        ("2026-11", "defect", 2, 0, 0, 0, 3, 4, 20, 0.5, 0.15),
        ("2026-11", "wrong_item", 1, 0, 1, 0, 5, 4, 20, 0.25, 0.25),
    ]


def test_every_table_is_written_empty_without_events(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "e.duckdb")) as db:
        replay_module.extract(db, {})
        written = replay_module.project(db, None)
    assert set(written) == set(PROJECTIONS) and set(written.values()) == {0}
