"""Commands of the sales claims (OR-31), and the reaction to service-desk's classified sales
complaints (RULES §7 row 17): each is brought to the sales manager as a claim; and of the
contract breaches and disputes (OR-32) and the commitments made to customers (OR-36), whose
timer flags the ones missed."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from contracts.service_desk import ComplaintClassified
from kernel.approvals import Approvals
from kernel.timers import deadline_timer
from orders.claim_projections import (
    commitments,
    contract_disputes,
    overdue_commitments,
    sales_claims,
)
from orders.domain.commitment import Commitment, CommitmentKind
from orders.domain.dispute import Dispute, Outcome
from orders.domain.known_customer import KnownCustomer
from orders.domain.sales_claim import SALES_CLAIM, ClaimType, SalesClaim
from orders.domain.sales_contract import SalesContract
from runtime import clock
from runtime.application import Feature, command, policy
from runtime.unit_of_work import CommandContext


def _flag_missed(app: ClaimCommands, context: CommandContext, commitment_id: UUID) -> bool:
    return app.flag_missed_commitment(context, commitment_id)


COMMITMENTS_DUE = deadline_timer("commitments-due", overdue_commitments, _flag_missed)
"""OR-36: commitments whose time passed unmet."""


class ClaimCommands(Approvals):
    feature = Feature(
        "sales-claims",
        projections=(sales_claims, contract_disputes, commitments),
        timers=(COMMITMENTS_DUE,),
    )

    @command
    def register_claim(
        self,
        context: CommandContext,
        customer_id: UUID,
        claim_type: ClaimType | None,
        description: str,
        amount_claimed: Decimal,
    ) -> SalesClaim:
        return SalesClaim.register(
            self.find(KnownCustomer, customer_id),
            claim_type,
            description,
            amount_claimed,
            context.actor,
            context.roles,
        )

    @command
    def investigate_claim(
        self, context: CommandContext, claim_id: UUID, claim_type: ClaimType, findings: str
    ) -> SalesClaim:
        claim = self.sales_claim(claim_id)
        claim.investigate(claim_type, findings, context.actor, context.roles)
        return claim

    @command
    def propose_claim_countermeasure(
        self, context: CommandContext, claim_id: UUID, countermeasure: str, settlement: Decimal
    ) -> SalesClaim:
        """OR-31: the sales manager reviews every claim's resolution."""
        claim = self.sales_claim(claim_id)
        claim.propose(countermeasure, settlement, context.actor, context.roles)
        self.request_approval(claim, SALES_CLAIM, context.actor, settlement)
        return claim

    @policy(ComplaintClassified)
    def on_complaint_classified(self, event: ComplaintClassified) -> None:
        """RULES §7 row 17, OR-31: a sales (commercial) complaint goes to the sales manager's
        claims, once; service and product-quality complaints stay with service-desk."""
        if event.subject != "sales":
            return
        if self.find(SalesClaim, SalesClaim.id_for_complaint(event.complaint_id)) is None:
            SalesClaim.from_complaint(
                event.complaint_id,
                event.customer_id,
                event.severity,
                f"{self.service_name}:policy",
            )

    def sales_claim(self, claim_id: UUID) -> SalesClaim:
        return self.get(SalesClaim, claim_id, "sales claim")

    # -- OR-32: contract breaches and disputes

    @command
    def report_dispute(
        self, context: CommandContext, contract_id: UUID, description: str
    ) -> Dispute:
        contract = self.get(SalesContract, contract_id, "sales contract")
        return Dispute.report(contract, description, context.actor, context.roles)

    @command
    def draft_dispute_countermeasure(
        self, context: CommandContext, dispute_id: UUID, countermeasure: str
    ) -> Dispute:
        dispute = self.dispute(dispute_id)
        dispute.draft_countermeasure(countermeasure, context.actor, context.roles)
        return dispute

    @command
    def resolve_dispute(
        self, context: CommandContext, dispute_id: UUID, outcome: Outcome, reason: str
    ) -> Dispute:
        dispute = self.dispute(dispute_id)
        dispute.resolve(outcome, reason, context.actor, context.roles)
        return dispute

    def dispute(self, dispute_id: UUID) -> Dispute:
        return self.get(Dispute, dispute_id, "dispute")

    # -- OR-36: commitments to customers

    @command
    def record_commitment(
        self,
        context: CommandContext,
        customer_id: UUID,
        kind: CommitmentKind,
        promise: str,
        due_at: datetime,
    ) -> Commitment:
        return Commitment.record(
            self.find(KnownCustomer, customer_id),
            kind,
            promise,
            due_at,
            context.actor,
            context.roles,
            clock.now(),
        )

    @command
    def meet_commitment(self, context: CommandContext, commitment_id: UUID) -> Commitment:
        commitment = self.commitment(commitment_id)
        commitment.meet(context.actor, context.roles, clock.now())
        return commitment

    @command
    def flag_missed_commitment(self, context: CommandContext, commitment_id: UUID) -> bool:
        return self.commitment(commitment_id).flag_missed(clock.now())

    def commitment(self, commitment_id: UUID) -> Commitment:
        return self.get(Commitment, commitment_id, "commitment")
