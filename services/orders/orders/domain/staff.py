"""Who in the sales department does a step: a refusal under the step's own rule otherwise."""

from __future__ import annotations

from collections.abc import Collection

from runtime.aggregate import RuleViolation


def acting_as(allowed: Collection[str], roles: frozenset[str], rule: str, what: str) -> str:
    """The caller's role among ``allowed``; ``rule`` refuses anyone else."""
    role = next((r for r in allowed if r in roles), None)
    if role is None:
        who = " or ".join(sorted(allowed))
        raise RuleViolation(rule, f"{what} is done by the {who}", required_roles=sorted(allowed))
    return role
