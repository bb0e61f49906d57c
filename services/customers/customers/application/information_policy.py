"""Commands on the customer-information policy (CU-19)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from customers.domain.information_policy import APPROVAL_KIND, InformationPolicy
from kernel.approvals import Approvals
from runtime.application import command
from runtime.unit_of_work import CommandContext


class InformationPolicyCommands(Approvals):
    @command
    def draft_information_policy(
        self, context: CommandContext, title: str, collected_items: Sequence[str]
    ) -> InformationPolicy:
        """CU-19: customer service drafts the policy and what the survey collects."""
        return InformationPolicy.draft(title, collected_items, context.actor, context.roles)

    @command
    def revise_information_policy(
        self,
        context: CommandContext,
        policy_id: UUID,
        title: str,
        collected_items: Sequence[str],
    ) -> InformationPolicy:
        policy = self.information_policy(policy_id)
        policy.revise(title, collected_items, context.actor, context.roles)
        return policy

    @command
    def submit_information_policy(
        self, context: CommandContext, policy_id: UUID
    ) -> InformationPolicy:
        """CU-19: to the matrix's chain: the customer-service director reviews, the GM
        approves."""
        policy = self.information_policy(policy_id)
        policy.submit(context.actor)
        self.request_approval(policy, APPROVAL_KIND, context.actor)
        return policy

    def information_policy(self, policy_id: UUID) -> InformationPolicy:
        return self.get(InformationPolicy, policy_id, "information policy")
