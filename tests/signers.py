"""What the employees' client apps do in the store tests: sign with the development keys and
call the approval commands, as the employee who signs."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from countersign.flows import DRAWN_SIGNATURE
from kernel.application import KernelApplication
from kernel.approvals.commands import Action, ApprovalCommands, Decision
from kernel.approvals.domain import (
    Approvable,
    Capacity,
    Method,
    SignatureCapture,
    seal_fields,
    void_fields,
)
from kernel.policy.domain import policy_signing_fields
from kernel.roles import Role
from runtime import clock
from runtime.signing import load_private_key, sign
from runtime.unit_of_work import CommandContext

PAPER_SCAN = b"%PDF-1.7 the confirmation the customer signed on paper"
DRAWN = base64.b64decode(DRAWN_SIGNATURE.removeprefix("data:image/png;base64,"))
"""A signature as the signing page sends it: a PNG (of one pixel)."""


def on_paper(at: datetime | None = None) -> SignatureCapture:
    """The customer's contact signed on paper, now unless ``at``; staff record the scan."""
    return SignatureCapture(
        signer_id=None,
        signer_name="Zhao Lan",
        capacity=Capacity.CUSTOMER,
        signer_org="ACME",
        method=Method.PAPER_SCAN,
        image_hash=hashlib.sha256(PAPER_SCAN).hexdigest(),
        place="Shanghai",
        signed_at=at or clock.now(),
    )


def page_answer(signed: bool = True, comment: str = "", name: str = "Zhao Lan") -> dict[str, Any]:
    """What the signing page posts."""
    return {
        "signed": signed,
        "typed_name": name,
        "comment": comment,
        "image": DRAWN_SIGNATURE if signed else None,
    }


def as_user(user: str, *roles: str) -> CommandContext:
    return CommandContext(actor=user, roles=frozenset(roles))


class Signers:
    """The development users' private keys in ``keys``."""

    def __init__(self, keys: Path) -> None:
        self.keys = keys

    def sign(self, user: str, fields: dict[str, Any]) -> str:
        return sign(load_private_key(self.keys, user), fields)

    def put_policies_in_force(self, app: KernelApplication) -> dict[str, int]:
        """The general manager signs every configured policy (XC-07): the authority matrix, the
        rule parameters, the calendar. Returns each one's version."""
        gm = as_user("gm", Role.LEADERSHIP_GM)
        versions = {}
        for key in app.policy_files:
            policy = app.configured_policy(key)
            fields = policy_signing_fields(key, policy.version, policy.digest)
            app.approve_policy(gm, key, policy.version, self.sign("gm", fields))
            versions[key] = policy.version
        return versions

    def decide(
        self,
        app: ApprovalCommands,
        document_id: UUID,
        user: str,
        role: str,
        action: Action = "grant",
        note: str = "",
        signer: str | None = None,
        correlation_id: UUID | None = None,
    ) -> Approvable:
        """``user`` in ``role`` decides the next step, signed with ``signer``'s key (theirs, unless
        the test forges), in the conversation ``correlation_id`` if given."""
        document = app.document(document_id)
        approval = document.approval
        assert approval is not None
        step = approval.next_step()
        assert step is not None
        fields = document.decision_to_sign(action, step.step.name, user).fields()
        signature = self.sign(signer or user, fields)
        decision = Decision(action, step.step.name, document.version_hash, signature, note)
        context = as_user(user, role)
        if correlation_id is not None:
            context = replace(context, correlation_id=correlation_id)
        return app.decide(context, document_id, decision)

    def seal(
        self,
        app: ApprovalCommands,
        document_id: UUID,
        captured_by: str,
        capture: SignatureCapture | None = None,
        sealer: str | None = None,
    ) -> UUID:
        """``captured_by`` records a signature (a paper signature made now, unless ``capture``) and
        seals it with ``sealer``'s key."""
        capture = capture or on_paper()
        document = app.document(document_id)
        fields = seal_fields(
            document.document_type, document_id, document.version_hash, capture, captured_by
        )
        seal = self.sign(sealer or captured_by, fields)
        return app.capture_signature(as_user(captured_by), document_id, capture, seal)

    def void(
        self,
        app: ApprovalCommands,
        document_id: UUID,
        signature_id: UUID,
        reason: str,
        approver: str = "sales-manager",
        requested_by: str = "salesperson",
    ) -> Approvable:
        """``approver`` (a sales manager) approves voiding the signature, signing the void."""
        fields = void_fields(document_id, signature_id, reason, approver)
        return app.void_signature(
            as_user(approver, Role.SALES_MANAGER),
            document_id,
            signature_id,
            reason,
            requested_by,
            self.sign(approver, fields),
        )
