"""Versions of the authority matrix: in force only once the general manager signed (XC-07)."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_OID, UUID, uuid5

from eventsourcing.domain import event

from chassis.domain import Aggregate, RuleViolation

GENERAL_MANAGER = "leadership_gm"


def policy_signing_fields(policy_key: str, version: int, digest: str) -> dict[str, Any]:
    """What the general manager signs to put a policy version in force."""
    return {
        "action": "approve-policy",
        "policy_key": policy_key,
        "version": version,
        "digest": digest,
    }


class PolicyVersion(Aggregate):
    class Proposed(Aggregate.Created):
        policy_key: str
        version: int
        digest: str
        content: str
        proposed_by: str

    class Approved(Aggregate.Event):
        approved_by: str
        signature: str

    @event(Proposed)
    def __init__(
        self, policy_key: str, version: int, digest: str, content: str, proposed_by: str
    ) -> None:
        self.policy_key = policy_key
        self.number = version
        self.digest = digest
        self.content = content
        self.proposed_by = proposed_by
        self.approved_by: str | None = None

    @classmethod
    def create_id(cls, policy_key: str, version: int) -> UUID:
        return uuid5(NAMESPACE_OID, f"policy:{policy_key}:{version}")

    @property
    def in_force(self) -> bool:
        return self.approved_by is not None

    def approve(
        self,
        approver_id: str,
        approver_roles: frozenset[str],
        signature: str,
        signature_valid: bool,
    ) -> None:
        # XC-07: a policy takes effect only with the general manager's signed approval.
        if GENERAL_MANAGER not in approver_roles:
            raise RuleViolation("XC-07", "only the general manager puts a policy version in force")
        if not signature_valid:
            raise RuleViolation("XC-07", "the general manager's signature does not verify")
        if self.in_force:
            raise RuleViolation("XC-07", "this policy version is already in force")
        self._approved(approved_by=approver_id, signature=signature)

    @event(Approved)
    def _approved(self, approved_by: str, signature: str) -> None:
        self.approved_by = approved_by
