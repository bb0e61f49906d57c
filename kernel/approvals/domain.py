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

from kernel.approvals.matrix import ApprovalRule, Step
from kernel.calendar import Deadline
from kernel.roles import Role
from runtime.aggregate import Aggregate, RuleViolation
from runtime.clock import SKEW
from runtime.signing import CURRENT_FORM, digest


class StepStatus(StrEnum):
    PENDING = "pending"
    GRANTED = "granted"
    REJECTED = "rejected"


@dataclass
class StepState:
    step: Step
    status: StepStatus = StepStatus.PENDING
    decided_by: str | None = None
    role: str | None = None
    due_at: datetime | None = None
    overdue: bool = False
    roles: tuple[str, ...] = ()
    """Who may decide it now: the matrix's roles, widened by an escalation."""

    def __post_init__(self) -> None:
        self.roles = self.roles or self.step.roles


class ApprovalStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    APPROVED = "approved"
    REJECTED = "rejected"
    INVALIDATED = "invalidated"


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
    capacity: str
    signer_name: str
    method: str
    document_version_hash: str
    signed_at: datetime
    captured_by: str
    image: bytes | None = None
    """What the customer drew on the signing page (PNG); a paper scan keeps only its hash."""
    voided: bool = False


@dataclass
class MajorMatterState:
    """A major matter reported to leadership (XC-06), and leadership's decision once taken."""

    matter_id: UUID
    kind: str
    why_major: tuple[str, ...]
    summary: str
    proposal: str
    customer_demand: str
    reported_by: str
    reporter_role: str
    policy_version: int
    document_version_hash: str
    decision: str | None = None
    decided_by: str | None = None
    decider_role: str | None = None


MAJOR_MATTER_REPORTERS = (Role.SALES_MANAGER, Role.UNIT_LEADER)
"""XC-06: who reports a major matter to leadership."""
LEADERSHIP = (Role.LEADERSHIP_GM, Role.LEADERSHIP_DGM)


@dataclass(frozen=True)
class MajorMatterReport:
    """What the reporter tells leadership (XC-06)."""

    summary: str
    proposal: str
    """The reporter's own proposal for handling it."""
    customer_demand: str
    """What the customer asks for."""


@dataclass(frozen=True)
class Approver:
    """Who decides a step, holding which roles, having seen which version, signed how."""

    user_id: str
    roles: frozenset[str]
    seen_hash: str
    signature: str


@dataclass(frozen=True)
class SignedDecision:
    """What an approver signs: the decision, on exactly this version, under this policy."""

    action: str
    document_type: str
    document_id: UUID
    approval_id: UUID
    step: str
    version_hash: str
    policy_version: int
    approver_id: str

    def fields(self) -> dict[str, Any]:
        return {
            **vars(self),
            "document_id": str(self.document_id),
            "approval_id": str(self.approval_id),
        }


class Capacity(StrEnum):
    """In what capacity someone signs a document."""

    CUSTOMER = "customer"
    EMPLOYEE = "employee"
    WITNESS = "witness"


class Method(StrEnum):
    """How a signature was made."""

    HANDWRITTEN = "handwritten"
    SEAL = "seal"
    E_SIGN = "e_sign"
    """Made on the customer's own signing page (``kernel.signing``), or an employee's own."""
    PAPER_SCAN = "paper_scan"
    """The scan of a page the customer signed on paper, uploaded by an employee."""


@dataclass(frozen=True)
class SignatureCapture:
    """A signature as the capturing employee records it; ``image_hash`` is the SHA-256 of the
    scan or stroke data it was made on."""

    signer_id: str | None
    signer_name: str
    capacity: Capacity
    signer_org: str
    method: Method
    image_hash: str | None
    place: str
    signed_at: datetime


def seal_fields(
    document_type: str,
    document_id: UUID,
    version_hash: str,
    capture: SignatureCapture,
    captured_by: str,
) -> dict[str, Any]:
    """What the capturing employee seals: who signed what version, how, where and when."""
    return {
        "document_type": document_type,
        "document_id": str(document_id),
        "version_hash": version_hash,
        "signer_name": capture.signer_name,
        "capacity": capture.capacity.value,
        "method": capture.method.value,
        "image_hash": capture.image_hash,
        "place": capture.place,
        "signed_at": capture.signed_at.isoformat(),
        "captured_by": captured_by,
    }


def void_fields(
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
    """Base for documents that need approvals and signatures.

    Its events are triggered as ``Approvable``'s own classes, never a subclass's copy of them:
    every document's approvals and signatures are stored under one topic per event, which the
    audit tools and the approvals projection read."""

    document_type: ClassVar[str]

    class ApprovalRequested(Aggregate.Event):
        approval_id: UUID
        document_type: str
        kind: str
        subject_version_hash: str
        policy_version: int
        requested_by: str
        steps: tuple[Step, ...]
        amount: Decimal | None
        conditions: tuple[str, ...]
        due_at: datetime | None
        calendar_version: int | None
        """The working calendar (XC-07, XC-10) ``due_at`` was counted on."""

        def apply(self, document: Approvable) -> None:
            approval = ApprovalState(
                self.approval_id,
                self.kind,
                self.subject_version_hash,
                self.policy_version,
                self.requested_by,
                [StepState(step) for step in self.steps],
            )
            approval.steps[0].due_at = self.due_at
            document.__dict__["_approval"] = approval

    class ApprovalOverdue(Aggregate.Event):
        """XC-01 / §7 #20: a step was not decided in time and escalates to the next role."""

        approval_id: UUID
        step: str
        step_order: int
        due_at: datetime
        escalated_to: tuple[str, ...]

        def apply(self, document: Approvable) -> None:
            pending = document._current().steps[self.step_order - 1]
            pending.overdue = True
            pending.roles = (
                *pending.roles,
                *(r for r in self.escalated_to if r not in pending.roles),
            )

    class ApprovalDecided(Aggregate.Event):
        """A step decided by a signed decision (``approval_signing`` rebuilds what was signed)."""

        approval_id: UUID
        document_type: str
        step: str
        step_order: int
        approver_id: str
        approver_role: str
        subject_version_hash: str
        policy_version: int
        signature: str
        canonical_form: str
        """How the signed fields were encoded (``runtime.signing.CanonicalForm``)."""

        def _decide(self, document: Approvable, status: StepStatus) -> ApprovalState:
            approval = document._current()
            state = approval.steps[self.step_order - 1]
            state.status, state.decided_by, state.role = (
                status,
                self.approver_id,
                self.approver_role,
            )
            return approval

    class ApprovalGranted(ApprovalDecided):
        comment: str
        next_due_at: datetime | None
        calendar_version: int | None

        def apply(self, document: Approvable) -> None:
            approval = self._decide(document, StepStatus.GRANTED)
            following = approval.next_step()
            if following is None:
                approval.status = ApprovalStatus.APPROVED
            else:
                following.due_at = self.next_due_at

    class ApprovalRejected(ApprovalDecided):
        reason: str

        def apply(self, document: Approvable) -> None:
            self._decide(document, StepStatus.REJECTED).status = ApprovalStatus.REJECTED

    class ApprovalInvalidated(Aggregate.Event):
        approval_id: UUID
        from_step: int
        reason: str
        approved_hash: str
        current_hash: str

        def apply(self, document: Approvable) -> None:
            document._current().status = ApprovalStatus.INVALIDATED

    class SignatureCaptured(Aggregate.Event):
        signature_id: UUID
        document_type: str
        document_version_hash: str
        capture: SignatureCapture
        captured_by: str
        seal: str
        canonical_form: str

        def apply(self, document: Approvable) -> None:
            document.signatures[self.signature_id] = SignatureState(
                self.capture.capacity,
                self.capture.signer_name,
                self.capture.method,
                self.document_version_hash,
                self.capture.signed_at,
                self.captured_by,
            )

    class SignatureVoided(Aggregate.Event):
        signature_id: UUID
        reason: str
        approved_by: str
        approver_role: str
        approval_signature: str
        canonical_form: str

        def apply(self, document: Approvable) -> None:
            document.signatures[self.signature_id].voided = True

    class MajorMatterReported(Aggregate.Event):
        """XC-06: a matter the policy classes as major, reported to leadership at once with the
        reporter's own proposal and the customer's demand."""

        matter_id: UUID
        document_type: str
        kind: str
        why_major: tuple[str, ...]
        summary: str
        proposal: str
        customer_demand: str
        reported_by: str
        reporter_role: str
        policy_version: int
        document_version_hash: str

        def apply(self, document: Approvable) -> None:
            document.major_matters[self.matter_id] = MajorMatterState(
                self.matter_id,
                self.kind,
                tuple(self.why_major),  # a list once stored as JSON
                self.summary,
                self.proposal,
                self.customer_demand,
                self.reported_by,
                self.reporter_role,
                self.policy_version,
                self.document_version_hash,
            )

    class LeadershipDecided(Aggregate.Event):
        """XC-06: leadership's decision on a reported major matter."""

        matter_id: UUID
        decision: str
        decided_by: str
        decider_role: str

        def apply(self, document: Approvable) -> None:
            matter = document.major_matters[self.matter_id]
            matter.decision, matter.decided_by = self.decision, self.decided_by
            matter.decider_role = self.decider_role

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

    def on_rejected(self, approval: ApprovalState, reason: str) -> None:
        """Called when a step is rejected; subclasses trigger their own outcome event."""

    def on_customer_signed(self, signed_at: datetime) -> None:
        """Called once the customer's signature is recorded (through their own link, or the scan
        of a signed paper); subclasses trigger their own outcome event."""

    # -- state

    # Approvable declares no __init__ of its own (subclasses do), so its state lives in the
    # instance dictionary, created by the first event that needs it.

    @property
    def approval(self) -> ApprovalState | None:
        found: ApprovalState | None = self.__dict__.get("_approval")
        return found

    @property
    def signatures(self) -> dict[UUID, SignatureState]:
        found: dict[UUID, SignatureState] = self.__dict__.setdefault("_signatures", {})
        return found

    @property
    def major_matters(self) -> dict[UUID, MajorMatterState]:
        found: dict[UUID, MajorMatterState] = self.__dict__.setdefault("_major_matters", {})
        return found

    @property
    def version_hash(self) -> str:
        return digest(self.approval_content())

    def _current(self) -> ApprovalState:
        approval = self.approval
        assert approval is not None, "an approval event without a requested approval"
        return approval

    def decision_to_sign(
        self, action: str, step: str, approver_id: str, version_hash: str | None = None
    ) -> SignedDecision:
        """What ``approver_id`` signs to decide ``step`` of the approval in progress."""
        approval = self.approval
        if approval is None:
            raise RuleViolation("XC-01", "no approval of this document is in progress")
        return SignedDecision(
            action,
            self.document_type,
            self.id,
            approval.approval_id,
            step,
            version_hash or self.version_hash,
            approval.policy_version,
            approver_id,
        )

    # -- approvals

    def request_approval(
        self,
        approval_id: UUID,
        rule: ApprovalRule,
        policy_version: int,
        requested_by: str,
        amount: Decimal | None = None,
        conditions: tuple[str, ...] = (),
        due: Deadline | None = None,
    ) -> None:
        """``due`` is when the first step must be decided (on the working calendar)."""
        current = self.approval
        if current is not None and current.status is ApprovalStatus.IN_PROGRESS:
            raise RuleViolation("XC-01", "an approval of this document is already in progress")
        self.trigger_event(
            Approvable.ApprovalRequested,
            approval_id=approval_id,
            document_type=self.document_type,
            kind=rule.kind,
            subject_version_hash=self.version_hash,
            policy_version=policy_version,
            requested_by=requested_by,
            steps=rule.steps_for(amount, conditions),
            amount=amount,
            conditions=tuple(sorted(conditions)),
            due_at=None if due is None else due.at,
            calendar_version=None if due is None else due.calendar_version,
        )

    def _decidable_step(
        self, step: str, approver: Approver
    ) -> tuple[ApprovalState, StepState, str]:
        approval = self.approval
        if approval is None or approval.status is not ApprovalStatus.IN_PROGRESS:
            raise RuleViolation("XC-01", "no approval of this document is in progress")
        pending = approval.next_step()
        assert pending is not None
        if step != pending.step.name:
            raise RuleViolation(
                "XC-01",
                f"steps are decided in order: '{pending.step.name}' comes next, not '{step}'",
                next_step=pending.step.name,
            )
        if approver.seen_hash != self.version_hash:
            raise RuleViolation(
                "XC-01",
                "the document changed since that version was seen; review it again",
                current_version_hash=self.version_hash,
            )
        parties = self.interested_parties() | {approval.requested_by}
        decided = {s.decided_by for s in approval.steps if s.decided_by}
        if approver.user_id in parties or approver.user_id in decided:
            raise RuleViolation(
                "XC-05",
                "nobody approves their own request or a second step of the same one",
                approver=approver.user_id,
            )
        role = next((r for r in pending.roles if r in approver.roles), None)
        if role is None:
            raise RuleViolation(
                "XC-07",
                f"step '{pending.step.name}' is decided by the role(s) "
                f"{', '.join(pending.roles)} under the authority matrix",
                required_roles=list(pending.roles),
            )
        return approval, pending, role

    def _decision(self, step: str, approver: Approver) -> dict[str, Any]:
        """The fields every decision event records."""
        approval, pending, role = self._decidable_step(step, approver)
        return {
            "approval_id": approval.approval_id,
            "document_type": self.document_type,
            "step": pending.step.name,
            "step_order": pending.step.order,
            "approver_id": approver.user_id,
            "approver_role": role,
            "subject_version_hash": approver.seen_hash,
            "policy_version": approval.policy_version,
            "signature": approver.signature,
            "canonical_form": CURRENT_FORM,
        }

    def grant(
        self,
        step: str,
        approver: Approver,
        comment: str = "",
        next_due: Deadline | None = None,
    ) -> None:
        """``next_due`` is when the following step, if any, must be decided."""
        decision = self._decision(step, approver)
        self.trigger_event(
            Approvable.ApprovalGranted,
            **decision,
            comment=comment,
            next_due_at=None if next_due is None else next_due.at,
            calendar_version=None if next_due is None else next_due.calendar_version,
        )
        approval = self._current()
        if approval.status is ApprovalStatus.APPROVED:
            self.on_approved(approval)

    def reject(self, step: str, approver: Approver, reason: str) -> None:
        if not reason.strip():
            raise RuleViolation("XC-01", "a rejection must give its reason")
        self.trigger_event(
            Approvable.ApprovalRejected, **self._decision(step, approver), reason=reason
        )
        self.on_rejected(self._current(), reason)

    def escalate_if_overdue(self, now: datetime) -> bool:
        """If the pending step is past its due time, record it once and let the step's
        escalation roles decide it too. Returns whether it escalated."""
        approval = self.approval
        if approval is None or approval.status is not ApprovalStatus.IN_PROGRESS:
            return False
        pending = approval.next_step()
        if pending is None or pending.due_at is None or pending.overdue or now <= pending.due_at:
            return False
        self.trigger_event(
            Approvable.ApprovalOverdue,
            approval_id=approval.approval_id,
            step=pending.step.name,
            step_order=pending.step.order,
            due_at=pending.due_at,
            escalated_to=pending.step.escalate_to,
        )
        return True

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
            self.trigger_event(
                Approvable.ApprovalInvalidated,
                approval_id=approval.approval_id,
                from_step=1,
                reason="subject_changed",
                approved_hash=approval.subject_version_hash,
                current_hash=current,
            )

    # -- signatures

    def capture_signature(
        self,
        signature_id: UUID,
        capture: SignatureCapture,
        captured_by: str,
        seal: str,
        now: datetime,
    ) -> None:
        # XC-02: a signature is made on a version of the document that exists, never later than
        # now.
        if not self.created_on - SKEW <= capture.signed_at <= now + SKEW:
            raise RuleViolation(
                "XC-02",
                "a signature is made between the document's creation and now",
                signed_at=capture.signed_at.isoformat(),
                created_on=self.created_on.isoformat(),
            )
        # XC-02: an employee signs only as themselves; staff never sign for a customer.
        if capture.capacity is Capacity.EMPLOYEE and capture.signer_id != captured_by:
            raise RuleViolation("XC-02", "an employee signs only for themselves")
        if capture.capacity is Capacity.CUSTOMER and capture.method is not Method.PAPER_SCAN:
            raise RuleViolation(
                "XC-02",
                "staff never enter a customer's signature: the customer signs through their own "
                "signing link, or staff upload the scan of the page the customer signed on paper "
                f"(method {Method.PAPER_SCAN.value})",
                method=capture.method.value,
            )
        if capture.method is Method.PAPER_SCAN and not capture.image_hash:
            raise RuleViolation("XC-02", "a paper signature is recorded with the scan of the page")
        self.signature_allowed(capture.capacity)
        self.trigger_event(
            Approvable.SignatureCaptured,
            signature_id=signature_id,
            document_type=self.document_type,
            document_version_hash=self.version_hash,
            capture=capture,
            captured_by=captured_by,
            seal=seal,
            canonical_form=CURRENT_FORM,
        )
        if capture.capacity is Capacity.CUSTOMER:
            self.on_customer_signed(capture.signed_at)

    def void_signature(
        self,
        signature_id: UUID,
        reason: str,
        rule: ApprovalRule,
        approver: Approver,
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
        if approver.user_id == requested_by:
            raise RuleViolation("XC-05", "the person asking to void a signature cannot approve it")
        roles = rule.steps_for(None, ())[0].roles
        role = next((r for r in roles if r in approver.roles), None)
        if role is None:
            raise RuleViolation("XC-07", f"voiding a signature is approved by {', '.join(roles)}")
        self.trigger_event(
            Approvable.SignatureVoided,
            signature_id=signature_id,
            reason=reason,
            approved_by=approver.user_id,
            approver_role=role,
            approval_signature=approver.signature,
            canonical_form=CURRENT_FORM,
        )

    # -- major matters (XC-06)

    def report_major_matter(
        self,
        matter_id: UUID,
        rule: ApprovalRule,
        policy_version: int,
        amount: Decimal | None,
        conditions: tuple[str, ...],
        report: MajorMatterReport,
        reporter: str,
        reporter_roles: frozenset[str],
    ) -> None:
        """XC-06: what the policy classes as major goes to leadership, with the reporter's own
        proposal and the customer's demand."""
        why = rule.why_major(amount, conditions)
        if not why:
            raise RuleViolation(
                "XC-06",
                f"a {rule.kind} matter is not major under authority matrix v{policy_version}: "
                "it is decided in the ordinary chain",
                major_amount=None if rule.major_amount is None else str(rule.major_amount),
                major_if=sorted(rule.major_if),
            )
        role = next((r for r in MAJOR_MATTER_REPORTERS if r in reporter_roles), None)
        if role is None:
            raise RuleViolation(
                "XC-06",
                "a major matter is reported to leadership by the sales manager or the unit leader",
                required_roles=list(MAJOR_MATTER_REPORTERS),
            )
        if not report.proposal.strip() or not report.customer_demand.strip():
            raise RuleViolation(
                "XC-06",
                "a major matter is reported with your own proposal and the customer's demand",
            )
        self.trigger_event(
            Approvable.MajorMatterReported,
            matter_id=matter_id,
            document_type=self.document_type,
            kind=rule.kind,
            why_major=why,
            summary=report.summary,
            proposal=report.proposal,
            customer_demand=report.customer_demand,
            reported_by=reporter,
            reporter_role=role,
            policy_version=policy_version,
            document_version_hash=self.version_hash,
        )

    def decide_major_matter(
        self, matter_id: UUID, decision: str, decider: str, decider_roles: frozenset[str]
    ) -> None:
        """XC-06: leadership decides a reported major matter, once."""
        matter = self.major_matters.get(matter_id)
        if matter is None:
            raise RuleViolation("XC-06", "no such major matter reported", matter_id=str(matter_id))
        if matter.decision is not None:
            raise RuleViolation(
                "XC-06", "leadership has already decided this matter", decided_by=matter.decided_by
            )
        role = next((r for r in LEADERSHIP if r in decider_roles), None)
        if role is None:
            raise RuleViolation(
                "XC-06", "a major matter is decided by leadership", required_roles=list(LEADERSHIP)
            )
        if not decision.strip():
            raise RuleViolation("XC-06", "leadership's decision is stated")
        self.trigger_event(
            Approvable.LeadershipDecided,
            matter_id=matter_id,
            decision=decision,
            decided_by=decider,
            decider_role=role,
        )
