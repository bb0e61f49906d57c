"""Each document's latest request for a customer's signature: open, signed, declined, expired."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import Field
from sqlalchemy import Connection, Select, func, select

from kernel.signing.domain import RequestStatus, Signable
from runtime.figures import Figure
from runtime.projections import Projection
from runtime.views import ReadTable, View, identity


class SigningRequestView(View):
    document_id: UUID = identity("document_id")
    document_type: str = Field(max_length=50)
    request_id: UUID
    contact_name: str = Field(max_length=200)
    requested_by: str = Field(max_length=100)
    requested_at: datetime
    expires_at: datetime
    status: str = Field(max_length=20, description="open, signed, declined or expired")
    answered_at: datetime | None


SIGNING_REQUESTS = ReadTable(
    SigningRequestView,
    "signing_requests",
    sortable=("requested_at", "expires_at"),
    filters=("status", "document_type"),
)
signing_requests = Projection("signing_requests", SIGNING_REQUESTS.table)


@signing_requests.on(Signable.SigningRequested)
def _requested(event: Signable.SigningRequested, db: Connection) -> None:
    SIGNING_REQUESTS.delete(db, event)
    SIGNING_REQUESTS.insert(
        db, event, requested_at=event.timestamp, status=RequestStatus.OPEN, answered_at=None
    )


@signing_requests.on(Signable.CustomerSigned)
def _signed(event: Signable.CustomerSigned, db: Connection) -> None:
    SIGNING_REQUESTS.update(
        db, event, status=RequestStatus.SIGNED, answered_at=event.answer.answered_at
    )


@signing_requests.on(Signable.SigningDeclined)
def _declined(event: Signable.SigningDeclined, db: Connection) -> None:
    SIGNING_REQUESTS.update(
        db, event, status=RequestStatus.DECLINED, answered_at=event.answer.answered_at
    )


@signing_requests.on(Signable.SigningExpired)
def _expired(event: Signable.SigningExpired, db: Connection) -> None:
    # A superseded request's row already shows its successor.
    columns = SIGNING_REQUESTS.table.c
    current = db.execute(
        select(columns.request_id).where(columns.document_id == event.originator_id)
    ).scalar()
    if current == event.request_id:
        SIGNING_REQUESTS.update(db, event, status=RequestStatus.EXPIRED)


def documents_with_lapsed_links(db: Connection, now: datetime) -> list[UUID]:
    """Documents whose open link is past its time."""
    columns = SIGNING_REQUESTS.table.c
    query = select(columns.document_id).where(
        columns.status == RequestStatus.OPEN, columns.expires_at < now
    )
    return list(db.execute(query).scalars())


def _open_requests(app: Any, now: datetime) -> Select[Any]:
    columns = SIGNING_REQUESTS.table.c
    still_open = columns.status == RequestStatus.OPEN
    return (
        select(columns.document_type, func.count())
        .where(still_open)
        .group_by(columns.document_type)
    )


SIGNING_FIGURES = (
    Figure(
        "countersign_signatures_requested_not_captured",
        "Customers' signatures requested whose link is still open (neither signed, declined nor "
        "expired), by document type.",
        _open_requests,
        labels=("document_type",),
        rule="XC-02",
    ),
)
