"""A customer's approval story built through the application, for the audit tests: what each
employee signed and where the signed event is stored, so a test can forge it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from chassis.approvals.domain import (
    Capacity,
    Method,
    approval_signing_fields,
    signature_signing_fields,
    void_signing_fields,
)
from chassis.approvals.policy import PolicyVersion, policy_signing_fields
from chassis.approvals.service import Decision
from chassis.domain import CommandContext
from chassis.signing import load_private_key, sign

from customers.application.service import CustomersApplication
from tests.integration.test_approvals_store import put_matrix_in_force


@dataclass(frozen=True)
class Signed:
    """A stored signed event: where it is, who signed which fields, in which body member."""

    stream: UUID
    version: int
    signer: str
    fields: dict[str, Any]
    member: str


@dataclass
class Story:
    app: CustomersApplication
    keys: Path
    signed: dict[str, Signed] = field(default_factory=dict)

    def signature(self, user: str, fields: dict[str, Any]) -> str:
        return sign(load_private_key(self.keys, user), fields)

    def approve_policy(self) -> UUID:
        version = put_matrix_in_force(self.app, self.keys)
        configured = self.app.approvals.configured
        policy_id = PolicyVersion.create_id(configured.policy_key, version)
        fields = policy_signing_fields(configured.policy_key, version, configured.digest)
        self.signed["PolicyVersion.Approved"] = Signed(policy_id, 2, "gm", fields, "signature")
        return policy_id

    def decide(
        self,
        user: str,
        role: str,
        customer_id: UUID,
        decision: Decision = "grant",
        note: str = "",
        context: CommandContext | None = None,
    ) -> Signed:
        document = self.app.approvals.document(customer_id)
        approval = document.approval
        assert approval is not None
        step = approval.next_step()
        assert step is not None
        fields = approval_signing_fields(
            "customer",
            customer_id,
            approval.approval_id,
            decision,
            step.name,
            document.version_hash,
            approval.policy_version,
            user,
        )
        self.app.approvals.decide(
            context or CommandContext(user),
            frozenset({role}),
            customer_id,
            decision,
            step.name,
            document.version_hash,
            self.signature(user, fields),
            note,
        )
        return Signed(customer_id, document.version + 1, user, fields, "signature")

    def capture(self, customer_id: UUID, captured_by: str = "salesperson") -> tuple[UUID, Signed]:
        document = self.app.approvals.document(customer_id)
        signed_at = datetime(2025, 3, 4, 10, 30, tzinfo=UTC)
        fields = signature_signing_fields(
            "customer",
            customer_id,
            document.version_hash,
            "Zhao Lan",
            Capacity.CUSTOMER.value,
            Method.E_SIGN.value,
            None,
            "Shanghai",
            signed_at,
            captured_by,
        )
        signature_id = self.app.approvals.capture_signature(
            CommandContext(captured_by),
            customer_id,
            None,
            "Zhao Lan",
            Capacity.CUSTOMER,
            "ACME",
            Method.E_SIGN,
            None,
            "Shanghai",
            signed_at,
            self.signature(captured_by, fields),
        )
        return signature_id, Signed(customer_id, document.version + 1, captured_by, fields, "seal")

    def void(self, customer_id: UUID, signature_id: UUID, reason: str) -> Signed:
        version = self.app.approvals.document(customer_id).version
        fields = void_signing_fields(customer_id, signature_id, reason, "sales-manager")
        self.app.approvals.void_signature(
            CommandContext("sales-manager"),
            frozenset({"sales_manager"}),
            customer_id,
            signature_id,
            reason,
            "salesperson",
            self.signature("sales-manager", fields),
        )
        return Signed(customer_id, version + 1, "sales-manager", fields, "approval_signature")


def every_signed_event(app: CustomersApplication, keys: Path) -> Story:
    """The policy in force; one customer granted in two steps, its signature captured and
    voided; another rejected: each kind of signed event once, six signatures."""
    story = Story(app, keys)
    story.approve_policy()
    salesperson = CommandContext("salesperson")
    approved = app.register_customer(salesperson, "ACME", "salesperson")
    app.submit_for_approval(salesperson, approved, Decimal(5000), "CNY")
    story.signed["ApprovalGranted"] = story.decide("sales-manager", "sales_manager", approved)
    story.decide("finance", "finance", approved)
    signature_id, story.signed["SignatureCaptured"] = story.capture(approved)
    story.signed["SignatureVoided"] = story.void(approved, signature_id, "wrong signer name")
    rejected = app.register_customer(salesperson, "Globex", "salesperson")
    app.submit_for_approval(salesperson, rejected, Decimal(0), "CNY")
    story.signed["ApprovalRejected"] = story.decide(
        "sales-manager", "sales_manager", rejected, "reject", "no credit rating form"
    )
    return story
