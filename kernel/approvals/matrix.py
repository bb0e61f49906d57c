"""The authority matrix (XC-07): for each approval, which roles approve which step, in which
order, and when a step applies (a condition such as "credit", or "major" above an amount)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from kernel.policy.domain import PolicyDocument
from kernel.roles import Role

MAJOR = "major"


@dataclass(frozen=True)
class Step:
    """One step of an approval: decided by any of ``roles``, or by ``escalate_to`` once late."""

    order: int
    name: str
    roles: tuple[str, ...]
    escalate_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class ApprovalRule:
    kind: str
    title: str
    rules: tuple[str, ...]
    steps: tuple[tuple[Step, str | None], ...]
    major_amount: Decimal | None
    major_if: frozenset[str]
    due_working_hours: float | None

    def why_major(self, amount: Decimal | None, conditions: Iterable[str]) -> tuple[str, ...]:
        """Why a matter of this kind is major under this matrix (XC-06), or ``()`` when it is
        not: its amount reaches ``major_amount``, it carries a ``major_if`` flag, or whoever
        raised it judged it ``major``."""
        flags = set(conditions)
        reasons = (
            [f"amount {amount} >= {self.major_amount}"]
            if (
                self.major_amount is not None and amount is not None and amount >= self.major_amount
            )
            else []
        )
        return (*reasons, *sorted(flags & (self.major_if | {MAJOR})))

    def steps_for(self, amount: Decimal | None, conditions: Iterable[str]) -> tuple[Step, ...]:
        """The steps that apply to one request, renumbered 1..n in matrix order."""
        flags = set(conditions)
        if self.why_major(amount, flags):
            flags.add(MAJOR)
        applying = [step for step, when in self.steps if when is None or when in flags]
        return tuple(
            Step(order, step.name, step.roles, step.escalate_to)
            for order, step in enumerate(applying, start=1)
        )


@dataclass(frozen=True)
class AuthorityMatrix:
    policy_key: str
    version: int
    digest: str
    content: str
    approvals: dict[str, ApprovalRule]

    @classmethod
    def parse(cls, content: str) -> AuthorityMatrix:
        data: dict[str, Any] = tomllib.loads(content)
        approvals = {
            kind: ApprovalRule(
                kind=kind,
                title=spec.get("title", kind),
                rules=tuple(spec.get("rules", ())),
                steps=tuple(
                    (
                        Step(
                            order,
                            step["name"],
                            tuple(step["roles"]),
                            tuple(step.get("escalate_to", ())),
                        ),
                        step.get("when"),
                    )
                    for order, step in enumerate(spec["steps"], start=1)
                ),
                major_amount=Decimal(spec["major_amount"]) if "major_amount" in spec else None,
                major_if=frozenset(spec.get("major_if", ())),
                due_working_hours=spec.get("due_working_hours"),
            )
            for kind, spec in data["approvals"].items()
        }
        unknown = {
            role
            for rule in approvals.values()
            for step, _ in rule.steps
            for role in (*step.roles, *step.escalate_to)
        } - set(Role)
        if unknown:
            raise ValueError(f"the authority matrix names unknown roles: {sorted(unknown)}")
        document = PolicyDocument.parse(content)
        return cls(
            policy_key=document.policy_key,
            version=document.version,
            digest=document.digest,
            content=content,
            approvals=approvals,
        )

    @classmethod
    def load(cls, path: Path) -> AuthorityMatrix:
        return cls.parse(path.read_text())

    def rule(self, kind: str) -> ApprovalRule:
        return self.approvals[kind]
