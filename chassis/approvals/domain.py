"""Approvals and signatures as events in the approved document's own stream.

An aggregate that extends :class:`Approvable` gets step-by-step approval bound to a hash of its
exact content (XC-01), the four-eyes rule (XC-05), the authority matrix's roles (XC-07), and
signatures that are captured once and only voided with an approval (XC-02). Pure domain code:
signatures are verified by the application layer, which passes only the outcome in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import event

from chassis.approvals.matrix import ApprovalRule
from chassis.domain import Aggregate, RuleViolation
from chassis.signing import digest


class StepStatus(StrEnum):
    PENDING = "pending"
    GRANTED = "granted"
    REJECTED = "rejected"


class ApprovalStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    APPROVED = "approved"
    REJECTED = "rejected"
    INVALIDATED = "invalidated"


@dataclass
class StepState:
    order: int
    name: str
    roles: tuple[str, ...]
    escalate_to: tuple[str, ...] = ()
    status: StepStatus = StepStatus.PENDING
    decided_by: str | None = None
    role: str | None = None
    due_at: datetime | None = None
    overdue: bool = False


@dataclass
class ApprovalState:
    approval_id: UUID
    kind: str
    subject_version_hash: str
    policy_version: int
    requested_by: str
    steps: list[StepState]
    status: ApprovalStatus = ApprovalStatus.IN_PROGRESS

    def next_step(self) -> StepState | None:
        return next((s for s in self.steps if s.status is StepStatus.PENDING), None)


@dataclass
class SignatureState:
    signature_id: UUID
    capacity: str
    signer_name: str
    document_version_hash: str
    voided: bool = False


class Capacity(StrEnum):
    CUSTOMER = "customer"
    EMPLOYEE = "employee"
    WITNESS = "witness"


class Method(StrEnum):
    HANDWRITTEN = "handwritten"
    SEAL = "seal"
    E_SIGN = "e_sign"


def approval_signing_fields(
    document_type: str,
    document_id: UUID,
    approval_id: UUID,
    action: str,
    step: str,
    version_hash: str,
    policy_version: int,
    approver_id: str,
) -> dict[str, Any]:
    """What an approver signs: the decision, on exactly this version, under this policy."""
    return {
        "action": action,
        "document_type": document_type,
        "document_id": str(document_id),
        "approval_id": str(approval_id),
        "step": step,
        "version_hash": version_hash,
        "policy_version": policy_version,
        "approver_id": approver_id,
    }


def signature_signing_fields(
    document_type: str,
    document_id: UUID,
    version_hash: str,
    signer_name: str,
    capacity: str,
    method: str,
    image_hash: str | None,
    place: str,
    signed_at: datetime,
    captured_by: str,
) -> dict[str, Any]:
    """What the capturing employee seals: who signed what version, how, where and when."""
    return {
        "document_type": document_type,
        "document_id": str(document_id),
        "version_hash": version_hash,
        "signer_name": signer_name,
        "capacity": capacity,
        "method": method,
        "image_hash": image_hash,
        "place": place,
        "signed_at": signed_at.isoformat(),
        "captured_by": captured_by,
    }


def void_signing_fields(
    document_id: UUID, signature_id: UUID, reason: str, approver_id: str
) -> dict[str, Any]:
    """What the approver of a signature's void signs."""
    return {
        "action": "void-signature",
        "document_id": str(document_id),
        "signature_id": str(signature_id),
        "reason": reason,
        "approver_id": approver_id,
    }


class Approvable(Aggregate):
    """Base for documents that need approvals and signatures."""

    document_type: ClassVar[str]

    class ApprovalRequested(Aggregate.Event):
        approval_id: UUID
        kind: str
        subject_version_hash: str
        policy_version: int
        requested_by: str
        steps: list[dict[str, Any]]
        amount: Decimal | None
        conditions: list[str]
        due_at: datetime | None

    class ApprovalOverdue(Aggregate.Event):
        """XC-01 / §7 #20: a step was not decided in time and escalates to the next role."""

        approval_id: UUID
        step: str
        step_order: int
        due_at: datetime
        escalated_to: list[str]

    class ApprovalGranted(Aggregate.Event):
        approval_id: UUID
        document_type: str
        step: str
        step_order: int
        approver_id: str
        approver_role: str
        subject_version_hash: str
        policy_version: int
        comment: str
        signature: str
        next_due_at: datetime | None

    class ApprovalRejected(Aggregate.Event):
        approval_id: UUID
        document_type: str
        step: str
        step_order: int
        approver_id: str
        approver_role: str
        subject_version_hash: str
        policy_version: int
        reason: str
        signature: str

    class ApprovalInvalidated(Aggregate.Event):
        approval_id: UUID
        from_step: int
        reason: str
        approved_hash: str
        current_hash: str

    class SignatureCaptured(Aggregate.Event):
        signature_id: UUID
        document_type: str
        document_version_hash: str
        signer_id: str | None
        signer_name: str
        signer_capacity: str
        signer_org: str
        method: str
        image_hash: str | None
        place: str
        signed_at: datetime
        captured_by: str
        seal: str

    class SignatureVoided(Aggregate.Event):
        signature_id: UUID
        reason: str
        approved_by: str
        approver_role: str
        approval_signature: str

    # -- what subclasses provide

    def approval_content(self) -> Mapping[str, Any]:
        """The content an approval covers; any change to it invalidates the approval."""
        raise NotImplementedError

    def interested_parties(self) -> set[str]:
        """People who may never approve this document (its creator, its owner): XC-05."""
        return set()

    def signature_allowed(self, capacity: Capacity) -> None:
        """Raise a RuleViolation when a signature in this capacity is not allowed yet."""

    def on_approved(self, approval: ApprovalState) -> None:
        """Called when the last step is granted; subclasses trigger their own outcome event."""

    # -- state

    @property
    def approval(self) -> ApprovalState | None:
        return getattr(self, "_approval", None)

    @property
    def signatures(self) -> dict[UUID, SignatureState]:
        found: dict[UUID, SignatureState] = self.__dict__.setdefault("_signatures", {})
        return found

    @property
    def version_hash(self) -> str:
        return digest(self.approval_content())

    # -- approvals

    def request_approval(
        self,
        approval_id: UUID,
        rule: ApprovalRule,
        policy_version: int,
        requested_by: str,
        amount: Decimal | None = None,
        conditions: tuple[str, ...] = (),
        due_at: datetime | None = None,
    ) -> None:
        """``due_at`` is when the first step must be decided (from the working calendar)."""
        current = self.approval
        if current is not None and current.status is ApprovalStatus.IN_PROGRESS:
            raise RuleViolation("XC-01", "an approval of this document is already in progress")
        steps = rule.steps_for(amount, conditions)
        self._approval_requested(
            approval_id=approval_id,
            kind=rule.kind,
            subject_version_hash=self.version_hash,
            policy_version=policy_version,
            requested_by=requested_by,
            steps=[
                {
                    "order": s.order,
                    "name": s.name,
                    "roles": list(s.roles),
                    "escalate_to": list(s.escalate_to),
                }
                for s in steps
            ],
            amount=amount,
            conditions=sorted(conditions),
            due_at=due_at,
        )

    @event(ApprovalRequested)
    def _approval_requested(
        self,
        approval_id: UUID,
        kind: str,
        subject_version_hash: str,
        policy_version: int,
        requested_by: str,
        steps: list[dict[str, Any]],
        amount: Decimal | None,
        conditions: list[str],
        due_at: datetime | None,
    ) -> None:
        self._approval = ApprovalState(
            approval_id,
            kind,
            subject_version_hash,
            policy_version,
            requested_by,
            [
                StepState(s["order"], s["name"], tuple(s["roles"]), tuple(s["escalate_to"]))
                for s in steps
            ],
        )
        self._approval.steps[0].due_at = due_at

    def _decidable_step(
        self, step: str, approver_id: str, approver_roles: frozenset[str], seen_hash: str
    ) -> tuple[ApprovalState, StepState, str]:
        approval = self.approval
        if approval is None or approval.status is not ApprovalStatus.IN_PROGRESS:
            raise RuleViolation("XC-01", "no approval of this document is in progress")
        pending = approval.next_step()
        assert pending is not None
        if step != pending.name:
            raise RuleViolation(
                "XC-01",
                f"steps are decided in order: '{pending.name}' comes next, not '{step}'",
                next_step=pending.name,
            )
        if seen_hash != self.version_hash:
            raise RuleViolation(
                "XC-01",
                "the document changed since that version was seen; review it again",
                current_version_hash=self.version_hash,
            )
        parties = self.interested_parties() | {approval.requested_by}
        decided = {s.decided_by for s in approval.steps if s.decided_by}
        if approver_id in parties or approver_id in decided:
            raise RuleViolation(
                "XC-05",
                "nobody approves their own request or a second step of the same one",
                approver=approver_id,
            )
        role = next((r for r in pending.roles if r in approver_roles), None)
        if role is None:
            raise RuleViolation(
                "XC-07",
                f"step '{pending.name}' is decided by the role(s) "
                f"{', '.join(pending.roles)} under the authority matrix",
                required_roles=list(pending.roles),
            )
        return approval, pending, role

    def grant(
        self,
        step: str,
        approver_id: str,
        approver_roles: frozenset[str],
        seen_hash: str,
        signature: str,
        comment: str = "",
        next_due_at: datetime | None = None,
    ) -> None:
        """``next_due_at`` is when the following step, if any, must be decided."""
        approval, pending, role = self._decidable_step(step, approver_id, approver_roles, seen_hash)
        self._approval_granted(
            approval_id=approval.approval_id,
            document_type=self.document_type,
            step=pending.name,
            step_order=pending.order,
            approver_id=approver_id,
            approver_role=role,
            subject_version_hash=seen_hash,
            policy_version=approval.policy_version,
            comment=comment,
            signature=signature,
            next_due_at=next_due_at,
        )
        if approval.status is ApprovalStatus.APPROVED:
            self.on_approved(approval)

    @event(ApprovalGranted)
    def _approval_granted(
        self,
        approval_id: UUID,
        document_type: str,
        step: str,
        step_order: int,
        approver_id: str,
        approver_role: str,
        subject_version_hash: str,
        policy_version: int,
        comment: str,
        signature: str,
        next_due_at: datetime | None,
    ) -> None:
        approval = self._decided(step_order, StepStatus.GRANTED, approver_id, approver_role)
        following = approval.next_step()
        if following is None:
            approval.status = ApprovalStatus.APPROVED
        else:
            following.due_at = next_due_at

    def reject(
        self,
        step: str,
        approver_id: str,
        approver_roles: frozenset[str],
        seen_hash: str,
        signature: str,
        reason: str,
    ) -> None:
        if not reason.strip():
            raise RuleViolation("XC-01", "a rejection must give its reason")
        approval, pending, role = self._decidable_step(step, approver_id, approver_roles, seen_hash)
        self._approval_rejected(
            approval_id=approval.approval_id,
            document_type=self.document_type,
            step=pending.name,
            step_order=pending.order,
            approver_id=approver_id,
            approver_role=role,
            subject_version_hash=seen_hash,
            policy_version=approval.policy_version,
            reason=reason,
            signature=signature,
        )

    @event(ApprovalRejected)
    def _approval_rejected(
        self,
        approval_id: UUID,
        document_type: str,
        step: str,
        step_order: int,
        approver_id: str,
        approver_role: str,
        subject_version_hash: str,
        policy_version: int,
        reason: str,
        signature: str,
    ) -> None:
        approval = self._decided(step_order, StepStatus.REJECTED, approver_id, approver_role)
        approval.status = ApprovalStatus.REJECTED

    def escalate_if_overdue(self, now: datetime) -> bool:
        """If the pending step is past its due time, record it once and let the step's
        escalation roles decide it too. Returns whether it escalated."""
        approval = self.approval
        if approval is None or approval.status is not ApprovalStatus.IN_PROGRESS:
            return False
        pending = approval.next_step()
        if pending is None or pending.due_at is None or pending.overdue or now <= pending.due_at:
            return False
        self._approval_overdue(
            approval_id=approval.approval_id,
            step=pending.name,
            step_order=pending.order,
            due_at=pending.due_at,
            escalated_to=list(pending.escalate_to),
        )
        return True

    @event(ApprovalOverdue)
    def _approval_overdue(
        self,
        approval_id: UUID,
        step: str,
        step_order: int,
        due_at: datetime,
        escalated_to: list[str],
    ) -> None:
        approval = self.approval
        assert approval is not None
        pending = approval.steps[step_order - 1]
        pending.overdue = True
        pending.roles = (*pending.roles, *(r for r in escalated_to if r not in pending.roles))

    def _decided(
        self, step_order: int, status: StepStatus, approver_id: str, approver_role: str
    ) -> ApprovalState:
        approval = self.approval
        assert approval is not None
        state = approval.steps[step_order - 1]
        state.status, state.decided_by, state.role = status, approver_id, approver_role
        return approval

    def content_changed(self) -> None:
        """Subclasses call this after changing approved content (XC-01, OR-08): the approval no
        longer covers the document, from its first step on, and must be requested again."""
        approval = self.approval
        if approval is None or approval.status not in (
            ApprovalStatus.IN_PROGRESS,
            ApprovalStatus.APPROVED,
        ):
            return
        current = self.version_hash
        if current != approval.subject_version_hash:
            self._approval_invalidated(
                approval_id=approval.approval_id,
                from_step=1,
                reason="subject_changed",
                approved_hash=approval.subject_version_hash,
                current_hash=current,
            )

    @event(ApprovalInvalidated)
    def _approval_invalidated(
        self,
        approval_id: UUID,
        from_step: int,
        reason: str,
        approved_hash: str,
        current_hash: str,
    ) -> None:
        approval = self.approval
        assert approval is not None
        approval.status = ApprovalStatus.INVALIDATED

    # -- signatures

    def capture_signature(
        self,
        signature_id: UUID,
        signer_id: str | None,
        signer_name: str,
        capacity: Capacity,
        signer_org: str,
        method: Method,
        image_hash: str | None,
        place: str,
        signed_at: datetime,
        captured_by: str,
        seal: str,
    ) -> None:
        # XC-02: an employee signs only as themselves; staff never sign for a customer.
        if capacity is Capacity.EMPLOYEE and signer_id != captured_by:
            raise RuleViolation("XC-02", "an employee signs only for themselves")
        if capacity is Capacity.CUSTOMER and method is Method.HANDWRITTEN and not image_hash:
            raise RuleViolation("XC-02", "a handwritten signature needs the image it was made on")
        self.signature_allowed(capacity)
        self._signature_captured(
            signature_id=signature_id,
            document_type=self.document_type,
            document_version_hash=self.version_hash,
            signer_id=signer_id,
            signer_name=signer_name,
            signer_capacity=capacity.value,
            signer_org=signer_org,
            method=method.value,
            image_hash=image_hash,
            place=place,
            signed_at=signed_at,
            captured_by=captured_by,
            seal=seal,
        )

    @event(SignatureCaptured)
    def _signature_captured(
        self,
        signature_id: UUID,
        document_type: str,
        document_version_hash: str,
        signer_id: str | None,
        signer_name: str,
        signer_capacity: str,
        signer_org: str,
        method: str,
        image_hash: str | None,
        place: str,
        signed_at: datetime,
        captured_by: str,
        seal: str,
    ) -> None:
        self.signatures[signature_id] = SignatureState(
            signature_id, signer_capacity, signer_name, document_version_hash
        )

    def void_signature(
        self,
        signature_id: UUID,
        reason: str,
        rule: ApprovalRule,
        approver_id: str,
        approver_roles: frozenset[str],
        approval_signature: str,
        requested_by: str,
    ) -> None:
        """XC-02: a wrong signature is never edited; it is voided with an approval."""
        signature = self.signatures.get(signature_id)
        if signature is None or signature.voided:
            raise RuleViolation(
                "XC-02", "no such signature to void", signature_id=str(signature_id)
            )
        if not reason.strip():
            raise RuleViolation("XC-02", "voiding a signature needs a reason")
        if approver_id == requested_by:
            raise RuleViolation("XC-05", "the person asking to void a signature cannot approve it")
        roles = rule.steps_for(None, ())[0].roles
        role = next((r for r in roles if r in approver_roles), None)
        if role is None:
            raise RuleViolation("XC-07", f"voiding a signature is approved by {', '.join(roles)}")
        self._signature_voided(
            signature_id=signature_id,
            reason=reason,
            approved_by=approver_id,
            approver_role=role,
            approval_signature=approval_signature,
        )

    @event(SignatureVoided)
    def _signature_voided(
        self,
        signature_id: UUID,
        reason: str,
        approved_by: str,
        approver_role: str,
        approval_signature: str,
    ) -> None:
        self.signatures[signature_id].voided = True
