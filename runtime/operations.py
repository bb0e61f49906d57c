"""What operators ask a running service: is it ready, is its relay flowing, and does any of
its consumers wait."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from runtime.application import ServiceApplication
from runtime.kafka import KafkaLink

operations = APIRouter(tags=["operations"])

READY = "ok"
# Each check waits this long at most: below the 4 s a healthcheck gives the whole request.
CHECK_SECONDS = 1.5


class Readiness(BaseModel):
    ready: bool
    waiting_for: list[str]
    """What is not ready: of the store, the Kafka producer, the relay, the Kafka consumers."""
    checks: dict[str, str]
    """Each of them and what was found: "ok", or what is wrong."""


class StuckEvent(BaseModel):
    position: int
    event: str
    error: str
    since: datetime
    attempts: int


class RelayStatus(BaseModel):
    active: bool
    """This process holds the relay lock (one relay per service publishes)."""
    position: int
    """The last notification published."""
    head: int
    """The newest notification the relay has seen."""
    lag: int
    stuck: StuckEvent | None
    """The event the relay cannot publish yet, and why."""


class WaitingTopic(BaseModel):
    topic: str
    rule: str
    reason: str
    since: datetime
    attempts: int


class InboxStatus(BaseModel):
    waiting: list[WaitingTopic]
    """Topics whose next message cannot be applied yet (a policy not in force), and why."""
    partitions: dict[str, list[int]]
    """The partitions of each topic this instance consumes now: its share of the consumer
    groups when the service runs replicas."""


@operations.get("/ready", responses={503: {"model": Readiness, "description": "Not yet"}})
async def ready(request: Request, response: Response) -> Readiness:
    """200 once the service does all its work: its store answers, the broker answers its
    producer, its relay runs and its consumers consume; 503, naming what is not ready, until
    then. Commands are served meanwhile: ``/health``, the liveness check, answers as soon as the
    store is open."""
    checks = await readiness_checks(request.app.state)
    waiting = [what for what, found in checks.items() if found != READY]
    if waiting:
        response.status_code = 503
    return Readiness(ready=not waiting, waiting_for=waiting, checks=checks)


async def readiness_checks(state: Any) -> dict[str, str]:
    """What ``/ready`` reports, from what the service's lifespan put on the app's state."""
    application: ServiceApplication | None = getattr(state, "application", None)
    kafka: KafkaLink | None = getattr(state, "kafka", None)
    relay_task: asyncio.Task[None] | None = getattr(state, "relay_task", None)
    checks = {"store": await _store(application)}
    if kafka is None:  # an app serving a given application runs nothing in the background
        return checks | dict.fromkeys(("kafka producer", "relay", "kafka consumers"), "not run")
    if not kafka.producing.is_set():
        checks["kafka producer"] = "not connected yet"
    else:
        checks["kafka producer"] = await kafka.broker_problem(CHECK_SECONDS) or READY
    checks["relay"] = _relay(relay_task)
    if not kafka.consuming.is_set():
        checks["kafka consumers"] = "not started yet"
    elif stopped := kafka.stopped_consumers():
        checks["kafka consumers"] = f"stopped consuming {', '.join(stopped)}"
    else:
        checks["kafka consumers"] = READY
    return checks


async def _store(application: ServiceApplication | None) -> str:
    if application is None:
        return "not open"
    try:
        async with asyncio.timeout(CHECK_SECONDS):
            await application.read(application.store_head)
    except TimeoutError:
        return f"did not answer within {CHECK_SECONDS:g}s"
    except Exception as error:
        return f"does not answer: {error}"
    return READY


def _relay(task: asyncio.Task[None] | None) -> str:
    """The relay runs until the service stops; a stopped one publishes nothing more. (One
    standing by while another process holds the lock runs too.)"""
    if task is None:
        return "not started"
    if not task.done():
        return READY
    error = None if task.cancelled() else task.exception()
    return f"stopped: {error!r}" if error else "stopped"


@operations.get("/relay")
async def relay_status(request: Request) -> RelayStatus:
    """The outbox relay of this process: how far it published, and what is stuck and why."""
    relay = getattr(request.app.state, "relay", None)
    if relay is None:  # not started
        return RelayStatus(active=False, position=0, head=0, lag=0, stuck=None)
    stuck = relay.stuck
    return RelayStatus(
        active=relay.active,
        position=relay.position,
        head=relay.head,
        lag=max(relay.head - relay.position, 0),
        stuck=StuckEvent.model_validate(stuck, from_attributes=True) if stuck else None,
    )


@operations.get("/inbox")
async def inbox_status(request: Request) -> InboxStatus:
    """What this service's consumers wait for: messages kept until their reaction is possible."""
    waits = getattr(request.app.state, "waits", None)
    link: KafkaLink | None = getattr(request.app.state, "kafka", None)
    return InboxStatus(
        waiting=[WaitingTopic.model_validate(w, from_attributes=True) for w in waits or ()],
        partitions=link.assigned() if link is not None else {},
    )
