"""The envelope every integration message travels in, and the base class of contract payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict


class UnknownContractError(LookupError):
    """An (event type, schema version) pair that this build does not know."""


class IntegrationEvent(BaseModel):
    """A published event payload. Subclasses name their type, version and topic.

    Consumers are tolerant readers (unknown fields are ignored), so adding an optional field is
    a compatible change that old consumers survive during a rolling deploy.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    schema_version: ClassVar[int]
    producer: ClassVar[str]


class Envelope(BaseModel):
    """Metadata that lets any consumer dedupe, order, trace and audit a message."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: UUID
    event_type: str
    schema_version: int
    occurred_at: datetime
    producer: str
    # The producer's notification-log id: increases along each partition, so a consumer
    # recognises a redelivered or republished message by it (invariant 3).
    position: int
    aggregate_id: UUID
    aggregate_version: int
    correlation_id: UUID
    causation_id: UUID | None
    actor: str
    payload: dict[str, Any]
