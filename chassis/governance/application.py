"""Governance commands and queries every service application inherits (XC-08, XC-09)."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from chassis import clock
from chassis.application import ServiceApplication
from chassis.domain import CommandContext
from chassis.governance.domain import Rectification, ViolationRecord

# Who records violations, orders rectifications and closes anybody's rectification: the
# supervising roles of each business area.
SUPERVISING_ROLES = frozenset(
    {"sales_manager", "leadership_gm", "service_supervisor", "unit_leader", "finance"}
)


class GovernanceCommands(ServiceApplication):
    """Base of every service application: adds the XC-08/XC-09 commands to its own store."""

    def record_violation(
        self,
        context: CommandContext,
        rule_id: str,
        person_id: str,
        evidence_ref: str,
        loss_amount: Decimal,
        currency: str,
    ) -> ViolationRecord:
        with self.acting(context):
            record = ViolationRecord.record(
                rule_id, person_id, evidence_ref, loss_amount, currency, context.actor
            )
        self.save(record)
        return record

    def order_rectification(
        self, context: CommandContext, finding: str, owner: str, working_days: int
    ) -> Rectification:
        with self.acting(context):
            rectification = Rectification.order(
                finding, owner, context.actor, clock.now(), working_days, self.calendar
            )
        self.save(rectification)
        return rectification

    def close_rectification(
        self,
        context: CommandContext,
        rectification_id: UUID,
        outcome: str,
        roles: frozenset[str],
    ) -> Rectification:
        """Close as ``context.actor``, who holds ``roles`` (the owner may hold none of them)."""
        rectification = self.rectification(rectification_id)
        with self.acting(context):
            rectification.close(
                context.actor, outcome, clock.now(), supervising=bool(roles & SUPERVISING_ROLES)
            )
        self.save(rectification)
        return rectification

    def violation(self, violation_id: UUID) -> ViolationRecord:
        return self.get(ViolationRecord, violation_id, "rule violation")

    def rectification(self, rectification_id: UUID) -> Rectification:
        return self.get(Rectification, rectification_id, "rectification")
