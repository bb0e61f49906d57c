"""The embedded stack against a real Tansu broker: topics, messages, process control, and the
single-instance guard of `countersign up`."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from contracts.topics import SERVICES
from countersign.stack import (
    FileSink,
    RestartPolicy,
    Stack,
    StackConfig,
    StackError,
    free_port,
    topic_names,
    wait_for_broker,
)
from tests.e2e.api import eventually

ROOT = Path(__file__).resolve().parent.parent
PARTITIONS = 2

# Stand-ins for real services: the stack only needs a process that serves /health and /ready.
FAKE_SERVICE = """
import json, os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"status": "ok"}).encode()
        self.send_response(200 if self.path in ("/health", "/ready") else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

address = (os.environ["COUNTERSIGN_HTTP_HOST"], int(os.environ["COUNTERSIGN_HTTP_PORT"]))
server = ThreadingHTTPServer(address, Handler)
print("fake service up, broker", os.environ["COUNTERSIGN_KAFKA_BOOTSTRAP"], flush=True)
server.serve_forever()
"""
CRASHING_SERVICE = """
import sys
print("cannot start: no configuration", flush=True)
sys.exit(3)
"""


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    """One broker for the module; the tests start and stop services on it."""
    root = tmp_path_factory.mktemp("stack")
    (root / "fake_service.py").write_text(FAKE_SERVICE)
    (root / "crashing_service.py").write_text(CRASHING_SERVICE)
    config = StackConfig.on_free_ports(
        root / "data",
        services=("customers", "orders"),
        partitions=PARTITIONS,
        modules={"customers": "fake_service", "orders": "crashing_service"},
        extra_env={"PYTHONPATH": str(root)},
        startup_timeout=30.0,
    )
    sink = FileSink(root / "logs")
    stack = Stack(config, sink)
    try:
        await stack.start_broker()
        await stack.create_topics()
        yield stack
    finally:
        await stack.close()
        for source in ("broker", *config.services):
            # Shown by pytest only when a test failed.
            print(f"--- {source} log ---\n{sink.read(source)}")
        sink.close()


async def test_topics_exist_with_the_configured_partitions(stack: Stack) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.bootstrap)
    await admin.start()
    try:
        names = topic_names(SERVICES)
        assert set(names) <= set(await admin.list_topics())
        described = await admin.describe_topics(names)
    finally:
        await admin.close()
    assert {t["topic"]: len(t["partitions"]) for t in described} == dict.fromkeys(names, PARTITIONS)
    assert "service-desk.events.dlq" in names


async def test_creating_topics_again_is_harmless(stack: Stack) -> None:
    await stack.create_topics()


async def test_a_message_goes_through_the_broker(stack: Stack) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, acks="all")
    await producer.start()
    try:
        sent = await producer.send_and_wait("orders.events", b"hello", key=b"order-1")
    finally:
        await producer.stop()

    # Assigned, not subscribed: no group join to wait for.
    consumer = AIOKafkaConsumer(
        bootstrap_servers=stack.bootstrap, fetch_max_wait_ms=20, enable_auto_commit=False
    )
    await consumer.start()
    try:
        partition = TopicPartition("orders.events", sent.partition)
        consumer.assign([partition])
        consumer.seek(partition, sent.offset)
        record = await asyncio.wait_for(consumer.getone(), timeout=10)
    finally:
        await consumer.stop()
    assert (record.key, record.value) == (b"order-1", b"hello")


async def test_a_paused_broker_answers_again_after_resume(stack: Stack) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=stack.bootstrap, acks="all", request_timeout_ms=1000
    )
    await producer.start()
    try:
        stack.pause_broker()
        try:
            with pytest.raises(KafkaError):
                await producer.send_and_wait("billing.events", b"while paused")
        finally:
            stack.resume_broker()
        await asyncio.wait_for(producer.send_and_wait("billing.events", b"after"), timeout=10)
    finally:
        await producer.stop()


async def test_a_service_is_started_killed_and_started_again(stack: Stack) -> None:
    await stack.start("customers")
    try:
        async with httpx.AsyncClient() as client:
            assert (await client.get(f"{stack.url('customers')}/health")).status_code == 200
        assert await stack.kill("customers") == -signal.SIGKILL
        assert not stack.running("customers")

        await stack.start("customers")
        async with httpx.AsyncClient() as client:
            assert (await client.get(f"{stack.url('customers')}/health")).status_code == 200
    finally:
        assert await stack.stop("customers") == -signal.SIGTERM
    assert isinstance(stack.sink, FileSink)
    log = stack.sink.read("customers")
    assert log.count(f"fake service up, broker {stack.bootstrap}") == 2


async def test_a_service_that_dies_while_starting_is_reported(stack: Stack) -> None:
    with pytest.raises(StackError, match="orders exited with code 3 before it became healthy"):
        await stack.start("orders")
    assert isinstance(stack.sink, FileSink)
    assert "cannot start: no configuration" in stack.sink.read("orders")


async def _countersign(
    *args: str, stdout: int | None = asyncio.subprocess.PIPE
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "countersign.cli",
        *args,
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "200"},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=stdout,
        stderr=asyncio.subprocess.PIPE,
    )


async def _refused(*args: str) -> str:
    """Run a `countersign up` that must fail; return its error output, whitespace normalised."""
    process = await _countersign("up", *args)
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    output = (out + err).decode()
    assert process.returncode == 1, output
    assert "Traceback" not in output
    return " ".join(err.decode().split())


async def test_a_second_up_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    port = free_port()
    data_dir = tmp_path / "data"
    with (tmp_path / "first.out").open("wb") as first_out:
        first = await _countersign(
            "up",
            "--data-dir",
            str(data_dir),
            "--broker-port",
            str(port),
            "--services",
            "",
            stdout=first_out.fileno(),
        )
    try:
        await wait_for_broker(f"127.0.0.1:{port}", timeout=60, process=first)

        same_dir = await _refused("--data-dir", str(data_dir), "--broker-port", str(free_port()))
        assert "countersign is already running with data dir" in same_dir
        assert str(data_dir) in same_dir

        same_port = await _refused(
            "--data-dir", str(tmp_path / "other"), "--broker-port", str(port), "--services", ""
        )
        assert f"port {port} on 127.0.0.1 (for the broker) is already in use" in same_port

        first.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(first.wait(), timeout=30) == 0
    finally:
        if first.returncode is None:
            first.kill()
            await first.wait()
    assert first.stderr is not None
    assert "Traceback" not in (await first.stderr.read()).decode()
    assert "stopped with exit code 0" in (tmp_path / "first.out").read_text()


async def test_a_crashed_service_is_restarted_with_backoff_and_one_that_keeps_crashing_given_up(
    stack: Stack,
) -> None:
    """#15: `countersign up` supervises: a service that dies on its own comes back, and one
    that keeps dying is left down with a loud line in its log instead of spinning."""
    assert isinstance(stack.sink, FileSink)
    log = stack.sink.read
    await stack.start("customers", until="/health")
    with pytest.raises(StackError):
        await stack.start("orders", until="/health")  # its stand-in exits at once, every time
    policy = RestartPolicy(first_delay=0.1, max_delay=0.2, give_up_after=2)
    supervising = asyncio.create_task(stack.supervise(policy))
    try:
        crashed = stack.pid("customers")
        assert crashed is not None
        os.kill(crashed, signal.SIGKILL)  # a crash: not the stack stopping it

        async def restarted() -> bool:
            return stack.pid("customers") not in (None, crashed) and stack.running("customers")

        await eventually(restarted, what="customers to be restarted")
        assert "exited with code -9; restarting in 0.1s (crash 1 in a row" in log("customers")

        async def given_up() -> bool:
            return "GIVING UP" in log("orders")

        await eventually(given_up, what="the supervisor to give up on orders")
        told = log("orders")
        assert "exited with code 3; restarting in 0.1s (crash 1 in a row" in told
        assert "exited with code 3; restarting in 0.2s (crash 2 in a row" in told
        assert "GIVING UP: exited 2 times in a row (last code 3)" in told
        assert not stack.running("orders")
        async with httpx.AsyncClient() as client:
            assert (await client.get(f"{stack.url('customers')}/health")).status_code == 200
    finally:
        supervising.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await supervising
        await stack.stop("customers")
