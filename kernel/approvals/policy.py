"""Where policy versions lived before every rule parameter became policy: events stored then name
this module in their topics (``kernel.approvals.policy:PolicyVersion.Approved``), and resolve
through it."""

from kernel.policy.domain import PolicyVersion, policy_signing_fields

__all__ = ["PolicyVersion", "policy_signing_fields"]
