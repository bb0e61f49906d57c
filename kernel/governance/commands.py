"""Governance commands and queries, for any service whose application inherits them (XC-08,
XC-09). Each service keeps them in its own store, about its own staff and documents."""

from __future__ import annotations

from uuid import UUID

from kernel.application import KernelApplication
from kernel.governance.domain import Finding, Rectification, ViolationRecord
from kernel.roles import SUPERVISING
from runtime import clock
from runtime.application import command
from runtime.unit_of_work import CommandContext


class GovernanceCommands(KernelApplication):
    @command
    def record_violation(self, context: CommandContext, finding: Finding) -> ViolationRecord:
        return ViolationRecord.record(finding, context.actor)

    @command
    def order_rectification(
        self, context: CommandContext, finding: str, owner: str, working_days: int
    ) -> Rectification:
        return Rectification.order(
            finding, owner, context.actor, clock.now(), working_days, self.calendar
        )

    @command
    def close_rectification(
        self, context: CommandContext, rectification_id: UUID, outcome: str
    ) -> Rectification:
        """Close as ``context.actor``: its owner, or anybody in a supervising role."""
        rectification = self.rectification(rectification_id)
        supervising = bool(context.roles & set(SUPERVISING))
        rectification.close(context.actor, outcome, clock.now(), supervising)
        return rectification

    def violation(self, violation_id: UUID) -> ViolationRecord:
        return self.get(ViolationRecord, violation_id, "rule violation")

    def rectification(self, rectification_id: UUID) -> Rectification:
        return self.get(Rectification, rectification_id, "rectification")
