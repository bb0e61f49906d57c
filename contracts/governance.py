"""Approvals, signatures, policy versions, violations and rectifications, as every service
publishes them on its own events topic (XC-01, XC-02, XC-07, XC-08, XC-09).

Any service's documents are approved and signed by the shared kernel, so these contracts have no
single producer: the envelope's ``producer`` names the service, ``document_id`` the approved
document (the message key). A document archive or an HR system (XC-08 penalties) follows every
approval by subscribing to the four events topics and taking these event types.

Each contract names the acting person (``actor``), the role they acted in where the act is tied
to one, the policy version the act was decided under and the document version hash it covers,
where the act records them. Field names are the public ones; ``validation_alias`` also reads the
kernel's own event attribute names when the outbound mapping builds a contract.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AliasChoices, AliasPath, BaseModel, Field

from contracts.envelope import IntegrationEvent
from contracts.topics import ANY_SERVICE
from contracts.values import (
    Amount,
    Code,
    CurrencyCode,
    Label,
    LongText,
    Name,
    ShortText,
    UserId,
)

Hash = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
"""A document version hash: SHA-256 of its canonical content, hex."""


def _also(*names: str | AliasPath) -> Any:
    """The public field name first, then the kernel event's names for it."""
    return Field(validation_alias=AliasChoices(*names))


class DocumentEvent(IntegrationEvent, producer=ANY_SERVICE, aggregate_field="document_id"):
    document_id: UUID


class ApprovalEvent(DocumentEvent):
    approval_id: UUID


class ApprovalStep(BaseModel):
    order: int
    name: Label
    roles: list[Label]
    """Any one of them decides the step."""
    escalate_to: list[Label]
    """Who may decide it too once it is overdue."""


class ApprovalRequested(ApprovalEvent):
    """XC-01: an approval of one document version, under one authority-matrix version."""

    document_type: Label
    kind: Label
    subject_version_hash: Hash
    policy_version: int
    actor: Label = _also("actor", "requested_by")
    """Who asked: an employee, or the service itself when a rule asks (``<service>:...``)."""
    steps: list[ApprovalStep]
    amount: Amount | None
    conditions: list[Label]
    due_at: datetime | None
    """When the first step falls overdue (working hours of the policy)."""
    calendar_version: int | None = None
    """The working calendar policy ``due_at`` was counted on."""


class ApprovalDecided(ApprovalEvent):
    document_type: Label
    step: Label
    step_order: int
    actor: UserId = _also("actor", "approver_id")
    actor_role: Label = _also("actor_role", "approver_role")
    subject_version_hash: Hash
    policy_version: int
    signature: str
    """Ed25519 over the decision's canonical fields, base64."""
    canonical_form: Label


class ApprovalGranted(ApprovalDecided):
    comment: LongText | Literal[""]
    next_due_at: datetime | None = None
    """When the next step falls overdue, if there is one."""
    calendar_version: int | None = None
    """The working calendar policy ``next_due_at`` was counted on."""


class ApprovalRejected(ApprovalDecided):
    reason: LongText


class ApprovalInvalidated(ApprovalEvent):
    """XC-01: the document changed after approval; the approval restarts from ``from_step``."""

    from_step: int
    reason: LongText
    approved_hash: Hash
    current_hash: Hash


class ApprovalOverdue(ApprovalEvent):
    """XC-01 / RULES §7 #20: a step not decided in its working hours, escalated."""

    step: Label
    step_order: int
    due_at: datetime
    escalated_to: list[Label]


class SignatureCaptured(DocumentEvent):
    """XC-02: a signature on one document version, sealed by the capturing employee's key."""

    signature_id: UUID
    document_type: Label
    document_version_hash: Hash
    signer_name: Name = _also("signer_name", AliasPath("capture", "signer_name"))
    signer_id: UserId | None = _also("signer_id", AliasPath("capture", "signer_id"))
    capacity: Label = _also("capacity", AliasPath("capture", "capacity"))
    """Who signed: the customer, an employee, a witness..."""
    method: Label = _also("method", AliasPath("capture", "method"))
    actor: UserId = _also("actor", "captured_by")
    seal: str
    canonical_form: Label


class SignatureVoided(DocumentEvent):
    """XC-02: a signature voided with someone else's signed approval."""

    signature_id: UUID
    reason: LongText
    actor: UserId = _also("actor", "approved_by")
    actor_role: Label = _also("actor_role", "approver_role")
    signature: str = _also("signature", "approval_signature")
    canonical_form: Label


class CustomerSignatureRequested(DocumentEvent):
    """XC-02: a one-time link sent to the customer's contact to sign one document version."""

    request_id: UUID
    document_type: Label
    document_version_hash: Hash
    contact_name: Name
    actor: UserId = _also("actor", "requested_by")
    expires_at: datetime


class CustomerAnswered(DocumentEvent):
    """What the customer's contact gave on their signing page, sealed with the owning service's
    key (``sealed_by``) over these fields; the comment is verbatim."""

    request_id: UUID
    document_type: Label
    document_version_hash: Hash
    signer_name: Name = _also("signer_name", AliasPath("answer", "typed_name"))
    comment: LongText | Literal[""] = _also("comment", AliasPath("answer", "comment"))
    client_address: ShortText = _also("client_address", AliasPath("answer", "client_address"))
    user_agent: LongText | Literal[""] = _also("user_agent", AliasPath("answer", "user_agent"))
    answered_at: datetime = _also("answered_at", AliasPath("answer", "answered_at"))
    sealed_by: Label
    seal: str
    canonical_form: Label


class CustomerSigned(CustomerAnswered):
    """XC-02: the customer signed through their own link (OR-22, SD-11, BI-03...)."""

    signature_id: UUID
    image_hash: Hash = _also("image_hash", AliasPath("answer", "image_hash"))
    """SHA-256 of the drawn signature (PNG), kept by the owning service."""


class CustomerDeclinedToSign(CustomerAnswered):
    """XC-02: the customer declined to sign, saying why in ``comment``."""


class CustomerSigningLapsed(DocumentEvent):
    """A signing link closed unanswered: expired, superseded, its document changed, or the
    customer's paper signature recorded instead."""

    request_id: UUID
    reason: Label = _also("reason", "lapse")


class PolicyVersionApproved(DocumentEvent):
    """XC-07: a policy version in force from now, signed by the general manager."""

    policy_key: Label
    number: int
    digest: Hash
    actor: UserId = _also("actor", "approved_by")
    actor_role: Label = _also("actor_role", "approver_role")
    signature: str
    canonical_form: Label


class MajorMatterReported(DocumentEvent):
    """XC-06: a matter the policy classes as major, reported to leadership with the reporter's
    own proposal and the customer's demand."""

    matter_id: UUID
    document_type: Label
    kind: Label
    why_major: list[LongText]
    summary: LongText
    proposal: LongText
    customer_demand: LongText
    actor: UserId = _also("actor", "reported_by")
    actor_role: Label = _also("actor_role", "reporter_role")
    policy_version: int
    document_version_hash: Hash


class LeadershipDecided(DocumentEvent):
    """XC-06: leadership's decision on a reported major matter."""

    matter_id: UUID
    decision: LongText
    actor: UserId = _also("actor", "decided_by")
    actor_role: Label = _also("actor_role", "decider_role")


class RuleViolationRecorded(DocumentEvent):
    """XC-08: a broken rule, against the person responsible, with the loss it caused."""

    rule_id: Code = _also("rule_id", AliasPath("finding", "rule_id"))
    person_id: UserId = _also("person_id", AliasPath("finding", "person_id"))
    evidence_ref: LongText = _also("evidence_ref", AliasPath("finding", "evidence_ref"))
    loss_amount: Amount = _also("loss_amount", AliasPath("finding", "loss_amount"))
    currency: CurrencyCode = _also("currency", AliasPath("finding", "currency"))
    actor: UserId = _also("actor", "recorded_by")


class RectificationOrdered(DocumentEvent):
    """XC-09: a finding to put right by its owner before a working-day deadline."""

    finding: LongText
    owner: UserId
    actor: UserId = _also("actor", "ordered_by")
    working_days: int
    due_at: datetime
    calendar_version: int | None = None
    """The working calendar policy the deadline was counted on."""


class RectificationClosed(DocumentEvent):
    actor: UserId = _also("actor", "closed_by")
    outcome: LongText
    closed_at: datetime
    overdue: bool


PUBLISHED: tuple[type[IntegrationEvent], ...] = (
    ApprovalRequested,
    ApprovalGranted,
    ApprovalRejected,
    ApprovalInvalidated,
    ApprovalOverdue,
    SignatureCaptured,
    SignatureVoided,
    CustomerSignatureRequested,
    CustomerSigned,
    CustomerDeclinedToSign,
    CustomerSigningLapsed,
    PolicyVersionApproved,
    MajorMatterReported,
    LeadershipDecided,
    RuleViolationRecorded,
    RectificationOrdered,
    RectificationClosed,
)
