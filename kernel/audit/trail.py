"""The audit trail of one document, read straight from the stores (like ``verify``).

The document's own stream says who requested, approved or rejected it in which role under which
policy version, what version hash they saw, who signed in what capacity, and any invalidations
and voids. Other services record what the same conversation caused under the upstream
correlation id (``meta.correlation_id``), so events in the other stores that carry one of the
document's correlation ids complete the story.

Which store holds a document needs no table: the stream's first event names its aggregate class
(``originator_topic``), and an approvable document's class says its ``document_type``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.utils import TopicError, resolve_topic

from kernel.approvals.domain import Approvable
from kernel.audit.verify import Row, StoredEvents
from runtime.store.chain import unseal

_LEFT_OUT = frozenset(
    {"timestamp", "meta", "originator_topic", "signature", "seal", "approval_signature", "image"}
)
"""Not part of the story: stream bookkeeping, signatures (`audit verify` checks them), and a
customer's drawing (its hash is in the answer; the document's signatures route serves it)."""


@dataclass(frozen=True)
class TrailEntry:
    service: str
    stream: UUID
    version: int
    at: datetime
    event: str
    """The event class's qualified name, e.g. ``Approvable.ApprovalGranted``."""
    actor: str | None
    correlation_id: str | None
    details: dict[str, Any]
    """The event's own fields; encoded values (UUID, Decimal, datetime...) as text."""

    def as_json(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "stream": str(self.stream),
            "version": self.version,
            "at": self.at.isoformat(),
            "event": self.event,
            "actor": self.actor,
            "correlation_id": self.correlation_id,
            "details": self.details,
        }


@dataclass(frozen=True)
class Trail:
    document_type: str
    document_id: UUID
    service: str
    events: list[TrailEntry]
    """The document's own events, in version order."""
    related: list[TrailEntry]
    """Events in the other stores under one of the document's correlation ids, in time order."""

    def as_json(self) -> dict[str, Any]:
        return {
            "document_type": self.document_type,
            "document_id": str(self.document_id),
            "service": self.service,
            "events": [entry.as_json() for entry in self.events],
            "related": [entry.as_json() for entry in self.related],
        }


class DocumentNotFound(Exception):
    def __init__(self, document_type: str, document_id: UUID, elsewhere: list[str]) -> None:
        message = f"no {document_type} {document_id} in any store"
        if elsewhere:
            message += f"; that id is {', '.join(elsewhere)}"
        super().__init__(message)


def document_trail(
    stores: Mapping[str, StoredEvents], document_type: str, document_id: UUID
) -> Trail:
    """The trail of the ``document_type`` whose id is ``document_id``, from ``stores`` (by
    service)."""
    service, rows = _find(stores, document_type, document_id)
    events = [_entry(service, row) for row in rows]
    correlation_ids = {e.correlation_id for e in events if e.correlation_id is not None}
    # A byte search finds the candidates in the database; the decoded meta decides.
    needles = [c.encode() for c in sorted(correlation_ids)]
    related = [
        entry
        for other, store in stores.items()
        if other != service
        for entry in (_entry(other, row) for row in store.mentioning(needles))
        if entry.correlation_id in correlation_ids
    ]
    related.sort(key=lambda e: (e.at, e.service, e.stream, e.version))
    return Trail(document_type, document_id, service, events, related)


def _find(
    stores: Mapping[str, StoredEvents], document_type: str, document_id: UUID
) -> tuple[str, list[Row]]:
    elsewhere = []
    for service, store in stores.items():
        rows = store.stream(document_id)
        if not rows:
            continue
        topic = _body(rows[0]).get("originator_topic")
        if not isinstance(topic, str):
            topic = rows[0][2]  # not a created event: name it by its own topic
        if getattr(_resolve(topic), "document_type", None) == document_type:
            return service, rows
        elsewhere.append(f"a {_qualname(topic)} in {service}")
    raise DocumentNotFound(document_type, document_id, elsewhere)


def _resolve(topic: str) -> type[Approvable] | None:
    try:
        found = resolve_topic(topic)
    except TopicError:
        return None
    return found if isinstance(found, type) and issubclass(found, Approvable) else None


def _body(row: Row) -> dict[str, Any]:
    return _decoded(row[3])


def _decoded(state: bytes) -> dict[str, Any]:
    body: dict[str, Any] = orjson.loads(unseal(state)[2])
    return body


def _qualname(topic: str) -> str:
    return topic.partition(":")[2] or topic


def _entry(service: str, row: Row) -> TrailEntry:
    stream_id, version, topic, state, _ = row
    return stored_entry(service, UUID(stream_id), version, topic, state)


def stored_entry(service: str, stream: UUID, version: int, topic: str, state: bytes) -> TrailEntry:
    """One stored event (its state as stored, chain header included) as a trail entry."""
    body = _decoded(state)
    meta = body.get("meta") or {}
    return TrailEntry(
        service=service,
        stream=stream,
        version=version,
        at=datetime.fromisoformat(body["timestamp"]["_data_"]),
        event=_qualname(topic),
        actor=meta.get("actor"),
        correlation_id=meta.get("correlation_id"),
        details={k: _plain(v) for k, v in body.items() if k not in _LEFT_OUT},
    )


def _plain(value: Any) -> Any:
    """A transcoded value as text (``{"_type_": "uuid_hex", "_data_": ...}`` → the UUID)."""
    if isinstance(value, dict):
        if value.keys() == {"_type_", "_data_"}:
            if value["_type_"] == "uuid_hex":
                return str(UUID(value["_data_"]))
            return _plain(value["_data_"])
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
