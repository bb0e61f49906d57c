"""A customer's approval story built through the application, for the audit tests: what each
employee signed and where the signed event is stored, so a test can forge it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from customers.application import CustomersApplication
from kernel.application import AUTHORITY_MATRIX
from kernel.approvals.commands import Action
from kernel.approvals.domain import seal_fields, void_fields
from kernel.policy.domain import PolicyVersion, policy_signing_fields
from kernel.roles import Role
from tests.signers import Signers, as_user, on_paper

SALESPERSON = as_user("salesperson", Role.SALESPERSON)


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
    signers: Signers
    signed: dict[str, Signed] = field(default_factory=dict)

    def signature(self, user: str, fields: dict[str, Any]) -> str:
        return self.signers.sign(user, fields)

    def approve_policy(self) -> UUID:
        version = self.signers.put_policies_in_force(self.app)[AUTHORITY_MATRIX]
        configured = self.app.configured_policy(AUTHORITY_MATRIX)
        policy_id = PolicyVersion.create_id(configured.policy_key, version)
        fields = policy_signing_fields(configured.policy_key, version, configured.digest)
        self.signed["PolicyVersion.Approved"] = Signed(policy_id, 2, "gm", fields, "signature")
        return policy_id

    def decide(
        self,
        user: str,
        role: str,
        customer_id: UUID,
        action: Action = "grant",
        note: str = "",
        correlation_id: UUID | None = None,
    ) -> Signed:
        document = self.app.document(customer_id)
        approval = document.approval
        assert approval is not None
        step = approval.next_step()
        assert step is not None
        fields = document.decision_to_sign(action, step.step.name, user).fields()
        self.signers.decide(
            self.app, customer_id, user, role, action, note, correlation_id=correlation_id
        )
        return Signed(customer_id, document.version + 1, user, fields, "signature")

    def capture(self, customer_id: UUID, captured_by: str = "salesperson") -> tuple[UUID, Signed]:
        document = self.app.document(customer_id)
        capture = on_paper()
        fields = seal_fields("customer", customer_id, document.version_hash, capture, captured_by)
        signature_id = self.signers.seal(self.app, customer_id, captured_by, capture)
        return signature_id, Signed(customer_id, document.version + 1, captured_by, fields, "seal")

    def void(self, customer_id: UUID, signature_id: UUID, reason: str) -> Signed:
        version = self.app.document(customer_id).version
        fields = void_fields(customer_id, signature_id, reason, "sales-manager")
        self.signers.void(self.app, customer_id, signature_id, reason)
        return Signed(customer_id, version + 1, "sales-manager", fields, "approval_signature")


def every_signed_event(app: CustomersApplication, signers: Signers) -> Story:
    """The three policies in force; one customer granted in two steps, its signature captured
    and voided; another rejected: each kind of signed event, eight signatures."""
    story = Story(app, signers)
    story.approve_policy()
    approved = app.register_customer(SALESPERSON, "ACME", "salesperson").id
    app.submit_for_approval(SALESPERSON, approved, Decimal(5000), "CNY")
    story.decide("finance", Role.FINANCE, approved)
    story.signed["ApprovalGranted"] = story.decide("sales-manager", Role.SALES_MANAGER, approved)
    signature_id, story.signed["SignatureCaptured"] = story.capture(approved)
    story.signed["SignatureVoided"] = story.void(approved, signature_id, "wrong signer name")
    rejected = app.register_customer(SALESPERSON, "Globex", "salesperson").id
    app.submit_for_approval(SALESPERSON, rejected, Decimal(0), "CNY")
    story.signed["ApprovalRejected"] = story.decide(
        "sales-manager", Role.SALES_MANAGER, rejected, "reject", "no credit rating form"
    )
    return story
