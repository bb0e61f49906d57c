"""Propagation: latency from a commit in one service to the commit of its reaction in another.

customers commits CustomerRegistered at a steady rate; its outbox relay publishes it; orders' inbox
commits the KnownCustomer reaction. Latency per event = the reaction's event time in
orders' store minus the original event's time in customers' store (one machine, one clock), and
its budget by stage: until the relay sent it (commit, the relay's wake-up and read), until the
broker acknowledged it, and until orders made its reaction (fetch, decode, apply).

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
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

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
    sent_at: dict[str, float] = {}
    acked_at: dict[str, float] = {}
    send = producer.send

    async def timed_send(topic: str, value: bytes, key: bytes) -> asyncio.Future[Any]:
        """The relay's sends, timed: when each event left the relay and when the broker acked."""
        customer = UUID(key.decode()).hex
        sent_at[customer] = time.time()
        acked = await send(topic, value=value, key=key)
        acked.add_done_callback(lambda _: acked_at.setdefault(customer, time.time()))
        return acked

    producer.send = timed_send  # type: ignore[method-assign]
    gc.freeze()  # as a service does once started (runtime.service)
    relaying = asyncio.create_task(relay.run())
    clerk = CommandContext(actor="salesperson")

    async def register(i: int) -> None:
        await app.perform(app.register_customer, clerk, f"Bench {i}", "salesperson")

    expected = int(rate * seconds)
    database = stack.config.data_dir / "orders.sqlite"
    try:
        # Warm-up, not measured: wait until orders reacts at all (its group has joined).
        warm_up = await asyncio.to_thread(app.register_customer, clerk, "Warm-up", "salesperson")
        while not event_times(database, "KnownCustomer.Registered"):
            await asyncio.sleep(0.05)
        await paced(rate, seconds, register)
        deadline = time.monotonic() + 60
        while len(event_times(database, "KnownCustomer.Registered")) < expected + 1:
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
    finally:
        relaying.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relaying
        await producer.stop()
        app.close()
    reactions = event_times(database, "KnownCustomer.Registered")
    commits = event_times(stack.config.data_dir / "customers.sqlite", "Customer.Registered")
    stages: dict[str, list[float]] = {stage: [] for stage in STAGES}
    for customer, created in commits.items():
        if customer not in reactions or customer == warm_up.id.hex:
            continue
        at = (
            created.timestamp(),
            sent_at[customer],
            acked_at[customer],
            reactions[customer].timestamp(),
        )
        for stage, (start, end) in zip(STAGES, ((0, 1), (1, 2), (1, 3), (0, 3)), strict=True):
            stages[stage].append((at[end] - at[start]) * 1000)
    return stages


STAGES = (
    "event made -> committed, read and sent by the relay",
    "sent -> acknowledged (acks=all)",
    "sent -> consumed, decoded, reaction made",
    "total: event made -> reaction made",
)


async def measure(rate: float, seconds: float) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config = StackConfig.on_free_ports(root / "data", services=("orders",), log_level="WARNING")
        sink = FileSink(root / "logs")
        async with Stack(config, sink) as stack:
            service = await service_latencies(stack, rate, seconds)
            raw = await raw_kafka_latencies(stack.bootstrap, rate, seconds)
        sink.close()
    expected = int(rate * seconds)
    total = service[STAGES[-1]]
    s50, s99 = percentiles(total)
    r50, r99 = percentiles(raw)
    print(f"steady rate {rate:g} events/s for {seconds:g}s ({expected} events)")
    for stage in STAGES[:-1]:
        p50, p99 = percentiles(service[stage])
        print(f"  {stage:<52} p50={p50:6.1f}ms p99={p99:6.1f}ms")
    print(
        f"event made -> reaction made (customers -> orders): p50={s50:.1f}ms p99={s99:.1f}ms "
        f"({len(total)} measured)"
    )
    print(
        f"raw aiokafka produce -> consume:                      p50={r50:.1f}ms p99={r99:.1f}ms "
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
