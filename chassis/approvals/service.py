"""Application-side approval and signature commands, shared by every service.

Loads the document, checks the employee's Ed25519 signature against the key ring (XC-02),
lets the document's own rules decide, and saves. The authority matrix in force is the latest
version the general manager signed (XC-07); until then no approval can be requested.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Literal
from uuid import UUID, uuid4

from chassis import clock
from chassis.approvals.domain import (
    Approvable,
    Capacity,
    Method,
    approval_signing_fields,
    signature_signing_fields,
    void_signing_fields,
)
from chassis.approvals.matrix import ApprovalRule, AuthorityMatrix
from chassis.approvals.policy import PolicyVersion, policy_signing_fields
from chassis.domain import CommandContext, RuleViolation
from chassis.signing import KeyRing

if TYPE_CHECKING:
    from chassis.application import ServiceApplication

SIGNATURE_VOID = "signature_void"
Decision = Literal["grant", "reject"]


class Approvals:
    def __init__(
        self, app: ServiceApplication, key_ring: KeyRing, configured: AuthorityMatrix
    ) -> None:
        self._app = app
        self.key_ring = key_ring
        self.configured = configured

    # -- the authority matrix in force

    def _version(self, number: int) -> PolicyVersion | None:
        return self._app.find(
            PolicyVersion, PolicyVersion.create_id(self.configured.policy_key, number)
        )

    def matrix_in_force(self) -> AuthorityMatrix:
        in_force: PolicyVersion | None = None
        number = 1
        while (version := self._version(number)) is not None:
            if version.in_force:
                in_force = version
            number += 1
        if in_force is None:
            raise RuleViolation(
                "XC-07", "no authority matrix is in force yet: the general manager must approve one"
            )
        return self._parsed(in_force.content)

    @functools.lru_cache(maxsize=8)  # noqa: B019 - one Approvals per application, few versions
    def _parsed(self, content: str) -> AuthorityMatrix:
        return AuthorityMatrix.parse(content)

    def approve_policy(
        self, context: CommandContext, roles: frozenset[str], version: int, signature: str
    ) -> PolicyVersion:
        """Put the configured matrix version in force with the general manager's signature."""
        matrix = self.configured
        if version != matrix.version:
            raise RuleViolation(
                "XC-07", f"version {version} is not the configured one ({matrix.version})"
            )
        fields = policy_signing_fields(matrix.policy_key, matrix.version, matrix.digest)
        with self._app.acting(context):
            policy = self._version(version) or PolicyVersion(
                matrix.policy_key, matrix.version, matrix.digest, matrix.content, context.actor
            )
            if policy.digest != matrix.digest:
                raise RuleViolation(
                    "XC-07",
                    "the configured matrix differs from the stored version of the same "
                    "number: give the change a new version number",
                )
            policy.approve(
                context.actor,
                roles,
                signature,
                self.key_ring.verify(context.actor, fields, signature),
            )
        self._app.save(policy)
        return policy

    # -- approvals of a document

    def document(self, document_id: UUID) -> Approvable:
        return self._app.get(Approvable, document_id, "document")

    def request(
        self,
        document: Approvable,
        kind: str,
        requested_by: str,
        amount: Decimal | None = None,
        conditions: tuple[str, ...] = (),
    ) -> None:
        """Called by a service's own command inside its command context, before it saves."""
        matrix = self.matrix_in_force()
        rule = matrix.rule(kind)
        document.request_approval(
            uuid4(), rule, matrix.version, requested_by, amount, conditions, self._due(rule)
        )

    def _due(self, rule: ApprovalRule) -> datetime | None:
        """When a step that becomes current now must be decided, in working hours (XC-10)."""
        if rule.due_working_hours is None:
            return None
        return self._app.calendar.add_working_hours(clock.now(), rule.due_working_hours)

    def escalate_overdue(self, document_id: UUID) -> bool:
        """Emit ApprovalOverdue and widen the step to its escalation roles, if it is late."""
        document = self.document(document_id)
        with self._app.acting(CommandContext(actor=f"{self._app.service_name}:timer")):
            escalated = document.escalate_if_overdue(clock.now())
        if escalated:
            self._app.save(document)
        return escalated

    def _verified(
        self,
        document: Approvable,
        context: CommandContext,
        action: str,
        step: str,
        seen_hash: str,
        signature: str,
    ) -> None:
        approval = document.approval
        if approval is None:
            raise RuleViolation("XC-01", "no approval of this document is in progress")
        fields = approval_signing_fields(
            document.document_type,
            document.id,
            approval.approval_id,
            action,
            step,
            seen_hash,
            approval.policy_version,
            context.actor,
        )
        if not self.key_ring.verify(context.actor, fields, signature):
            raise RuleViolation(
                "XC-02",
                f"the {action} signature of {context.actor} does not "
                "verify against their key for exactly these fields",
                signed_fields=fields,
            )

    def decide(
        self,
        context: CommandContext,
        roles: frozenset[str],
        document_id: UUID,
        decision: Decision,
        step: str,
        seen_hash: str,
        signature: str,
        note: str = "",
    ) -> Approvable:
        """Grant (``note`` is a comment) or reject (``note`` is the reason) the next step."""
        document = self.document(document_id)
        self._verified(document, context, decision, step, seen_hash, signature)
        with self._app.acting(context):
            if decision == "grant":
                approval = document.approval
                assert approval is not None
                next_due = self._due(self.matrix_in_force().rule(approval.kind))
                document.grant(step, context.actor, roles, seen_hash, signature, note, next_due)
            else:
                document.reject(step, context.actor, roles, seen_hash, signature, note)
        self._app.save(document)
        return document

    # -- signatures on a document

    def capture_signature(
        self,
        context: CommandContext,
        document_id: UUID,
        signer_id: str | None,
        signer_name: str,
        capacity: Capacity,
        signer_org: str,
        method: Method,
        image: bytes | None,
        place: str,
        signed_at: datetime,
        seal: str,
    ) -> UUID:
        """The capturing employee seals the signature (and the image's hash) with their key; an
        employee signing for themselves signs the same fields."""
        document = self.document(document_id)
        image_hash = hashlib.sha256(image).hexdigest() if image else None
        fields = signature_signing_fields(
            document.document_type,
            document.id,
            document.version_hash,
            signer_name,
            capacity.value,
            method.value,
            image_hash,
            place,
            signed_at,
            context.actor,
        )
        if not self.key_ring.verify(context.actor, fields, seal):
            raise RuleViolation(
                "XC-02", f"the seal of {context.actor} does not verify", signed_fields=fields
            )
        signature_id = uuid4()
        with self._app.acting(context):
            document.capture_signature(
                signature_id,
                signer_id,
                signer_name,
                capacity,
                signer_org,
                method,
                image_hash,
                place,
                signed_at,
                context.actor,
                seal,
            )
        self._app.save(document)
        return signature_id

    def void_signature(
        self,
        context: CommandContext,
        roles: frozenset[str],
        document_id: UUID,
        signature_id: UUID,
        reason: str,
        requested_by: str,
        approval_signature: str,
    ) -> Approvable:
        document = self.document(document_id)
        fields = void_signing_fields(document_id, signature_id, reason, context.actor)
        if not self.key_ring.verify(context.actor, fields, approval_signature):
            raise RuleViolation(
                "XC-02", "the approval signature does not verify", signed_fields=fields
            )
        with self._app.acting(context):
            document.void_signature(
                signature_id,
                reason,
                self.matrix_in_force().rule(SIGNATURE_VOID),
                context.actor,
                roles,
                approval_signature,
                requested_by,
            )
        self._app.save(document)
        return document
