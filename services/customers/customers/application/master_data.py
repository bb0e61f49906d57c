"""Commands on customer master-data change requests (CU-14)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from customers.domain.customer import Contact, Customer
from customers.domain.master_data import APPROVAL_KIND, MasterDataChange
from kernel.approvals import Approvals
from runtime.application import command
from runtime.unit_of_work import CommandContext


class MasterDataCommands(Approvals):
    def master_data_change(self, change_id: UUID) -> MasterDataChange:
        return self.get(MasterDataChange, change_id, "master-data change")

    @command
    def submit_master_data_change(
        self,
        context: CommandContext,
        customer_id: UUID,
        reason: str,
        *,
        legal_name: str | None = None,
        contacts: Sequence[Contact] | None = None,
        premises: Sequence[str] | None = None,
    ) -> MasterDataChange:
        """CU-14: sales fill in the change request; the matrix's responsible manager approves."""
        self.get(Customer, customer_id, "customer")
        change = MasterDataChange.submit(
            customer_id,
            context.actor,
            reason,
            legal_name=legal_name,
            contacts=contacts,
            premises=premises,
        )
        self.request_approval(change, APPROVAL_KIND, context.actor)
        return change

    @command
    def apply_master_data_change(
        self, context: CommandContext, change_id: UUID
    ) -> MasterDataChange:
        """CU-14: the clerk applies the approved change to the customer; old values stay."""
        change = self.master_data_change(change_id)
        change.apply_to(self.get(Customer, change.customer_id, "customer"), context.actor)
        return change

    @command
    def archive_master_data_change(
        self, context: CommandContext, change_id: UUID
    ) -> MasterDataChange:
        """CU-14: the clerk archives the printed record they signed."""
        change = self.master_data_change(change_id)
        change.archive(context.actor)
        return change
