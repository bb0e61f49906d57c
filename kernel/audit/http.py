"""``GET /audit-trail/{id}``: the story of one document of this service's own store."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from kernel.audit.queries import AuditTrailQueries
from kernel.audit.trail import TrailEntry
from kernel.roles import EMPLOYEES
from runtime.auth import Principal, requires
from runtime.http import application_of

router = APIRouter(tags=["audit"])


@router.get("/audit-trail/{document_id}")
def get_audit_trail(
    _: Annotated[Principal, Depends(requires(*EMPLOYEES))],
    document_id: UUID,
    app: Annotated[AuditTrailQueries, Depends(application_of(AuditTrailQueries))],
) -> list[TrailEntry]:
    """Every event of one document of this service, in order (``countersign audit trail``
    follows it into the other services)."""
    return app.audit_trail(document_id)
