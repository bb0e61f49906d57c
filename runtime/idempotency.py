"""Idempotent commands: a client that lost a command's answer (the service died after the commit,
the connection dropped) sends it again with the same ``Idempotency-Key`` and gets the first
answer back, with no second effect.

A command request carrying a key runs as usual, but its unit of work is committed only once the
route has answered, together with a ``CommandReceipt``: a small aggregate whose id is derived
from the service, the actor and the key, holding a fingerprint of the request and the answer.
Receipt and effects commit in one transaction, so either both exist or neither does, and the
store's optimistic concurrency (a second version 1 of the receipt's stream is refused) makes a
concurrent duplicate fail as a whole: it is answered from the receipt that won. A key sent again
with another request is refused (``IDEMPOTENCY``).
"""

from __future__ import annotations

import contextvars
import hashlib
from dataclasses import dataclass
from typing import Any, Self
from uuid import UUID, uuid5

from runtime.aggregate import Aggregate, RuleViolation
from runtime.unit_of_work import UnitOfWork

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
_NAMESPACE = UUID("9b0c7a56-1f3e-4c52-8a1d-3c0f6f2f4e11")


def receipt_id(service: str, actor: str, key: str) -> UUID:
    """One receipt per (service, actor, key): two users' keys never collide."""
    return uuid5(_NAMESPACE, f"{service}\n{actor}\n{key}")


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    """What makes two requests the same request."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class CommandReceipt(Aggregate):
    """The answer a keyed command request was given, kept so a retry gets it again."""

    def __init__(self) -> None:
        self.fingerprint: str
        self.status: int
        self.media_type: str
        self.body: str

    class Recorded(Aggregate.Created):
        fingerprint: str
        status: int
        media_type: str
        body: str

    @classmethod
    def record(cls, id: UUID, fingerprint: str, status: int, media_type: str, body: str) -> Self:
        return cls._create(
            cls.Recorded,
            id=id,
            fingerprint=fingerprint,
            status=status,
            media_type=media_type,
            body=body,
        )

    def check_same_request(self, fingerprint: str) -> None:
        # A key names one request: reusing it for another is the client's bug, never a replay.
        if fingerprint != self.fingerprint:
            raise RuleViolation(
                "IDEMPOTENCY",
                f"this {HEADER} was already used for another request",
                receipt_id=str(self.id),
            )


class Replayed(Exception):
    """The request was answered before: answer it again from its receipt."""

    def __init__(self, receipt: CommandReceipt) -> None:
        super().__init__(f"replayed from receipt {receipt.id}")
        self.receipt = receipt


@dataclass
class KeyedRequest:
    """The command request being served with a key: what the route's commands changed waits in
    ``unit`` until the answer is known, then commits with the receipt (``runtime.http``)."""

    key: str
    fingerprint: str
    unit: UnitOfWork | None = None
    receipt_id: UUID | None = None
    application: Any = None
    """The ServiceApplication whose store the unit commits to."""


keyed_request: contextvars.ContextVar[KeyedRequest | None] = contextvars.ContextVar(
    "keyed_request", default=None
)
