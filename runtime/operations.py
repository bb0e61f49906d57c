"""What operators ask a running service: is it ready, is its relay flowing, and does any of
its consumers wait."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

operations = APIRouter(tags=["operations"])


class Readiness(BaseModel):
    ready: bool
    waiting_for: list[str]
    """What is not connected yet (the Kafka producer, the Kafka consumers)."""


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


@operations.get("/ready", responses={503: {"model": Readiness, "description": "Not yet"}})
async def ready(request: Request, response: Response) -> Readiness:
    """200 once connected to Kafka; 503, naming what is missing, until then. Commands are served
    meanwhile (``/health`` answers as soon as the store is open)."""
    kafka = getattr(request.app.state, "kafka", None)
    waiting = kafka.waiting_for() if kafka is not None else ["kafka producer", "kafka consumers"]
    if waiting:
        response.status_code = 503
    return Readiness(ready=not waiting, waiting_for=waiting)


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
    return InboxStatus(
        waiting=[WaitingTopic.model_validate(w, from_attributes=True) for w in waits or ()]
    )
