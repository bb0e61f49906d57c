"""One service = one process: HTTP server, subscribers, outbox relay, projections and timers
(ARCHITECTURE.md §2). The runtime mounts whatever the service's spec and its application's
features declare."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import uvicorn
from aiokafka import AIOKafkaProducer
from eventsourcing.persistence import Recording
from fastapi import APIRouter, FastAPI
from faststream.kafka import KafkaBroker

from contracts import IntegrationEvent, events_topic
from runtime import metrics
from runtime.application import ServiceApplication, Timer
from runtime.auth import authenticator_for
from runtime.http import create_http_app
from runtime.inbox import Inbox, Waits, subscriptions
from runtime.kafka import KafkaLink, new_consuming_broker
from runtime.leader import ServiceLock
from runtime.operations import operations
from runtime.outbound import Outbound
from runtime.relay import OutboxRelay, RelayLock
from runtime.retry import Wakeup
from runtime.settings import Settings
from runtime.signing import private_key_path, require_key_ring, service_key_id
from runtime.witness import Checkpointer, Witness

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceSpec:
    """A service's composition root: its application, its own routes, what it publishes."""

    application: type[ServiceApplication]
    routers: Sequence[APIRouter]
    outbound: Outbound
    """What the service's own domain events are published as."""

    @property
    def name(self) -> str:
        return self.application.service_name

    def all_routers(self) -> list[APIRouter]:
        """The service's own routes, then those of every feature its application inherits."""
        return [*self.routers, *(r for f in self.application.features() for r in f.routers)]

    def timers(self) -> list[Timer]:
        return [timer for feature in self.application.features() for timer in feature.timers]

    @functools.cached_property
    def publishing(self) -> Outbound:
        """Everything the service publishes: its own events and its features' events."""
        return self.outbound.including(*(f.published for f in self.application.features()))

    def consumed(self) -> tuple[type[IntegrationEvent], ...]:
        return tuple(self.application.policies())


def new_producer(settings: Settings) -> AIOKafkaProducer:
    # acks=all: a message counts as published only once the broker has it. Idempotence stays off:
    # the embedded broker does not support it, and consumers record every position they applied
    # anyway. No linger: what the relay sends in one turn of the loop goes out together already.
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap,
        acks="all",
        enable_idempotence=False,
        linger_ms=0,
        request_timeout_ms=15000,
        max_request_size=settings.kafka_max_message_bytes,
    )


async def keep_projections_current(application: ServiceApplication, settings: Settings) -> None:
    """Apply new events to the read tables soon after they commit (a poll catches commits made by
    other processes on the same store). Under load the commits of one interval are applied
    together: one transaction for many events, not one per commit."""
    wake = Wakeup()
    read_models = application.read_models

    def committed(recordings: list[Recording[Any]]) -> None:
        # Events no projection reads are passed over at the next poll, without a wake-up.
        if any(read_models.reads(r.notification.topic) for r in recordings):
            wake.set_from_thread()

    application.on_commit(committed)
    while True:
        wake.clear()
        try:
            await asyncio.to_thread(application.catch_up_projections)
        except Exception:
            log.exception("projections failed to catch up; trying again")
        await asyncio.sleep(settings.projection_interval_seconds)
        await wake.wait(settings.relay_poll_seconds)


async def run_timer(
    application: ServiceApplication, timer: Timer, settings: Settings, lock: ServiceLock
) -> None:
    """Tick while this instance leads the service (``lock``): replicas would otherwise act on
    the same documents at the same moment, and the second would be refused or do it twice."""
    while True:
        await asyncio.sleep(timer.interval(settings))
        try:
            if not await asyncio.to_thread(lock.try_acquire):
                continue
            await asyncio.to_thread(timer.tick, application)
        except Exception:
            metrics.TIMER_FAILURES.labels(timer.name).inc()
            log.exception("timer %s failed; trying again at the next tick", timer.name)
        else:
            metrics.TIMER_LAST_RUN.labels(timer.name).set_to_current_time()


def build_app(
    spec: ServiceSpec,
    settings: Settings,
    relay_class: type[OutboxRelay] = OutboxRelay,
    *,
    application: ServiceApplication | None = None,
) -> FastAPI:
    """The service's HTTP app; its lifespan opens the store, then connects to Kafka and runs the
    relay, projections and timers in the background. Given an ``application``, the app serves
    that one and runs nothing in the background (tests, tools)."""

    @contextlib.asynccontextmanager
    async def serving(app: FastAPI) -> AsyncIterator[None]:
        app.state.application = application
        yield

    def lock_for(job: str) -> ServiceLock:
        return ServiceLock(spec.name, job, settings.data_dir, settings.database_url)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Without its keys a service could neither sign nor check a signature: it does not start.
        require_key_ring(settings.keys_path, spec.name)
        # HTTP serves as soon as the store is open; Kafka connects in the background. Replicas
        # starting together create the store's tables one after the other.
        with lock_for("schema").held():
            application = spec.application(settings)
            witness = Witness(application, settings)
        app.state.application = application
        producer = new_producer(settings)

        waits = app.state.waits = Waits()

        def new_brokers() -> list[KafkaBroker]:
            """One broker, and so one consumer group, per subscription (see batch_subscriber)."""
            inbox = Inbox(application, producer, settings, waits)
            brokers = []
            for subscription in subscriptions(spec.application):
                inbox.subscribe(broker := new_consuming_broker(settings), subscription)
                brokers.append(broker)
            witness.subscribe(broker := new_consuming_broker(settings))
            return [*brokers, broker]

        link = app.state.kafka = KafkaLink(
            producer, new_brokers, start_timeout=settings.consumer_start_timeout_seconds
        )
        # The instance that leads the service signs its checkpoints and runs its timers.
        lead = lock_for("leader")
        relay = app.state.relay = relay_class(
            application,
            producer,
            events_topic(spec.name),
            spec.publishing,
            RelayLock(spec.name, settings.data_dir, settings.database_url),
            batch_size=settings.relay_batch_size,
            poll_seconds=settings.relay_poll_seconds,
            save_seconds=settings.relay_save_seconds,
        )
        work = {
            f"{spec.name}-kafka": link.connect(),
            f"{spec.name}-relay": relay.run(link.producing),
            f"{spec.name}-checkpoints": Checkpointer(application, producer, settings, lead).run(
                link.producing
            ),
            f"{spec.name}-projections": keep_projections_current(application, settings),
            **{
                f"{spec.name}-{timer.name}": run_timer(application, timer, settings, lead)
                for timer in spec.timers()
            },
        }
        tasks = {name: asyncio.create_task(job, name=name) for name, job in work.items()}
        app.state.relay_task = tasks[f"{spec.name}-relay"]  # /ready checks that it runs
        # What start-up made (modules, routes, the application) lives as long as the service:
        # frozen out of the collector's reach, a full collection costs what the requests and
        # reactions left, not the whole heap (a pause of tens of milliseconds under load).
        gc.freeze()
        try:
            yield
        finally:
            for task in tasks.values():
                task.cancel()
            for task in tasks.values():
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            lead.release()
            await link.close()
            application.close()

    app = create_http_app(
        spec.name,
        authenticator_for(settings),
        spec.all_routers(),
        lifespan if application is None else serving,
        settings.max_request_bytes,
    )
    app.state.application = application
    app.include_router(operations)
    return app


def missing_files(service: str, settings: Settings) -> list[str]:
    """The files ``service`` reads that are not there, each with the setting that locates it.
    Its own private key is one: it signs the store's checkpoints and seals customers'
    signatures, so without it tampering with the database could go unseen."""
    wanted = [
        *settings.files_read(),
        ("keys_dir", private_key_path(settings.keys_path, service_key_id(service))),
    ]
    return [
        f"{path} (COUNTERSIGN_{setting.upper()})" for setting, path in wanted if not path.is_file()
    ]


def run_service(spec: ServiceSpec, relay_class: type[OutboxRelay] = OutboxRelay) -> None:
    settings = spec.application.settings_class()
    missing = missing_files(spec.name, settings)
    if missing:
        # Refused at once rather than failing each signature check later, unexplained.
        raise SystemExit(f"{spec.name} cannot start, missing: {', '.join(missing)}")
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    uvicorn.run(
        build_app(spec, settings, relay_class),
        host=settings.http_host,
        port=settings.port_for(spec.name),
        log_level=settings.log_level.lower(),
        access_log=False,
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
    )
