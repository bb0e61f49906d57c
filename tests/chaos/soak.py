"""The chaos soak's parts: the business load (``countersign.flows``) on worker threads, the faults
injected at seeded random moments, and the audit of what the load left in the services.

Every worker's client loses the answer to a share of its commands (``LosingAnswers``), and
these faults come one at a time, each healed before the next:

- **kill**: SIGKILL to a random service's process; the stack's supervisor restarts it;
- **broker**: SIGSTOP to the broker for a few seconds, then SIGCONT;
- **database** (PostgreSQL only): every connection of the services to their database is
  terminated (``pg_terminate_backend``), as a database restart does to its clients. A real
  restart (``pg_ctlcluster ... restart``) would take the server from under everything else
  sharing it, and needs the server's owner; the services see the same thing either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

import httpx
import psycopg

from billing.domain.credit_note import CreditNote
from contracts.topics import dlq_topic, events_topic
from countersign.flows import (
    Delivered,
    FlowClient,
    FlowError,
    complaint,
    order_to_cash,
    product_return,
    service_call,
)
from countersign.stack import Stack
from tests.e2e.api import Api, eventually
from tests.e2e.test_skeleton import _messages, audited

REACTION_TIMEOUT = 180.0
"""Seconds a flow waits for a reaction or retries a request: long enough for a service's
restart and a partition's rebalance on two busy cores."""


@dataclass
class Figures:
    """What the soak did and found; printed at the end."""

    seconds: float = 0.0
    started: Counter[str] = field(default_factory=Counter)
    completed: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    faults: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    replayed: int = 0
    """Commands answered from their receipt: their first answer was lost."""
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    dead_letters: int = 0
    quiesced_after: float = 0.0
    """Seconds from the end of the last fault until every effect was there."""

    def report(self) -> str:
        faults = ", ".join(f"{kind} {n}" for kind, n in sorted(self.faults.items())) or "none"
        return (
            f"chaos soak: {self.seconds:.0f}s of load; flows {self.completed.total()} completed "
            f"of {self.started.total()} started ({dict(self.completed)}, "
            f"{len(self.failures)} failed); faults {faults}; requests retried {self.retries}, "
            f"answers replayed {self.replayed}; effects lost {len(self.lost)}, duplicated "
            f"{len(self.duplicated)}; dead letters {self.dead_letters}; quiesced "
            f"{self.quiesced_after:.1f}s after the last fault"
        )


class LosingAnswers(httpx.HTTPTransport):
    """Loses the answer to a share of the commands (seeded): the service did the command and
    answered, the client hears only a broken connection, as when a service dies between its
    commit and its answer. The client's retry must not do it twice."""

    def __init__(self, seed: int, share: float) -> None:
        super().__init__()
        self.random = random.Random(seed)
        self.share = share
        self.lost = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.method != "GET" and self.random.random() < self.share:
            response.read()
            response.close()
            self.lost += 1
            raise httpx.ReadError("the answer was lost", request=request)
        return response


class Load:
    """Workers each running order-to-cash, then a service call for the customer it delivered
    to, then in turn a complaint from that customer or the return of a unit of a new order,
    until told to stop; a flow under way when told finishes."""

    def __init__(self, stack: Stack, keys: Any, workers: int, seed: int, lose_share: float) -> None:
        self.urls = {service: stack.url(service) for service in stack.config.services}
        self.keys = keys
        self.workers = workers
        self.seeds = iter(range(seed, seed + workers))
        self.lose_share = lose_share
        self.stop = threading.Event()
        self.delivered: list[Delivered] = []
        self.calls: dict[str, str] = {}
        """Service call id -> the customer it came from."""
        self.complaints: dict[str, str] = {}
        """Complaint id -> the customer it came from."""
        self.returns: dict[str, Delivered] = {}
        """Return id -> the order (its own flow's) a unit of came back from."""
        self.figures = Figures()
        self._lock = threading.Lock()

    async def run(self) -> None:
        await asyncio.gather(*(asyncio.to_thread(self._work) for _ in range(self.workers)))

    def _work(self) -> None:
        losing = LosingAnswers(next(self.seeds), self.lose_share)
        client = FlowClient(self.urls, self.keys, REACTION_TIMEOUT, transport=losing)
        try:
            while not self.stop.is_set():
                self._flow("order_to_cash", lambda: self._order_to_cash(client))
                if self.delivered:
                    self._flow("service_call", lambda: self._service_call(client))
                    if len(self.delivered) % 2:
                        self._flow("complaint", lambda: self._complaint(client))
                    else:
                        self._flow("product_return", lambda: self._return(client))
        finally:
            with self._lock:
                self.figures.retries += client.retries
                self.figures.replayed += client.replayed
                self.figures.faults["lost answer"] += losing.lost
            client.close()

    def _flow(self, name: str, run: Any) -> None:
        with self._lock:
            self.figures.started[name] += 1
        try:
            run()
        except FlowError as error:
            with self._lock:
                self.figures.failures.append(f"{name}: {error}")
            return
        with self._lock:
            self.figures.completed[name] += 1

    def _order_to_cash(self, client: FlowClient) -> None:
        delivered = order_to_cash(client)
        with self._lock:
            self.delivered.append(delivered)

    def _service_call(self, client: FlowClient) -> None:
        with self._lock:
            delivered = self.delivered[-1]
        call_id = service_call(client, delivered)
        with self._lock:
            self.calls[call_id] = delivered.customer_id

    def _complaint(self, client: FlowClient) -> None:
        with self._lock:
            delivered = self.delivered[-1]
        complaint_id = complaint(client, delivered)
        with self._lock:
            self.complaints[complaint_id] = delivered.customer_id

    def _return(self, client: FlowClient) -> None:
        delivered, return_id = product_return(client)
        with self._lock:
            self.returns[return_id] = delivered


class Faults:
    """Injects one fault after another at seeded random moments until ``until`` (monotonic)."""

    def __init__(self, stack: Stack, seed: int, database_url: str) -> None:
        self.stack = stack
        self.random = random.Random(seed)
        self.database_url = database_url
        self.kinds = ["kill", "kill", "broker"] + (["database"] if database_url else [])
        self.counts: Counter[str] = Counter()
        self.last_healed = time.monotonic()

    async def run(self, until: float) -> None:
        # Each kind once, in a random order, then at random.
        first = self.random.sample(sorted(set(self.kinds)), len(set(self.kinds)))
        while time.monotonic() + 8 < until:
            await asyncio.sleep(self.random.uniform(3.0, 8.0))
            kind = first.pop() if first else self.random.choice(self.kinds)
            if kind == "kill":
                await self._kill(self.random.choice(self.stack.config.services))
            elif kind == "broker":
                await self._pause_broker(self.random.uniform(2.0, 5.0))
            else:
                await asyncio.to_thread(self._terminate_connections)
            self.counts[kind] += 1
            self.last_healed = time.monotonic()

    async def _kill(self, service: str) -> None:
        pid = self.stack.pid(service)
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        # Healed once the supervisor's new process serves again.
        await eventually(
            lambda: self._serving_anew(service, pid), timeout=90, what=f"{service} restarted"
        )

    async def _serving_anew(self, service: str, killed: int) -> bool:
        if self.stack.pid(service) in (None, killed) or not self.stack.running(service):
            return False
        async with httpx.AsyncClient(timeout=2.0) as http:
            try:
                answer = await http.get(f"{self.stack.url(service)}/ready")
            except httpx.TransportError:
                return False
        return answer.status_code == 200

    async def _pause_broker(self, seconds: float) -> None:
        self.stack.pause_broker()
        try:
            await asyncio.sleep(seconds)  # the length of the outage is the fault itself
        finally:
            self.stack.resume_broker()

    def _terminate_connections(self) -> None:
        with psycopg.connect(self.database_url, autocommit=True) as db:
            db.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


def _count(items: list[dict[str, Any]], key: str) -> Counter[str]:
    return Counter(str(item[key]) for item in items)


async def check_effects(api: Api, load: Load) -> tuple[list[str], list[str]]:
    """Each business effect of the completed flows, counted in the services' own queries:
    (lost, duplicated), each a description of the effect."""
    lost: list[str] = []
    duplicated: list[str] = []

    def once(what: str, found: int, expected: int = 1) -> None:
        if found < expected:
            lost.append(f"{what}: {found} of {expected}")
        elif found > expected:
            duplicated.append(f"{what}: {found} for {expected}")

    customers = await api.every_item("customers", "/customers", "sales-manager")
    orders = _count(await api.every_item("orders", "/orders", "finance"), "customer_id")
    requests = _count(await api.every_item("billing", "/invoice-requests", "finance"), "order_id")
    invoices = _count(await api.every_item("billing", "/invoices", "finance"), "order_id")
    vouchers = await api.every_item("service-desk", "/vouchers", "service-clerk")
    by_serial = _count(vouchers, "serial_number")
    calls = _count(
        await api.every_item("service-desk", "/service-calls", "service-clerk"), "customer_id"
    )
    complaints = await api.every_item("service-desk", "/complaints", "service-department")
    closed = _count([c for c in complaints if c["status"] == "closed"], "customer_id")
    returns = _count(await api.every_item("orders", "/returns", "finance"), "order_id")
    # Every order-to-cash and return flow registered one customer: one more is a registration
    # done twice.
    started = load.figures.started
    registered = started["order_to_cash"] + started["product_return"]
    once("customers registered", len(customers), registered)
    expected_calls = Counter(load.calls.values())
    expected_complaints = Counter(load.complaints.values())
    once("complaints received", len(complaints), len(load.complaints))
    for return_id, delivered in load.returns.items():
        once(f"return of order {delivered.order_id}", returns[delivered.order_id])
        note = f"/credit-notes/{CreditNote.id_for(UUID(return_id))}"
        credit = await api.call("GET", "billing", note, "finance")
        issued = credit.status_code == 200 and credit.json()["status"] == "issued"
        once(f"credit note of return {return_id}", int(issued))
    for delivered in [*load.delivered, *load.returns.values()]:
        customer, order = delivered.customer_id, delivered.order_id
        once(f"goods request of customer {customer}", orders[customer])
        once(f"invoice request of order {order}", requests[order])
        once(f"invoice of order {order}", invoices[order])
        for serial in delivered.serial_numbers:
            once(f"voucher of serial {serial}", by_serial[serial])
        once(f"service calls of customer {customer}", calls[customer], expected_calls[customer])
        expected = expected_complaints[customer]
        once(f"complaints closed of customer {customer}", closed[customer], expected)
        exposure = await api.ok("GET", "billing", f"/customers/{customer}/exposure", "finance")
        # Paid in full: a reservation or a shipment counted twice would still weigh here.
        for figure in ("exposure", "reserved", "unbilled_shipments"):
            if Decimal(exposure[figure]) != 0:
                duplicated.append(f"{figure} of customer {customer}: {exposure[figure]}")
    return lost, duplicated


async def dead_letters(stack: Stack) -> int:
    """Messages on the dead-letter topics: the soak sends no poison, so any is unexplained."""
    found = 0
    for service in stack.config.services:
        found += len(await _messages(stack, dlq_topic(events_topic(service))))
    return found


async def quiesce(api: Api, load: Load) -> tuple[list[str], list[str]]:
    """Wait until every service is ready and every effect is there (reactions may still be
    travelling after the last flow ended); the last (lost, duplicated) found."""
    stack = api.stack
    last: tuple[list[str], list[str]] = ([], [])

    async def settled() -> bool:
        nonlocal last
        for service in stack.config.services:
            if (await api.http.get(f"{stack.url(service)}/ready")).status_code != 200:
                return False
        last = await check_effects(api, load)
        return not last[0] and not last[1]

    with contextlib.suppress(AssertionError):  # reported as lost or duplicated effects
        await eventually(settled, timeout=120, what="every effect of the load")
    return last


def audit_failures(stack: Stack) -> list[str]:
    """What ``countersign audit verify`` finds wrong in the four stores."""
    return [f"{s}: {f}" for s, (failures, _) in audited(stack).items() for f in failures]
