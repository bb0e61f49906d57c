"""`countersign load` against a real stack: Locust runs whole order-to-cash flows, service calls,
complaints and returns through the four services' APIs, each waiting on the other services'
reactions, and the services' own queries then show every flow's effects exactly once."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path
from uuid import UUID, uuid4

import duckdb
import httpx

from billing.domain.credit_note import CreditNote
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
        "--mix=order_to_cash=1,service_call=1,product_return=1,complaint=1",
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
    flows = {name: n for (kind, name), n in counts.items() if kind == "FLOW"}
    assert sum(flows.values()) >= 2, told
    # The reactions between services are measured as users see them.
    assert counts[("REACTION", "billing to open the invoice request")] >= 1

    # Flows under way when the run ended were let finish, so every order the load placed went
    # all the way: billing opened exactly one invoice request for it and service-desk exactly
    # one voucher per serial number (two a flow); nothing lost, nothing doubled.
    orders = await api.every_item("orders", "/orders", "finance")
    assert len(orders) >= flows.get("order_to_cash", 0) + flows.get("product_return", 0)
    for order in orders:
        path = f"/invoice-requests?order_id={order['order_id']}"
        requests = await api.every_item("billing", path, "finance")
        assert len(requests) == 1, order
        vouchers = await api.vouchers(order["customer_id"])
        assert len(vouchers) == 2, order

    # Each return went through its chain to billing's red-letter invoice, once; each complaint
    # was closed.
    returns = await api.every_item("orders", "/returns", "finance")
    assert len(returns) == flows.get("product_return", 0), told
    for ret in returns:
        note = f"/credit-notes/{CreditNote.id_for(UUID(ret['return_id']))}"
        credit = await api.ok("GET", "billing", note, "finance")
        assert (ret["status"], credit["status"]) == ("received", "issued"), ret
    complaints = await api.every_item("service-desk", "/complaints", "service-department")
    assert [c["status"] for c in complaints] == ["closed"] * flows.get("complaint", 0), told

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


async def test_sigterm_lets_the_commands_under_way_finish_and_loses_none(
    stack: Stack, api: Api
) -> None:
    """#15: a service told to stop (SIGTERM, as `countersign up` and compose do) answers every
    request it took before it exits: each customer is in its store afterwards exactly when its
    request was answered 201; a request it never took failed at the connection, with no effect."""
    url = f"{stack.url('customers')}/customers"
    headers = {"Authorization": "Bearer dev-salesperson", "Connection": "close"}
    tag = uuid4().hex[:8]
    answered: set[str] = set()
    not_taken = 0

    async def register(client: httpx.AsyncClient, n: int) -> None:
        nonlocal not_taken
        name = f"Drain {tag} {n}"
        try:
            response = await client.post(url, json={"legal_name": name}, headers=headers)
        except httpx.TransportError:
            not_taken += 1
            return
        assert response.status_code == 201, response.text  # never a 5xx while stopping
        answered.add(name)

    async with httpx.AsyncClient(timeout=30.0) as client:
        await register(client, 0)
        calls = [asyncio.create_task(register(client, n)) for n in range(1, 60)]
        await asyncio.sleep(0)  # the requests are on their way
        code = await stack.stop("customers")
        await asyncio.gather(*calls)
    # uvicorn shuts down cleanly, then re-raises the signal: -15, not the grace period's -9.
    assert code == -signal.SIGTERM
    assert len(answered) + not_taken == 60
    await stack.start("customers")
    customers = await api.every_item("customers", "/customers", "sales-manager")
    stored = {c["legal_name"] for c in customers if c["legal_name"].startswith(f"Drain {tag}")}
    assert stored == answered
