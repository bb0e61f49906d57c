"""`countersign load` against a real stack: Locust runs whole order-to-cash flows and service
calls through the four services' APIs, each waiting on the other services' reactions, and the
services' own queries then show every flow's effects exactly once."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import duckdb

from countersign.analytics.replay import replay
from countersign.stack import Stack
from kernel.audit.verify import open_stores
from kernel.settings import KernelSettings
from tests.e2e.api import Api


async def test_load_runs_whole_business_flows_and_each_leaves_its_effects_once(
    stack: Stack, api: Api, tmp_path: Path
) -> None:
    services = ",".join(f"{s}={stack.url(s)}" for s in stack.config.services)
    command = [
        sys.executable,
        "-m",
        "countersign.cli",
        "load",
        f"--data-dir={api.keys.parent}",
        "--users=2",
        "--spawn-rate=2",
        "--run-time=20s",
        f"--services={services}",
        "--mix=order_to_cash=1,service_call=1",
        f"--json-file={tmp_path / 'load'}",
    ]
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=240)
    told = output.decode()
    assert process.returncode == 0, told  # Locust exits 1 on any failed request or flow

    entries = json.loads((tmp_path / "load.json").read_text())
    assert sum(entry["num_failures"] for entry in entries) == 0, told
    counts = {(e["method"], e["name"]): e["num_requests"] for e in entries}
    assert counts.get(("FLOW", "order_to_cash"), 0) >= 1, told
    # The reactions between services are measured as users see them.
    assert counts[("REACTION", "billing to open the invoice request")] >= 1

    # Flows under way when the run ended were let finish, so every order the load placed went
    # all the way: billing opened exactly one invoice request for it and service-desk exactly
    # one voucher per serial number (two a flow); nothing lost, nothing doubled.
    orders = await api.every_item("orders", "/orders", "finance")
    assert len(orders) >= counts[("FLOW", "order_to_cash")]
    for order in orders:
        path = f"/invoice-requests?order_id={order['order_id']}"
        requests = await api.every_item("billing", path, "finance")
        assert len(requests) == 1, order
        vouchers = await api.vouchers(order["customer_id"])
        assert len(vouchers) == 2, order

    # The analysts' order-to-cash table, replayed from the four stores, has every order paid.
    settings = KernelSettings(data_dir=stack.config.data_dir)
    with open_stores(settings) as stores:
        replay(tmp_path / "analytics.duckdb", stores)
    with duckdb.connect(str(tmp_path / "analytics.duckdb"), read_only=True) as db:
        cycles = db.execute(
            "SELECT count(*), count(paid_at), min(order_to_cash_seconds) FROM order_to_cash"
        ).fetchone()
        buckets = db.execute("SELECT bucket, count(*) FROM receivables_aging GROUP BY 1").fetchall()
        calls = db.execute("SELECT sum(calls), sum(in_time) FROM service_sla").fetchone()
    assert cycles is not None
    assert cycles[0] == cycles[1] == len(orders)
    assert cycles[2] > 0
    assert buckets == [("settled", len(orders))]
    service_calls = counts.get(("FLOW", "service_call"), 0)
    assert calls is not None
    assert (calls[0] or 0) == service_calls
