"""Approval and signature commands, for any service whose application inherits them.

Each loads the document, checks the employee's Ed25519 signature against the key ring (XC-02),
lets the document's own rules decide, and commits. The authority matrix in force is the latest
version the general manager signed (XC-07, ``KernelApplication.policy_in_force``); until then no
approval can be requested.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal
from uuid import UUID

from kernel.application import AUTHORITY_MATRIX, KernelApplication
from kernel.approvals.domain import (
    Approvable,
    Approver,
    MajorMatterReport,
    SignatureCapture,
    seal_fields,
    void_fields,
)
from kernel.approvals.matrix import ApprovalRule, AuthorityMatrix
from kernel.calendar import Deadline
from runtime import clock
from runtime.aggregate import RuleViolation
from runtime.application import command
from runtime.ids import new_id
from runtime.unit_of_work import CommandContext

SIGNATURE_VOID = "signature_void"
Action = Literal["grant", "reject"]


@dataclass(frozen=True)
class Decision:
    """An approver's signed decision on the next step of a document's approval."""

    action: Action
    step: str
    seen_hash: str
    """The version the approver reviewed."""
    signature: str
    note: str = ""
    """A grant's comment, a rejection's reason."""


class ApprovalCommands(KernelApplication):
    def matrix_in_force(self) -> AuthorityMatrix:
        return _parsed(self.policy_in_force(AUTHORITY_MATRIX).content)

    # -- approvals of a document

    def document(self, document_id: UUID) -> Approvable:
        return self.get(Approvable, document_id, "document")

    def request_approval(
        self,
        document: Approvable,
        kind: str,
        requested_by: str,
        amount: Decimal | None = None,
        conditions: tuple[str, ...] = (),
    ) -> None:
        """Part of a service's own command: send ``document`` to the matrix's chain for
        ``kind``."""
        matrix = self.matrix_in_force()
        rule = matrix.rule(kind)
        document.request_approval(
            new_id(), rule, matrix.version, requested_by, amount, conditions, self._due(rule)
        )

    def _due(self, rule: ApprovalRule) -> Deadline | None:
        """When a step that becomes current now must be decided, in working hours (XC-10)."""
        if rule.due_working_hours is None:
            return None
        calendar = self.calendar
        return Deadline(
            calendar.add_working_hours(clock.now(), rule.due_working_hours), calendar.version
        )

    @command
    def escalate_overdue(self, context: CommandContext, document_id: UUID) -> bool:
        """Record ApprovalOverdue and widen the step to its escalation roles, if it is late."""
        return self.document(document_id).escalate_if_overdue(clock.now())

    @command
    def decide(self, context: CommandContext, document_id: UUID, decision: Decision) -> Approvable:
        """Grant or reject the next step of the document's approval."""
        document = self.document(document_id)
        signed = document.decision_to_sign(
            decision.action, decision.step, context.actor, decision.seen_hash
        ).fields()
        if not self.key_ring.verify(context.actor, signed, decision.signature, at=clock.now()):
            raise RuleViolation(
                "XC-02",
                f"the {decision.action} signature of {context.actor} does not "
                "verify against their key for exactly these fields",
                signed_fields=signed,
            )
        approver = Approver(context.actor, context.roles, decision.seen_hash, decision.signature)
        if decision.action == "grant":
            approval = document.approval
            assert approval is not None
            next_due = self._due(self.matrix_in_force().rule(approval.kind))
            document.grant(decision.step, approver, decision.note, next_due)
        else:
            document.reject(decision.step, approver, decision.note)
        return document

    # -- signatures on a document

    @command
    def capture_signature(
        self, context: CommandContext, document_id: UUID, capture: SignatureCapture, seal: str
    ) -> UUID:
        """The capturing employee seals the signature (and the image's hash) with their key; an
        employee signing for themselves signs the same fields."""
        document = self.document(document_id)
        fields = seal_fields(
            document.document_type, document.id, document.version_hash, capture, context.actor
        )
        if not self.key_ring.verify(context.actor, fields, seal, at=clock.now()):
            raise RuleViolation(
                "XC-02", f"the seal of {context.actor} does not verify", signed_fields=fields
            )
        signature_id = new_id()
        document.capture_signature(signature_id, capture, context.actor, seal, clock.now())
        return signature_id

    @command
    def void_signature(
        self,
        context: CommandContext,
        document_id: UUID,
        signature_id: UUID,
        reason: str,
        requested_by: str,
        approval_signature: str,
    ) -> Approvable:
        document = self.document(document_id)
        fields = void_fields(document_id, signature_id, reason, context.actor)
        if not self.key_ring.verify(context.actor, fields, approval_signature, at=clock.now()):
            raise RuleViolation(
                "XC-02", "the approval signature does not verify", signed_fields=fields
            )
        approver = Approver(context.actor, context.roles, document.version_hash, approval_signature)
        rule = self.matrix_in_force().rule(SIGNATURE_VOID)
        document.void_signature(signature_id, reason, rule, approver, requested_by)
        return document

    # -- major matters on a document (XC-06)

    @command
    def report_major_matter(
        self,
        context: CommandContext,
        document_id: UUID,
        kind: str,
        amount: Decimal | None,
        conditions: tuple[str, ...],
        report: MajorMatterReport,
    ) -> UUID:
        """Report to leadership a matter the authority matrix in force classes as major."""
        document = self.document(document_id)
        matrix = self.matrix_in_force()
        if kind not in matrix.approvals:
            raise RuleViolation(
                "XC-06",
                f"the authority matrix v{matrix.version} has no {kind!r} matters",
                kinds=sorted(matrix.approvals),
            )
        matter_id = new_id()
        document.report_major_matter(
            matter_id,
            matrix.rule(kind),
            matrix.version,
            amount,
            conditions,
            report,
            context.actor,
            context.roles,
        )
        return matter_id

    @command
    def decide_major_matter(
        self, context: CommandContext, document_id: UUID, matter_id: UUID, decision: str
    ) -> Approvable:
        document = self.document(document_id)
        document.decide_major_matter(matter_id, decision, context.actor, context.roles)
        return document


@functools.lru_cache(maxsize=8)
def _parsed(content: str) -> AuthorityMatrix:
    return AuthorityMatrix.parse(content)
