"""HTTP routes for approvals, signatures, the audit trail of a document, and the authority
matrix's versions. A service mounts ``document_routes(prefix)`` for each approvable document."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from chassis.application import ServiceApplication
from chassis.approvals.domain import (
    Approvable,
    Capacity,
    Method,
    approval_signing_fields,
)
from chassis.approvals.policy import GENERAL_MANAGER, policy_signing_fields
from chassis.approvals.service import Decision
from chassis.auth import EMPLOYEE_ROLES, Principal, requires
from chassis.domain import Aggregate, NotFound, RuleViolation
from chassis.http import application_of, command_context

App = Annotated[ServiceApplication, Depends(application_of(ServiceApplication))]
Employee = Annotated[Principal, Depends(requires(*EMPLOYEE_ROLES))]


class StepView(BaseModel):
    order: int
    name: str
    roles: list[str]
    status: str
    decided_by: str | None
    role: str | None


class ApprovalView(BaseModel):
    document_type: str
    document_id: UUID
    version_hash: str
    approval_id: UUID | None = None
    kind: str | None = None
    status: str | None = None
    policy_version: int | None = None
    approved_hash: str | None = None
    steps: list[StepView] = []
    next_step: str | None = None
    signing_fields: dict[str, Any] | None = Field(
        default=None, description="What the caller signs to grant the next step"
    )


class Decide(BaseModel):
    step: str
    version_hash: str = Field(description="The version the approver reviewed")
    signature: str = Field(description="Base64 Ed25519 signature over the signing fields")
    comment: str = Field(default="", max_length=2000, description="A rejection's reason")


class CaptureSignature(BaseModel):
    signer_id: str | None = Field(default=None, description="The employee's id, when one signs")
    signer_name: str = Field(min_length=1, max_length=200)
    capacity: Capacity
    signer_org: str = ""
    method: Method
    image_base64: str | None = Field(default=None, description="Scan or stroke data, base64")
    place: str = Field(min_length=1, max_length=200)
    signed_at: datetime
    seal: str = Field(description="The capturing employee's base64 Ed25519 signature")


class VoidSignature(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)
    requested_by: str
    approval_signature: str


class AuditEntry(BaseModel):
    at: datetime
    event: str
    actor: str | None
    correlation_id: str | None
    details: dict[str, Any]


def approval_view(document: Approvable, caller: str) -> ApprovalView:
    view = ApprovalView(
        document_type=document.document_type,
        document_id=document.id,
        version_hash=document.version_hash,
    )
    approval = document.approval
    if approval is None:
        return view
    pending = approval.next_step() if approval.status == "in_progress" else None
    view.approval_id = approval.approval_id
    view.kind = approval.kind
    view.status = approval.status
    view.policy_version = approval.policy_version
    view.approved_hash = approval.subject_version_hash
    view.steps = [
        StepView(
            order=s.order,
            name=s.name,
            roles=list(s.roles),
            status=s.status,
            decided_by=s.decided_by,
            role=s.role,
        )
        for s in approval.steps
    ]
    if pending is not None:
        view.next_step = pending.name
        view.signing_fields = approval_signing_fields(
            document.document_type,
            document.id,
            approval.approval_id,
            "grant",
            pending.name,
            document.version_hash,
            approval.policy_version,
            caller,
        )
    return view


audit = APIRouter(tags=["audit"])


@audit.get("/audit-trail/{document_id}")
def get_audit_trail(_: Employee, document_id: UUID, app: App) -> list[AuditEntry]:
    """Every event of one document (any stream of this service's store), in order."""
    entries = audit_trail(app, document_id)
    if not entries:
        raise NotFound("document", document_id)
    return entries


def audit_trail(app: ServiceApplication, document_id: UUID) -> list[AuditEntry]:
    """Every event of the document in order: who did what, in which role, under which policy
    version, on which version hash; signatures with capacity; invalidations and voids."""
    entries = []
    for event in app.events.get(document_id):
        assert isinstance(event, Aggregate.Event)
        fields = {
            k: v
            for k, v in vars(event).items()
            if k
            not in (
                "originator_id",
                "originator_version",
                "timestamp",
                "meta",
                "originator_topic",
                "signature",
                "seal",
                "approval_signature",
            )
        }
        meta = event.meta
        entries.append(
            AuditEntry(
                at=event.timestamp,
                event=type(event).__qualname__,
                actor=meta.get("actor"),
                correlation_id=meta.get("correlation_id"),
                details={
                    k: (str(v) if isinstance(v, UUID | Decimal | datetime) else v)
                    for k, v in fields.items()
                },
            )
        )
    return entries


def document_routes(prefix: str, tag: str) -> APIRouter:
    router = APIRouter(prefix=prefix, tags=[tag])

    @router.get("/{document_id}/approval")
    def get_approval(principal: Employee, document_id: UUID, app: App) -> ApprovalView:
        return approval_view(app.approvals.document(document_id), principal.user_id)

    @router.post("/{document_id}/approval/{decision}")
    def decide(
        principal: Employee,
        document_id: UUID,
        decision: Decision,
        body: Decide,
        request: Request,
        app: App,
    ) -> ApprovalView:
        document = app.approvals.decide(
            command_context(request, principal),
            principal.roles,
            document_id,
            decision,
            body.step,
            body.version_hash,
            body.signature,
            body.comment,
        )
        return approval_view(document, principal.user_id)

    @router.post("/{document_id}/signatures", status_code=201)
    def capture_signature(
        principal: Employee,
        document_id: UUID,
        body: CaptureSignature,
        request: Request,
        app: App,
    ) -> dict[str, UUID]:
        try:
            image = (
                base64.b64decode(body.image_base64, validate=True) if body.image_base64 else None
            )
        except binascii.Error:
            raise RuleViolation("INPUT", "image_base64 is not valid base64") from None
        signature_id = app.approvals.capture_signature(
            command_context(request, principal),
            document_id,
            body.signer_id,
            body.signer_name,
            body.capacity,
            body.signer_org,
            body.method,
            image,
            body.place,
            body.signed_at,
            body.seal,
        )
        return {"signature_id": signature_id}

    @router.post("/{document_id}/signatures/{signature_id}/void")
    def void_signature(
        principal: Employee,
        document_id: UUID,
        signature_id: UUID,
        body: VoidSignature,
        request: Request,
        app: App,
    ) -> dict[str, str]:
        app.approvals.void_signature(
            command_context(request, principal),
            principal.roles,
            document_id,
            signature_id,
            body.reason,
            body.requested_by,
            body.approval_signature,
        )
        return {"status": "voided"}

    return router


class ApprovePolicy(BaseModel):
    signature: str = Field(description="The general manager's base64 Ed25519 signature")


class PolicyView(BaseModel):
    policy_key: str
    configured_version: int
    configured_digest: str
    in_force_version: int | None
    signing_fields: dict[str, Any]


policies = APIRouter(prefix="/policies", tags=["authority matrix"])


def _policy_view(app: ServiceApplication) -> PolicyView:
    configured = app.approvals.configured
    try:
        in_force: int | None = app.approvals.matrix_in_force().version
    except RuleViolation:
        in_force = None
    return PolicyView(
        policy_key=configured.policy_key,
        configured_version=configured.version,
        configured_digest=configured.digest,
        in_force_version=in_force,
        signing_fields=policy_signing_fields(
            configured.policy_key, configured.version, configured.digest
        ),
    )


@policies.get("/authority-matrix")
def get_authority_matrix(_: Employee, app: App) -> PolicyView:
    return _policy_view(app)


@policies.post("/authority-matrix/{version}/approve")
def approve_authority_matrix(
    principal: Annotated[Principal, Depends(requires(GENERAL_MANAGER))],
    version: int,
    body: ApprovePolicy,
    request: Request,
    app: App,
) -> PolicyView:
    app.approvals.approve_policy(
        command_context(request, principal), principal.roles, version, body.signature
    )
    return _policy_view(app)
