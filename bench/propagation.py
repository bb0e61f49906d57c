"""Propagation: latency from a commit in one service to the commit of its reaction in another.

customers commits CustomerRegistered at a steady rate; its outbox relay publishes it; orders' inbox
commits the KnownCustomer reaction. Latency per event = the time orders' reaction committed minus
the original event's time in customers' store (one machine, one clock), and its budget by stage:
the command's commit, the relay's read, its send and the broker's acknowledgement, then in orders'
own process (``bench.traced_orders``, orders with its inbox's steps timed) the consumer's receipt,
the decoding, the reaction and its commit.

Baseline, same broker and same run: raw aiokafka produce -> consume at the same rate, latency
from just before send to receipt, acks=all, the same consumer fetch wait.

    python -m bench.propagation [--rate 500] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from eventsourcing.persistence import Notification

from contracts import events_topic
from countersign.stack import FileSink, Stack, StackConfig
from customers.adapters.outbound import OUTBOUND
from customers.application import CustomersApplication
from kernel.settings import KernelSettings
from runtime.relay import OutboxRelay, RelayLock
from runtime.service import new_producer
from runtime.unit_of_work import CommandContext

FETCH_MAX_WAIT_MS = KernelSettings().consumer_fetch_max_wait_ms


async def paced(rate: float, seconds: float, send: Callable[[int], Awaitable[None]]) -> None:
    """Start ``send(i)`` at a steady rate, without waiting for earlier ones to finish."""
    total = int(rate * seconds)
    started = time.perf_counter()
    tasks = []
    for i in range(total):
        delay = started + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(i)))
    await asyncio.gather(*tasks)


def percentiles(latencies_ms: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(latencies_ms, n=100, method="inclusive")
    return cuts[49], cuts[98]


async def raw_kafka_latencies(bootstrap: str, rate: float, seconds: float) -> list[float]:
    topic = "bench.raw"
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
        group_id=f"bench-raw-{time.time_ns()}",
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=False, linger_ms=2
    )
    await producer.start()
    await producer.send_and_wait(topic, b"warm-up")
    await consumer.start()
    while not consumer.assignment():
        await asyncio.sleep(0.05)
    sent: dict[int, float] = {}
    latencies: list[float] = []
    expected = int(rate * seconds)

    async def consume() -> None:
        while len(latencies) < expected:
            batch = await consumer.getmany(timeout_ms=FETCH_MAX_WAIT_MS)
            now = time.perf_counter()
            for records in batch.values():
                for record in records:
                    if record.value and record.value.isdigit():
                        latencies.append((now - sent[int(record.value)]) * 1000)

    async def send(i: int) -> None:
        sent[i] = time.perf_counter()
        await producer.send_and_wait(topic, str(i).encode(), key=str(i).encode())

    consuming = asyncio.create_task(consume())
    await paced(rate, seconds, send)
    await asyncio.wait_for(consuming, timeout=60)
    await producer.stop()
    await consumer.stop()
    return latencies


def event_times(database: Path, topic_suffix: str) -> dict[str, datetime]:
    """originator id -> event time, for the stored events whose topic ends with the suffix."""
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        rows = db.execute(
            "SELECT originator_id, state FROM stored_events WHERE topic LIKE ?",
            (f"%{topic_suffix}",),
        ).fetchall()
    return {
        row[0]: datetime.fromisoformat(json.loads(row[1])["timestamp"]["_data_"]) for row in rows
    }


async def service_latencies(stack: Stack, rate: float, seconds: float) -> dict[str, list[float]]:
    """customers' side runs here (its application, relay and producer: the runtime as a service
    runs them), so commits are paced exactly; orders runs as its own service process."""
    settings = KernelSettings(data_dir=stack.config.data_dir, kafka_bootstrap=stack.bootstrap)
    app = CustomersApplication(settings)
    producer = new_producer(settings)
    await producer.start()
    relay = OutboxRelay(
        app,
        producer,
        events_topic("customers"),
        OUTBOUND,
        RelayLock("customers", settings.data_dir, ""),
    )
    committed_at: dict[str, float] = {}
    read_at: dict[str, float] = {}
    sent_at: dict[str, float] = {}
    acked_at: dict[str, float] = {}
    send = producer.send
    relay_send = relay._send

    async def timed_relay_send(notifications: Sequence[Notification]) -> Any:
        """The relay's batches, timed: when it read each event."""
        now = time.time()
        for notification in notifications:
            read_at.setdefault(notification.originator_id.hex, now)
        return await relay_send(notifications)

    async def timed_send(topic: str, value: bytes, key: bytes) -> asyncio.Future[Any]:
        """The relay's sends, timed: when each event left the relay and when the broker acked."""
        customer = UUID(key.decode()).hex
        sent_at[customer] = time.time()
        acked = await send(topic, value=value, key=key)
        acked.add_done_callback(lambda _: acked_at.setdefault(customer, time.time()))
        return acked

    producer.send = timed_send  # type: ignore[method-assign]
    relay._send = timed_relay_send  # type: ignore[method-assign]
    gc.freeze()  # as a service does once started (runtime.service)
    relaying = asyncio.create_task(relay.run())
    clerk = CommandContext(actor="salesperson")

    async def register(i: int) -> None:
        customer = await app.perform(app.register_customer, clerk, f"Bench {i}", "salesperson")
        committed_at[customer.id.hex] = time.time()

    expected = int(rate * seconds)
    try:
        # Warm-up, not measured: wait until orders reacts at all (its group has joined).
        warm_up = await asyncio.to_thread(app.register_customer, clerk, "Warm-up", "salesperson")
        while warm_up.id.hex not in orders_stages(stack):
            await asyncio.sleep(0.05)
        await paced(rate, seconds, register)
        deadline = time.monotonic() + 60
        while len(orders_stages(stack)) < expected + 1 and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
    finally:
        relaying.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relaying
        await producer.stop()
        app.close()
    reactions = orders_stages(stack)
    commits = event_times(stack.config.data_dir / "customers.sqlite", "Customer.Registered")
    stages: dict[str, list[float]] = {stage: [] for stage in STAGES}
    for customer, created in commits.items():
        if customer not in reactions or customer == warm_up.id.hex:
            continue
        at = {
            "made": created.timestamp(),
            "committed": committed_at[customer],
            "read": read_at[customer],
            "sent": sent_at[customer],
            "acked": acked_at[customer],
            **{f"orders {k}": v for k, v in reactions[customer].items()},
        }
        for stage, (start, end) in STAGES.items():
            stages[stage].append((at[end] - at[start]) * 1000)
    return stages


STAGES_FILE = "bench-stages.jsonl"


def orders_stages(stack: Stack) -> dict[str, dict[str, float]]:
    """customer id (hex) -> orders' stage times for its record (``bench.traced_orders``)."""
    path = stack.config.data_dir / STAGES_FILE
    if not path.exists():
        return {}
    found = {}
    for line in path.read_text().splitlines():
        if line.endswith("}"):  # a line still being written is left for the next read
            times = json.loads(line)
            found[UUID(times.pop("key")).hex] = times
    return found


# Stage -> (from, to), in the order an event passes them; the broker's acknowledgement comes
# meanwhile (orders may receive an event before the relay has its ack).
STAGES = {
    "event made -> committed (the command's commit returned)": ("made", "committed"),
    "committed -> read by the relay": ("committed", "read"),
    "read -> sent by the relay": ("read", "sent"),
    "  (sent -> acknowledged, acks=all)": ("sent", "acked"),
    "sent -> received by orders' consumer": ("sent", "orders received"),
    "received -> decoded": ("orders received", "orders decoded"),
    "decoded -> reaction made": ("orders decoded", "orders applied"),
    "reaction made -> committed": ("orders applied", "orders committed"),
    "total: event made -> reaction committed": ("made", "orders committed"),
}
TOTAL = "total: event made -> reaction committed"


async def measure(rate: float, seconds: float) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config = StackConfig.on_free_ports(
            root / "data",
            services=("orders",),
            log_level="WARNING",
            modules={"orders": "bench.traced_orders"},
            extra_env={"COUNTERSIGN_BENCH_STAGES": str(root / "data" / STAGES_FILE)},
        )
        sink = FileSink(root / "logs")
        async with Stack(config, sink) as stack:
            service = await service_latencies(stack, rate, seconds)
            raw = await raw_kafka_latencies(stack.bootstrap, rate, seconds)
        sink.close()
    expected = int(rate * seconds)
    total = service[TOTAL]
    s50, s99 = percentiles(total)
    r50, r99 = percentiles(raw)
    print(f"steady rate {rate:g} events/s for {seconds:g}s ({expected} events)")
    for stage in STAGES:
        if stage != TOTAL:
            p50, p99 = percentiles(service[stage])
            print(f"  {stage:<56} p50={p50:6.1f}ms p99={p99:6.1f}ms")
    print(
        f"event made -> reaction committed (customers -> orders): p50={s50:.1f}ms p99={s99:.1f}ms "
        f"({len(total)} measured)"
    )
    print(
        f"{'raw aiokafka produce -> consume:':<56} p50={r50:.1f}ms p99={r99:.1f}ms "
        f"({len(raw)} measured)"
    )
    ratio = s99 / r99
    print(f"ratio={ratio:.2f}")
    return ratio


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args(argv)
    return asyncio.run(measure(args.rate, args.seconds))


if __name__ == "__main__":
    main()
