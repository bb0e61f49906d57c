"""One service = one process: HTTP server, subscribers, outbox relay (ARCHITECTURE.md §2)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import uvicorn
from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, FastAPI
from faststream.kafka import KafkaBroker

from chassis.application import ServiceApplication
from chassis.approvals.deadlines import run_approval_timer
from chassis.auth import UserDirectory
from chassis.http import create_http_app
from chassis.inbox import Inbox, Subscription
from chassis.relay import ContractMapper, OutboxRelay, RelayLock
from chassis.settings import Settings
from contracts import events_topic

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    application: Callable[[Settings], ServiceApplication]
    routers: Sequence[APIRouter]
    to_contract: ContractMapper
    # Builds the inbound subscriptions around the running application's policies.
    subscriptions: Callable[[Any], Sequence[Subscription]]


def new_producer(settings: Settings) -> AIOKafkaProducer:
    # acks=all: a message counts as published only once the broker has it. Idempotence stays off:
    # the embedded broker does not support it, and consumers dedupe by position anyway.
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap,
        acks="all",
        enable_idempotence=False,
        linger_ms=2,
        request_timeout_ms=15000,
    )


def build_app(
    spec: ServiceSpec, settings: Settings, relay_class: type[OutboxRelay] = OutboxRelay
) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        application = spec.application(settings)
        app.state.application = application
        producer = new_producer(settings)
        await producer.start()
        broker = KafkaBroker(settings.kafka_bootstrap, logger=log)
        inbox = Inbox(application, producer, settings)
        for subscription in spec.subscriptions(application):
            inbox.subscribe(broker, subscription)
        await broker.start()
        relay = relay_class(
            application,
            producer,
            events_topic(spec.name),
            spec.to_contract,
            RelayLock(spec.name, settings.data_dir, settings.database_url),
            batch_size=settings.relay_batch_size,
            poll_seconds=settings.relay_poll_seconds,
        )
        tasks = [
            asyncio.create_task(relay.run(), name=f"{spec.name}-relay"),
            asyncio.create_task(
                run_approval_timer(application, settings.timer_seconds),
                name=f"{spec.name}-approval-timer",
            ),
        ]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await broker.stop()
            await producer.stop()
            application.close()

    users = UserDirectory.load(settings.users_file)
    return create_http_app(spec.name, users, spec.routers, lifespan)


def run_service(spec: ServiceSpec, relay_class: type[OutboxRelay] = OutboxRelay) -> None:
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    uvicorn.run(
        build_app(spec, settings, relay_class),
        host=settings.http_host,
        port=settings.port_for(spec.name),
        log_level=settings.log_level.lower(),
        access_log=False,
    )
