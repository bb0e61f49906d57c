"""The envelope every integration message travels in, and the base class of contract payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict


class UnknownContractError(LookupError):
    """An (event type, schema version) pair that this build does not know."""


class IntegrationEvent(BaseModel):
    """A published event payload.

    Each service's contracts share one base that names the producer and the payload field holding
    the aggregate id: ``class OrderEvent(IntegrationEvent, producer="orders",
    aggregate_field="order_id")``. A contract's event type is its class name and its schema
    version 1, unless it says otherwise (``class CustomerRegisteredV2(CustomerEvent,
    event_type="CustomerRegistered", schema_version=2)``).

    Consumers are tolerant readers (unknown fields are ignored), so adding an optional field is
    a compatible change that old consumers survive during a rolling deploy.
    """

    # A field with a default is always sent: the schema of what is sent requires it.
    model_config = ConfigDict(
        frozen=True,
        extra="ignore",
        from_attributes=True,
        json_schema_serialization_defaults_required=True,
    )

    event_type: ClassVar[str]
    schema_version: ClassVar[int]
    producer: ClassVar[str]
    aggregate_field: ClassVar[str]
    """The payload field holding the id of the aggregate the event is about (the message key)."""

    def __init_subclass__(
        cls,
        *,
        producer: str | None = None,
        aggregate_field: str | None = None,
        event_type: str | None = None,
        schema_version: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if producer is not None:
            cls.producer = producer
        if aggregate_field is not None:
            cls.aggregate_field = aggregate_field
        cls.event_type = event_type or cls.__name__
        cls.schema_version = schema_version or 1


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
