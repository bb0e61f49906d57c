"""Policy versions (XC-07): the authority matrix, the rule parameters and the working calendar
are versioned documents, each in force only once the general manager signed that version."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from typing import Any, Self
from uuid import NAMESPACE_OID, UUID, uuid5

from kernel.roles import Role
from runtime.aggregate import Aggregate, RuleViolation
from runtime.signing import CURRENT_FORM, digest


@dataclass(frozen=True)
class PolicyDocument:
    """One version of a policy as configured: a TOML document naming its ``policy_key`` and
    ``version``. The general manager signs its digest; any change needs a new version number."""

    policy_key: str
    version: int
    digest: str
    content: str

    @classmethod
    def parse(cls, content: str) -> PolicyDocument:
        data = tomllib.loads(content)
        version = data.get("version")
        if not isinstance(data.get("policy_key"), str) or not isinstance(version, int):
            raise ValueError("a policy document names its policy_key and its version number")
        return cls(data["policy_key"], version, digest({"content": content}), content)


def policy_signing_fields(policy_key: str, version: int, digest: str) -> dict[str, Any]:
    """What the general manager signs to put a policy version in force."""
    return {
        "action": "approve-policy",
        "policy_key": policy_key,
        "version": version,
        "digest": digest,
    }


class PolicyVersion(Aggregate):
    def __init__(self) -> None:
        self.policy_key: str
        self.number: int
        self.digest: str
        self.content: str
        self.proposed_by: str
        self.approved_by: str | None = None

    class Proposed(Aggregate.Created):
        policy_key: str
        number: int
        digest: str
        content: str
        proposed_by: str

    class Approved(Aggregate.Event):
        policy_key: str
        number: int
        digest: str
        """What was signed (also in ``Proposed``), so the published event stands alone."""
        approved_by: str
        approver_role: str
        signature: str
        canonical_form: str

        def apply(self, policy: PolicyVersion) -> None:
            policy.approved_by = self.approved_by

    @classmethod
    def create_id(cls, policy_key: str, version: int) -> UUID:
        return uuid5(NAMESPACE_OID, f"policy:{policy_key}:{version}")

    @classmethod
    def propose(
        cls, policy_key: str, version: int, digest: str, content: str, proposed_by: str
    ) -> Self:
        return cls._create(
            cls.Proposed,
            id=cls.create_id(policy_key, version),
            policy_key=policy_key,
            number=version,
            digest=digest,
            content=content,
            proposed_by=proposed_by,
        )

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
        if Role.LEADERSHIP_GM not in approver_roles:
            raise RuleViolation("XC-07", "only the general manager puts a policy version in force")
        if not signature_valid:
            raise RuleViolation("XC-07", "the general manager's signature does not verify")
        if self.in_force:
            raise RuleViolation("XC-07", "this policy version is already in force")
        self.trigger_event(
            self.Approved,
            policy_key=self.policy_key,
            number=self.number,
            digest=self.digest,
            approver_role=Role.LEADERSHIP_GM,
            approved_by=approver_id,
            signature=signature,
            canonical_form=CURRENT_FORM,
        )
