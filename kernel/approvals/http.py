"""HTTP routes for approvals, signatures and the authority matrix's versions. A service mounts
``document_routes(prefix, tag)`` for each of its approvable documents; the approvals feature
mounts the rest."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from contracts.values import (
    Amount,
    Digest,
    Instant,
    LongText,
    Name,
    ShortText,
    Signature,
    StepName,
    UserId,
)
from kernel.application import PolicyNotInForce
from kernel.approvals.commands import Action, ApprovalCommands, Decision
from kernel.approvals.domain import (
    Approvable,
    Capacity,
    MajorMatterReport,
    MajorMatterState,
    Method,
    SignatureCapture,
)
from kernel.approvals.projections import PENDING, PendingApproval
from kernel.policy.domain import policy_signing_fields
from kernel.roles import EMPLOYEES, Role
from runtime.aggregate import RuleViolation
from runtime.auth import Principal, acting_as, requires
from runtime.http import application_of
from runtime.signing import CURRENT_FORM
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest

App = Annotated[ApprovalCommands, Depends(application_of(ApprovalCommands))]
Employee = Annotated[Principal, Depends(requires(*EMPLOYEES))]
ActingEmployee = Annotated[CommandContext, Depends(acting_as(*EMPLOYEES))]


class StepView(BaseModel):
    order: int
    name: str
    roles: list[str]
    status: str
    decided_by: str | None
    role: str | None


SIGNED_BYTES = Field(
    default=CURRENT_FORM,
    description="What is signed: the signing fields' canonical JSON by RFC 8785 (JCS), "
    "signed with the employee's Ed25519 key",
)


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
    canonicalization: str = SIGNED_BYTES

    @classmethod
    def of(cls, document: Approvable, caller: str) -> ApprovalView:
        view = cls(
            document_type=document.document_type,
            document_id=document.id,
            version_hash=document.version_hash,
        )
        approval = document.approval
        if approval is None:
            return view
        pending = approval.next_step() if approval.status == "in_progress" else None
        return view.model_copy(
            update={
                "approval_id": approval.approval_id,
                "kind": approval.kind,
                "status": approval.status,
                "policy_version": approval.policy_version,
                "approved_hash": approval.subject_version_hash,
                "steps": [
                    StepView(
                        order=s.step.order,
                        name=s.step.name,
                        roles=list(s.roles),
                        status=s.status,
                        decided_by=s.decided_by,
                        role=s.role,
                    )
                    for s in approval.steps
                ],
                "next_step": pending.step.name if pending else None,
                "signing_fields": (
                    document.decision_to_sign("grant", pending.step.name, caller).fields()
                    if pending
                    else None
                ),
            }
        )


class Decide(BaseModel):
    step: StepName
    version_hash: Digest = Field(description="The version the approver reviewed")
    signature: Signature = Field(
        description="Base64 Ed25519 signature over the signing fields' RFC 8785 canonical JSON"
    )
    comment: LongText | Literal[""] = Field(default="", description="A rejection's reason")


class CaptureSignature(BaseModel):
    signer_id: UserId | None = Field(default=None, description="The employee's id, when one signs")
    signer_name: Name
    capacity: Capacity
    signer_org: ShortText = ""
    method: Method
    image_base64: str | None = Field(
        default=None,
        max_length=700_000,
        pattern=r"^[A-Za-z0-9+/]*={0,2}$",
        description="Scan or stroke data, base64 (about 500 KB at most)",
    )
    place: Name
    signed_at: Instant
    seal: Signature = Field(description="The capturing employee's base64 Ed25519 signature")

    def capture(self) -> SignatureCapture:
        try:
            image = (
                base64.b64decode(self.image_base64, validate=True) if self.image_base64 else None
            )
        except binascii.Error:
            raise RuleViolation("INPUT", "image_base64 is not valid base64") from None
        return SignatureCapture(
            signer_id=self.signer_id,
            signer_name=self.signer_name,
            capacity=self.capacity,
            signer_org=self.signer_org,
            method=self.method,
            image_hash=hashlib.sha256(image).hexdigest() if image else None,
            place=self.place,
            signed_at=self.signed_at,
        )


class VoidSignature(BaseModel):
    reason: LongText
    requested_by: UserId
    approval_signature: Signature


class ReportMajorMatter(BaseModel):
    kind: StepName = Field(description="The matter's kind in the authority matrix (e.g. contract)")
    amount: Amount | None = Field(default=None, description="What the matter is worth, if priced")
    conditions: list[StepName] = Field(
        default=[], max_length=16, description="Flags such as a_grade, legal_risk; major: judged so"
    )
    summary: LongText
    proposal: LongText = Field(description="The reporter's own proposal")
    customer_demand: LongText = Field(description="What the customer asks for")


class DecideMajorMatter(BaseModel):
    decision: LongText


class MajorMatterView(BaseModel):
    matter_id: UUID
    kind: str
    why_major: list[str]
    summary: str
    proposal: str
    customer_demand: str
    reported_by: str
    reporter_role: str
    policy_version: int
    document_version_hash: str
    decision: str | None
    decided_by: str | None
    decider_role: str | None

    @classmethod
    def of(cls, matter: MajorMatterState) -> MajorMatterView:
        return cls.model_validate(vars(matter))


def document_routes(prefix: str, tag: str) -> APIRouter:
    router = APIRouter(prefix=prefix, tags=[tag])

    @router.get("/{document_id}/approval")
    def get_approval(principal: Employee, document_id: UUID, app: App) -> ApprovalView:
        return ApprovalView.of(app.document(document_id), principal.user_id)

    @router.post("/{document_id}/approval/{action}")
    async def decide(
        context: ActingEmployee,
        document_id: UUID,
        action: Action,
        body: Decide,
        app: App,
    ) -> ApprovalView:
        decision = Decision(action, body.step, body.version_hash, body.signature, body.comment)
        document = await app.perform(app.decide, context, document_id, decision)
        return ApprovalView.of(document, context.actor)

    @router.post("/{document_id}/signatures", status_code=201)
    async def capture_signature(
        context: ActingEmployee, document_id: UUID, body: CaptureSignature, app: App
    ) -> dict[str, UUID]:
        signature_id = await app.perform(
            app.capture_signature, context, document_id, body.capture(), body.seal
        )
        return {"signature_id": signature_id}

    @router.post("/{document_id}/signatures/{signature_id}/void")
    async def void_signature(
        context: ActingEmployee,
        document_id: UUID,
        signature_id: UUID,
        body: VoidSignature,
        app: App,
    ) -> dict[str, str]:
        await app.perform(
            app.void_signature,
            context,
            document_id,
            signature_id,
            body.reason,
            body.requested_by,
            body.approval_signature,
        )
        return {"status": "voided"}

    @router.get("/{document_id}/major-matters")
    def major_matters(_: Employee, document_id: UUID, app: App) -> list[MajorMatterView]:
        """XC-06: the major matters reported to leadership on this document, and its decisions."""
        return [MajorMatterView.of(m) for m in app.document(document_id).major_matters.values()]

    @router.post("/{document_id}/major-matters", status_code=201)
    async def report_major_matter(
        context: ActingEmployee, document_id: UUID, body: ReportMajorMatter, app: App
    ) -> dict[str, UUID]:
        report = MajorMatterReport(body.summary, body.proposal, body.customer_demand)
        matter_id = await app.perform(
            app.report_major_matter,
            context,
            document_id,
            body.kind,
            body.amount,
            tuple(body.conditions),
            report,
        )
        return {"matter_id": matter_id}

    @router.post("/{document_id}/major-matters/{matter_id}/decision")
    async def decide_major_matter(
        context: ActingEmployee,
        document_id: UUID,
        matter_id: UUID,
        body: DecideMajorMatter,
        app: App,
    ) -> MajorMatterView:
        document = await app.perform(
            app.decide_major_matter, context, document_id, matter_id, body.decision
        )
        return MajorMatterView.of(document.major_matters[matter_id])

    return router


class ApprovePolicy(BaseModel):
    signature: Signature = Field(description="The general manager's base64 Ed25519 signature")


class PolicyView(BaseModel):
    policy_key: str
    configured_version: int
    configured_digest: str
    in_force_version: int | None
    signing_fields: dict[str, Any] = Field(
        description="What the general manager signs to put the configured version in force"
    )
    canonicalization: str = SIGNED_BYTES

    @classmethod
    def of(cls, app: ApprovalCommands, policy_key: str) -> PolicyView:
        configured = app.configured_policy(policy_key)
        try:
            in_force: int | None = app.policy_in_force(policy_key).version
        except PolicyNotInForce:
            in_force = None
        return cls(
            policy_key=policy_key,
            configured_version=configured.version,
            configured_digest=configured.digest,
            in_force_version=in_force,
            signing_fields=policy_signing_fields(policy_key, configured.version, configured.digest),
        )


policies = APIRouter(prefix="/policies", tags=["policies"])
PolicyKey = Annotated[str, Path(pattern=r"^[a-z][a-z0-9-]{0,63}$")]


@policies.get("")
def list_policies(_: Employee, app: App) -> list[PolicyView]:
    """Every policy (XC-07): the authority matrix, the rule parameters, the working calendar."""
    return [PolicyView.of(app, key) for key in sorted(app.policy_files)]


@policies.get("/{policy_key}")
def get_policy(_: Employee, policy_key: PolicyKey, app: App) -> PolicyView:
    return PolicyView.of(app, policy_key)


@policies.post("/{policy_key}/{version}/approve")
async def approve_policy(
    context: Annotated[CommandContext, Depends(acting_as(Role.LEADERSHIP_GM))],
    policy_key: PolicyKey,
    version: Annotated[int, Path(ge=1, le=1_000_000)],
    body: ApprovePolicy,
    app: App,
) -> PolicyView:
    await app.perform(app.approve_policy, context, policy_key, version, body.signature)
    return PolicyView.of(app, policy_key)


pending = APIRouter(prefix="/approvals", tags=["approvals"])


@pending.get("/pending")
def approvals_pending(
    _: Employee, query: Annotated[PageRequest, Depends(PENDING.query)], app: App
) -> Page[PendingApproval]:
    """Approvals waiting for a decision in this service, soonest due first."""
    return app.read_models.page(PENDING, query)
